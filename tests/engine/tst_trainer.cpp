// The training loop: AdamW equal to LibTorch's own, the learning-rate schedule, clipping, EMA,
// progress and cancel, and checkpoints that resume bit for bit.

#include "../support/fixtures.h"
#include "golden_util.h"
#include "io/snapshot.h"
#include "io/tensor_io.h"
#include "models/vae.h"
#include "pipelines/latte.h"
#include "pipelines/modelscope.h"
#include "sampling/ddim.h"
#include "text/t5_tokenizer.h"
#include "train/toy_clip.h"
#include "train/toy_cogvideox.h"
#include "train/toy_data.h"
#include "train/toy_latte.h"
#include "train/toy_t2v.h"
#include "train/toy_t5.h"
#include "train/toy_vae.h"
#include "train/trainer.h"

#include "metrics/clip_scorer.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>

using namespace mp;
using namespace mp::train;

Q_DECLARE_METATYPE(std::vector<float>)
Q_DECLARE_METATYPE(std::vector<double>)
namespace fs = std::filesystem;

namespace {

// A fixed regression problem: y = A x + b with a batch drawn from the trainer's generator.
struct Problem {
    mutable torch::nn::Linear model{nullptr};  // forward is not const in LibTorch
    explicit Problem(std::uint64_t seed) {
        at::manual_seed(static_cast<std::int64_t>(seed));
        model = torch::nn::Linear(4, 3);
    }
    std::vector<std::pair<std::string, at::Tensor>> parameters() const {
        std::vector<std::pair<std::string, at::Tensor>> out;
        for (const auto& p : model->named_parameters())
            out.emplace_back(p.key(), p.value());
        return out;
    }
    at::Tensor loss(at::Generator& g) const {
        const auto x = at::randn({8, 4}, g);
        const auto target = x.matmul(at::arange(12, at::kFloat).reshape({4, 3}) / 10) + 1;
        return (model->forward(x) - target).pow(2).mean();
    }
};

std::vector<at::Tensor> snapshot(const Problem& p) {
    std::vector<at::Tensor> out;
    for (const auto& t : p.model->parameters())
        out.push_back(t.detach().clone());
    return out;
}

bool same(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!at::equal(a[i], b[i]))
            return false;
    return true;
}

}  // namespace

class TstTrainer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void adamwMatchesLibTorch_data();
    void adamwMatchesLibTorch();
    void schedule_data();
    void schedule();
    void ema();
    void resumesExactly_data();
    void resumesExactly();
    void progressAndCancel();
    void accumulation();
    void errors();
    void toyClipRecipe();
    void toyVaeRecipe();
    void clipPool();
    void subjectMask();
    void reversedPairs();
    void edgeFrames_data();
    void edgeFrames();
    void highNoise_data();
    void highNoise();
    void toyT2vRecipe();
    void toyT2vZeroTerminalSnr();
    void toyT5Recipe();
    void toyLatteRecipe();
    void toyCogVideoXVaeRecipe_data();
    void toyCogVideoXVaeRecipe();
    void toyCogVideoXRecipe();
};

void TstTrainer::adamwMatchesLibTorch_data() {
    QTest::addColumn<double>("weightDecay");
    QTest::addColumn<double>("clip");
    QTest::addColumn<int>("steps");
    QTest::newRow("plain, 1 step") << 0.0 << 0.0 << 1;
    QTest::newRow("weight decay, 7 steps") << 0.05 << 0.0 << 7;
    QTest::newRow("clipped, 7 steps") << 0.01 << 0.1 << 7;
}

// Our update against torch::optim::AdamW (and clip_grad_norm_) on the same gradients: equal.
void TstTrainer::adamwMatchesLibTorch() {
    QFETCH(double, weightDecay);
    QFETCH(double, clip);
    QFETCH(int, steps);
    TrainConfig c;
    c.adamw.lr = 3e-2;
    c.adamw.weightDecay = weightDecay;
    c.totalSteps = steps;
    c.minLrRatio = 1.0;  // a constant rate, as the reference optimizer has
    c.gradClipNorm = clip;
    c.seed = 5;
    Problem ours(1), ref(1);
    QVERIFY(same(snapshot(ours), snapshot(ref)));
    Trainer trainer(ours.parameters(), c);
    const auto report = trainer.run([&](int, at::Generator& g) { return ours.loss(g); });
    QVERIFY2(report.ok(), report.ok() ? "" : report.error().what());

    auto g = at::make_generator<at::CPUGeneratorImpl>(5);
    torch::optim::AdamW adamw(ref.model->parameters(),
                              torch::optim::AdamWOptions(3e-2).weight_decay(weightDecay));
    for (int i = 0; i < steps; ++i) {
        adamw.zero_grad();
        ref.loss(g).backward();
        if (clip > 0)
            torch::nn::utils::clip_grad_norm_(ref.model->parameters(), clip);
        adamw.step();
    }
    // The same operations in the same order: equal to the last bit.
    QVERIFY(same(snapshot(ours), snapshot(ref)));
    QVERIFY(!same(snapshot(ours), snapshot(Problem(1))));  // it trained
    QCOMPARE(report.value().losses.size(), std::size_t(steps));
}

void TstTrainer::schedule_data() {
    QTest::addColumn<int>("step");
    QTest::addColumn<double>("expected");  // lr 1, warm-up 10, 110 steps, floor 0.1
    QTest::newRow("first warm-up step") << 0 << 0.1;
    QTest::newRow("end of warm-up") << 9 << 1.0;
    QTest::newRow("cosine start") << 10 << 1.0;
    QTest::newRow("cosine middle") << 60 << 0.55;
    QTest::newRow("cosine end") << 110 << 0.1;
}

void TstTrainer::schedule() {
    QFETCH(int, step);
    QFETCH(double, expected);
    TrainConfig c;
    c.adamw.lr = 1;
    c.warmupSteps = 10;
    c.totalSteps = 110;
    c.minLrRatio = 0.1;
    QVERIFY(std::abs(learningRate(c, step) - expected) < 1e-12);
}

void TstTrainer::ema() {
    TrainConfig c;
    c.adamw.lr = 1e-2;
    c.totalSteps = 40;  // past the warm-up's reach of 0.8 (step 35)
    c.emaDecay = 0.8;
    Problem p(2);
    const auto start = snapshot(p);
    // The weights each step starts from are the previous step's result.
    std::vector<std::vector<at::Tensor>> seen;
    Trainer trainer(p.parameters(), c);
    QVERIFY(trainer
                .run([&](int, at::Generator& g) {
                    seen.push_back(snapshot(p));
                    return p.loss(g);
                })
                .ok());
    seen.push_back(snapshot(p));
    // Warmed up: min(0.8, (1 + step) / (10 + step)) is 0.1, 0.18, 0.25, … until it reaches 0.8.
    auto expected = start;
    for (std::size_t k = 1; k < seen.size(); ++k) {
        const double step = static_cast<double>(k - 1);
        const double decay = std::min(0.8, (1 + step) / (10 + step));
        QCOMPARE(emaDecayAt(c, static_cast<int>(k - 1)), decay);
        for (std::size_t i = 0; i < expected.size(); ++i)
            expected[i] = expected[i] * decay + seen[k][i] * (1 - decay);
    }
    const auto emaWeights = trainer.emaWeights();
    for (std::size_t i = 0; i < expected.size(); ++i)
        QVERIFY(at::allclose(emaWeights[i].second, expected[i], 1e-6, 1e-7));
}

void TstTrainer::resumesExactly_data() {
    QTest::addColumn<bool>("checkpointOnCancel");
    QTest::addColumn<int>("resumeAt");
    // A kill: the newest periodic checkpoint (step 10) is where it resumes.
    QTest::newRow("killed at 13") << false << 10;
    // A cancel: the run keeps its last step.
    QTest::newRow("cancelled at 13") << true << 13;
}

void TstTrainer::resumesExactly() {
    QFETCH(bool, checkpointOnCancel);
    QFETCH(int, resumeAt);
    test::TempDir dir;
    TrainConfig c;
    c.adamw.lr = 2e-2;
    c.totalSteps = 20;
    c.warmupSteps = 3;
    c.emaDecay = 0.9;
    c.gradClipNorm = 1.0;
    c.seed = 11;
    c.checkpointEvery = 5;

    // The whole run without a stop.
    c.checkpointDir = dir / "straight";
    Problem a(3);
    Trainer ta(a.parameters(), c);
    const auto full = ta.run([&](int, at::Generator& g) { return a.loss(g); });
    QVERIFY(full.ok());

    // The same run stopped after step 13, then a fresh process resumes it.
    c.checkpointDir = dir / "stopped";
    c.checkpointOnCancel = checkpointOnCancel;
    {
        Problem b(3);
        Trainer tb(b.parameters(), c);
        JobContext job;
        job.progress = [&](const ProgressEvent& e) {
            if (e.step == 13)
                job.cancel.cancel();
        };
        const auto stopped = tb.run([&](int, at::Generator& g) { return b.loss(g); }, job);
        QVERIFY(stopped.cancelled());
    }
    QCOMPARE(Trainer::latestCheckpoint(c.checkpointDir).filename().string(),
             QStringLiteral("step-%1.safetensors").arg(resumeAt, 8, 10, QChar(u'0')).toStdString());
    Problem resumed(99);  // other initial weights: all state comes from the checkpoint
    Trainer tr(resumed.parameters(), c);
    const auto rest = tr.run([&](int, at::Generator& g) { return resumed.loss(g); });
    QVERIFY2(rest.ok(), rest.ok() ? "" : rest.error().what());
    QCOMPARE(rest.value().firstStep, resumeAt);
    QVERIFY(same(snapshot(resumed), snapshot(a)));
    for (std::size_t i = 0; i < rest.value().losses.size(); ++i)
        QCOMPARE(rest.value().losses[i], full.value().losses[std::size_t(resumeAt) + i]);
    const auto ema = tr.emaWeights(), emaFull = ta.emaWeights();
    for (std::size_t i = 0; i < ema.size(); ++i)
        QVERIFY(at::equal(ema[i].second, emaFull[i].second));
    // Only the newest checkpoints are kept.
    int files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(c.checkpointDir))
        ++files;
    QCOMPARE(files, 2);
}

void TstTrainer::progressAndCancel() {
    TrainConfig c;
    c.totalSteps = 5;
    Problem p(4);
    Trainer trainer(p.parameters(), c);
    JobContext job;
    QList<int> steps;
    job.progress = [&](const ProgressEvent& e) {
        QCOMPARE(e.stage, std::string("train"));
        QCOMPARE(e.total, 5);
        steps << e.step;
    };
    QVERIFY(trainer.run([&](int, at::Generator& g) { return p.loss(g); }, job).ok());
    QCOMPARE(steps, (QList<int>{0, 1, 2, 3, 4, 5}));
    QCOMPARE(trainer.step(), 5);
}

void TstTrainer::errors() {
    test::TempDir dir;
    TrainConfig c;
    c.totalSteps = 3;
    Problem p(5);
    {
        Trainer trainer(p.parameters(), c);
        const auto r = trainer.run([&](int step, at::Generator& g) {
            return step == 1 ? p.loss(g) * std::nan("") : p.loss(g);
        });
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromUtf8(r.error().what()).contains(u"the loss is nan at step 1"),
                 r.error().what());
    }
    // A checkpoint of another model is refused, naming the file and the tensor.
    c.checkpointDir = dir / "other";
    {
        torch::nn::Linear wider(5, 3);
        std::vector<std::pair<std::string, at::Tensor>> params;
        for (const auto& x : wider->named_parameters())
            params.emplace_back(x.key(), x.value());
        Trainer other(params, c);
        QVERIFY(other
                    .run([&](int, at::Generator& g) {
                        return wider->forward(at::randn({2, 5}, g)).pow(2).mean();
                    })
                    .ok());
    }
    Trainer mismatched(p.parameters(), c);
    const auto r = mismatched.run([&](int, at::Generator& g) { return p.loss(g); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code(), ErrorCode::Weights);
    QVERIFY2(QString::fromUtf8(r.error().what()).contains(u"'param.weight' is [3, 5]"),
             r.error().what());
    // A safetensors file that is no checkpoint.
    const auto stray = dir / "stray" / "step-00000001.safetensors";
    fs::create_directories(stray.parent_path());
    saveTensorFile(stray, {{"x", at::zeros({1})}});
    QVERIFY_THROWS_EXCEPTION(EngineError, mismatched.loadCheckpoint(stray));
    QVERIFY_THROWS_EXCEPTION(EngineError, Trainer({}, c));
}

namespace {

double meanOf(const std::vector<double>& v, std::size_t from, std::size_t count) {
    double s = 0;
    for (std::size_t i = from; i < from + count; ++i)
        s += v[i];
    return s / static_cast<double>(count);
}

fs::path toyTokenizerDir() {
    return fs::path(MP_TEST_DATA_DIR) / ".." / ".." / "resources" / "models" / "toy" / "tokenizer";
}

ToyClipOptions tinyClip(int steps) {
    ToyClipOptions o;
    o.width = 32;
    o.layers = 1;
    o.heads = 2;
    o.projection = 16;
    o.patch = 16;
    o.batch = 16;
    o.train.totalSteps = steps;
    o.train.adamw.lr = 2e-3;
    o.train.warmupSteps = std::min(5, steps);
    o.train.seed = 3;
    o.tokenizerDir = toyTokenizerDir();
    return o;
}

ToyVaeOptions tinyVae(int steps) {
    ToyVaeOptions o;
    o.channels = {8, 16, 16};
    o.groups = 4;
    o.batch = 8;
    o.train.totalSteps = steps;
    o.train.adamw.lr = 3e-3;
    o.train.warmupSteps = 3;
    o.train.seed = 5;
    return o;
}

ToyT5Options tinyT5(int steps) {
    ToyT5Options o;
    o.width = 32;
    o.layers = 1;
    o.heads = 2;
    o.ff = 48;
    o.batch = 32;
    o.train.totalSteps = steps;
    o.train.adamw.lr = 3e-3;
    o.train.warmupSteps = std::min(5, steps);
    o.train.seed = 6;
    return o;
}

// A tiny video recipe on a 1-step CLIP and VAE trained into `dir`.
ToyT2vOptions tinyT2v(const fs::path& dir) {
    auto c = tinyClip(1);
    c.batch = 2;
    if (!trainToyClip(c, {}, dir / "clip").ok() || !trainToyVae(tinyVae(1), {}, dir / "vae").ok())
        throw std::runtime_error("tiny CLIP or VAE failed to train");
    ToyT2vOptions o;
    o.clipFolder = dir / "clip";
    o.vaeFolder = dir / "vae";
    o.channels = {8, 16};
    o.groups = 4;
    o.headDim = 4;
    o.batch = 2;
    return o;
}

}  // namespace

// The toy CLIP recipe on the CPU at a tiny size: the contrastive loss falls, and the folder it
// writes is a CLIPModel folder the scorer loads like a hub one. (Quality is measured on the GPU:
// docs/toy-world.md.)
void TstTrainer::toyClipRecipe() {
    test::TempDir dir;
    const auto o = tinyClip(40);
    const auto r = trainToyClip(o, {}, dir / "clip");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    // The same recipe stopped after one step starts from the same weights (the seed draws
    // them). The towers themselves must have learnt: a falling loss alone could be the
    // temperature, and weight decay alone moves the weights by ~1e-5.
    auto once = o;
    once.train.totalSteps = 1;
    QVERIFY(trainToyClip(once, {}, dir / "once").ok());
    std::map<std::string, at::Tensor> trained, start;
    for (auto& [k, t] : loadTensorFile(dir / "clip" / "model.safetensors"))
        trained[k] = t.to(at::kFloat);
    for (auto& [k, t] : loadTensorFile(dir / "once" / "model.safetensors"))
        start[k] = t.to(at::kFloat);
    for (const char* key : {"vision_model.encoder.layers.0.self_attn.q_proj.weight",
                            "text_model.encoder.layers.0.self_attn.q_proj.weight",
                            "visual_projection.weight", "text_projection.weight"}) {
        const double moved = (trained.at(key) - start.at(key)).abs().mean().item<double>();
        QVERIFY2(moved > 1e-3,
                 qPrintable(QStringLiteral("%1 moved %2").arg(QLatin1String(key)).arg(moved)));
    }
    const auto& losses = r.value().training.losses;
    QCOMPARE(losses.size(), std::size_t(40));
    const auto mean = [&](std::size_t from) {
        double s = 0;
        for (std::size_t i = from; i < from + 8; ++i)
            s += losses[i];
        return s / 8;
    };
    qInfo("toy CLIP loss %.3f -> %.3f (chance %.3f)", mean(0), mean(32), std::log(4 * 16.0));
    QVERIFY(mean(32) < mean(0) - 0.1);
    auto scorer = metrics::ClipScorer::load(dir / "clip");
    QVERIFY2(scorer.ok(), scorer.ok() ? "" : scorer.error().what());
    QVERIFY(scorer.value().notes().empty());  // it has its own preprocessor_config.json
    QCOMPARE(scorer.value().backbone(), std::string("clip (ViT-1x32/16@64px)"));
    const auto retrieval = toyClipRetrieval(dir / "clip", 4, kToyHeldOutSeed);
    QVERIFY2(retrieval.ok(), retrieval.ok() ? "" : retrieval.error().what());
    const auto& q = retrieval.value();
    QCOMPARE(q.clips, 4);
    QVERIFY(q.top1 >= 0 && q.top1 <= std::min({q.colour, q.shape, q.background}));
}

// The toy VAE recipe at a tiny size: the reconstruction loss falls, and the folder is an
// AutoencoderKL folder with a measured scaling factor that our loader binds strictly.
void TstTrainer::toyVaeRecipe() {
    test::TempDir dir;
    const auto r = trainToyVae(tinyVae(40), {}, dir / "vae");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    const auto& losses = r.value().training.losses;
    QCOMPARE(losses.size(), std::size_t(40));
    qInfo("toy VAE loss %.4f -> %.4f", meanOf(losses, 0, 8), meanOf(losses, 32, 8));
    QVERIFY(meanOf(losses, 32, 8) < 0.7 * meanOf(losses, 0, 8));
    const auto vae = models::loadAutoencoderKL(dir / "vae");
    QCOMPARE(vae->config().spatialFactor(), std::int64_t(4));
    QCOMPARE(vae->config().scalingFactor, r.value().scalingFactor);
    QVERIFY(r.value().scalingFactor > 0 && std::isfinite(r.value().scalingFactor));
    // Training improved the reconstruction over the 1-step model of the same seed.
    QVERIFY(trainToyVae(tinyVae(1), {}, dir / "once").ok());
    const auto trained = toyVaePsnr(dir / "vae", 2, kToyHeldOutSeed);
    const auto once = toyVaePsnr(dir / "once", 2, kToyHeldOutSeed);
    QVERIFY2(trained.ok(), trained.ok() ? "" : trained.error().what());
    QVERIFY(once.ok());
    qInfo("toy VAE PSNR %.2f dB after 1 step, %.2f dB after 40", once.value(), trained.value());
    QVERIFY(trained.value() > once.value() + 1);
}

// The pool keeps the newest `capacity` clips, each with its own latents, and draws only from them.
void TstTrainer::clipPool() {
    ClipPool pool(4);
    std::vector<toy::ClipSpec> specs;
    for (int i = 0; i < 6; ++i)
        specs.push_back(toy::randomClip(100 + i));
    const auto marks = [](int first, int n) {  // latents that name their clip
        return at::arange(first, first + n, at::kFloat).view({n, 1, 1}).expand({n, 2, 3});
    };
    pool.add({specs.begin(), specs.begin() + 3}, marks(0, 3));
    QCOMPARE(pool.size(), std::int64_t(3));
    pool.add({specs.begin() + 3, specs.end()}, marks(3, 3));  // 4 fits, 5 and 6 replace 1 and 2
    QCOMPARE(pool.size(), std::int64_t(4));
    auto g = at::make_generator<at::CPUGeneratorImpl>(5);
    const auto positions = pool.draw(400, g);
    QCOMPARE(positions.size(0), std::int64_t(400));
    const auto latents = pool.latents(positions);
    std::set<int> seen;
    for (std::int64_t i = 0; i < 400; ++i) {
        const auto p = positions[i].item<std::int64_t>();
        const int mark = static_cast<int>(latents[i][1][2].item<float>());
        QCOMPARE(toy::caption(pool.spec(p), 0), toy::caption(specs[mark], 0));
        seen.insert(mark);
    }
    QCOMPARE(seen, (std::set<int>{2, 3, 4, 5}));
    QVERIFY_THROWS_EXCEPTION(EngineError, pool.add({specs[0]}, at::zeros({1, 3, 3})));
    QVERIFY_THROWS_EXCEPTION(EngineError, ClipPool(4).draw(1, g));
}

// The subject mask at latent resolution marks the cells around each frame's subject centre and
// nothing far from it; a clip with no visible change from its background has an empty mask.
void TstTrainer::subjectMask() {
    std::vector<toy::ClipSpec> specs;
    for (std::uint64_t seed : {3u, 11u, 29u})
        specs.push_back(toy::randomClip(seed));
    const auto clips = renderToyClips(specs);
    const auto backgrounds = renderToyBackgrounds(specs);
    const auto mask = latentSubjectMask(clips, backgrounds, 4);
    QCOMPARE(mask.sizes().vec(), (std::vector<std::int64_t>{3, 1, 16, 16, 16}));
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const auto& s = specs[i];
        for (int t = 0; t < s.frames; ++t) {
            const auto p = toy::placement(s.subjects[0], t, s.frames, s.width, s.height);
            const auto cx = static_cast<std::int64_t>(p.x / 4),
                       cy = static_cast<std::int64_t>(p.y / 4);
            QCOMPARE(mask[i][0][t][cy][cx].item<float>(), 1.0f);
            // Cells more than 5 cells (20 px) from the centre hold no subject.
            for (std::int64_t y = 0; y < 16; ++y)
                for (std::int64_t x = 0; x < 16; ++x)
                    if (std::max(std::abs(x - cx), std::abs(y - cy)) > 5)
                        QCOMPARE(mask[i][0][t][y][x].item<float>(), 0.0f);
        }
    }
    const double share = mask.mean().item<double>();
    QVERIFY2(share > 0.02 && share < 0.3, qPrintable(QString::number(share)));
    // The background against itself: nothing.
    QCOMPARE(latentSubjectMask(backgrounds.unsqueeze(1).repeat({1, 16, 1, 1, 1}), backgrounds, 4)
                 .sum()
                 .item<float>(),
             0.0f);
    QVERIFY_THROWS_EXCEPTION(EngineError, latentSubjectMask(clips, backgrounds, 3));
}

// The second half of a batch mirrors the first where the path has a reverse in the world: the
// latents played backwards and the reversed path in the caption; the rest stays as drawn.
void TstTrainer::reversedPairs() {
    std::vector<toy::ClipSpec> specs;
    for (auto path : {toy::Path::LeftToRight, toy::Path::Zigzag, toy::Path::Up, toy::Path::Grow,
                      toy::Path::Zigzag}) {
        specs.push_back(toy::randomClip(static_cast<std::uint64_t>(specs.size())));
        specs.back().subjects.resize(1);
        specs.back().subjects[0].path = path;
    }
    const auto drawn = at::randn({5, 4, 3, 2, 2});
    auto latents = drawn.clone();
    auto paired = specs;
    const auto partner = pairReversed(paired, latents);
    QCOMPARE(partner, (std::vector<int>{-1, -1, 0, -1, -1}));
    QCOMPARE(paired[2].subjects[0].path, toy::Path::RightToLeft);
    QCOMPARE(paired[2].subjects[0].shape, specs[0].subjects[0].shape);
    QVERIFY(at::equal(latents[2], drawn[0].flip({1})));
    QVERIFY(!at::equal(latents[2], drawn[0]));
    for (int i : {0, 1, 3, 4}) {
        QVERIFY(at::equal(latents[i], drawn[i]));
        QCOMPARE(paired[i].subjects[0].path, specs[i].subjects[0].path);
    }
    auto wrong = at::randn({4, 4, 3, 2, 2});
    QVERIFY_THROWS_EXCEPTION(EngineError, pairReversed(paired, wrong));
}

void TstTrainer::edgeFrames_data() {
    QTest::addColumn<int>("frames");
    QTest::addColumn<double>("extra");
    QTest::addColumn<std::vector<float>>("expected");  // empty: refused
    QTest::newRow("16 frames, 4") << 16 << 4.0 << std::vector<float>{5, 1, 1, 1, 1, 1, 1, 1,
                                                                     1, 1, 1, 1, 1, 1, 1, 5};
    QTest::newRow("3 frames, 0.5") << 3 << 0.5 << std::vector<float>{1.5f, 1, 1.5f};
    QTest::newRow("2 frames, 0") << 2 << 0.0 << std::vector<float>{1, 1};
    QTest::newRow("1 frame") << 1 << 1.0 << std::vector<float>{};
    QTest::newRow("negative") << 16 << -1.0 << std::vector<float>{};
}

void TstTrainer::edgeFrames() {
    QFETCH(int, frames);
    QFETCH(double, extra);
    QFETCH(std::vector<float>, expected);
    if (expected.empty()) {
        QVERIFY_THROWS_EXCEPTION(EngineError, edgeFrameWeights(frames, extra));
        return;
    }
    const auto w = edgeFrameWeights(frames, extra);
    QCOMPARE(w.numel(), static_cast<std::int64_t>(expected.size()));
    for (std::size_t i = 0; i < expected.size(); ++i)
        QCOMPARE(w[static_cast<std::int64_t>(i)].item<float>(), expected[i]);
}

// 1 / SNR clamped to [1, cap]; on ModelScope's schedule the noisiest timesteps reach the cap and
// the clean half stays at 1.
void TstTrainer::highNoise_data() {
    QTest::addColumn<std::vector<double>>("alphas");
    QTest::addColumn<double>("cap");
    QTest::addColumn<std::vector<double>>("expected");  // empty: refused
    QTest::newRow("cap 10") << std::vector<double>{0.9, 0.5, 0.1, 0.005} << 10.0
                            << std::vector<double>{1, 1, 9, 10};
    QTest::newRow("cap 1: plain") << std::vector<double>{0.9, 0.1} << 1.0
                                  << std::vector<double>{1, 1};
    QTest::newRow("cap 0: plain") << std::vector<double>{0.05} << 0.0 << std::vector<double>{1};
    QTest::newRow("between") << std::vector<double>{0.2} << 100.0 << std::vector<double>{4};
    QTest::newRow("negative cap") << std::vector<double>{0.5} << -2.0 << std::vector<double>{};
}

void TstTrainer::highNoise() {
    QFETCH(std::vector<double>, alphas);
    QFETCH(double, cap);
    QFETCH(std::vector<double>, expected);
    const auto a = at::tensor(alphas, at::kDouble);
    if (expected.empty()) {
        QVERIFY_THROWS_EXCEPTION(EngineError, highNoiseWeights(a, cap));
        return;
    }
    const auto w = highNoiseWeights(a, cap);
    QCOMPARE(w.numel(), static_cast<std::int64_t>(expected.size()));
    for (std::size_t i = 0; i < expected.size(); ++i)
        QVERIFY2(std::abs(w[static_cast<std::int64_t>(i)].item<double>() - expected[i]) < 1e-5,
                 qPrintable(QString::number(w[static_cast<std::int64_t>(i)].item<double>())));
}

// The toy text-to-video recipe at a tiny size, on a 1-step CLIP and VAE: the UNet learns, and
// the output is a whole TextToVideoSDPipeline folder marked as the toy world's, which our
// pipeline loads and samples and the oracle judges.
void TstTrainer::toyT2vRecipe() {
    test::TempDir dir;
    auto o = tinyT2v(dir.path());
    o.reuse = 2;  // a pool of 4 clips, one new per step
    o.poolBatches = 2;
    o.snrGamma = 5;
    o.subjectWeight = 4;
    o.edgeFrameWeight = 3;
    o.highNoiseWeight = 5;
    o.train.totalSteps = 12;
    o.train.adamw.lr = 3e-3;
    o.train.seed = 9;
    const auto r = trainToyT2v(o, {}, dir / "t2v");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    QCOMPARE(r.value().training.losses.size(), std::size_t(12));
    auto once = o;
    once.train.totalSteps = 1;
    QVERIFY(trainToyT2v(once, {}, dir / "once").ok());
    const auto unet = [&](const char* folder) {
        std::map<std::string, at::Tensor> m;
        for (auto& [k, t] :
             loadTensorFile(dir / folder / "unet" / "diffusion_pytorch_model.safetensors"))
            m[k] = t.to(at::kFloat);
        return m;
    };
    const auto trained = unet("t2v"), start = unet("once");
    const double moved =
        (trained.at("conv_in.weight") - start.at("conv_in.weight")).abs().mean().item<double>();
    QVERIFY2(moved > 1e-3, qPrintable(QString::number(moved)));
    const auto recipe =
        loadTensorFileMetadata(dir / "t2v" / "unet" / "diffusion_pytorch_model.safetensors");
    QCOMPARE(QString::fromStdString(recipe.at("edge_frame_weight")).toDouble(), 3.0);
    QCOMPARE(QString::fromStdString(recipe.at("high_noise_weight")).toDouble(), 5.0);
    QCOMPARE(QString::fromStdString(recipe.at("subject_weight")).toDouble(), 4.0);
    auto negative = o;
    negative.edgeFrameWeight = -1;
    QVERIFY(!trainToyT2v(negative, {}, dir / "negative").ok());
    QVERIFY(!fs::exists(dir / "negative" / "model_index.json"));

    // Started from the trained UNet, one step at a tiny learning rate keeps its weights.
    auto resumed = once;
    resumed.initFrom = dir / "t2v";
    resumed.train.adamw.lr = 1e-7;
    QVERIFY(trainToyT2v(resumed, {}, dir / "init").ok());
    const auto continued = unet("init");
    for (const auto& [key, value] : trained)
        QVERIFY2((continued.at(key) - value).abs().max().item<double>() < 1e-3, key.c_str());
    // With the text encoder trained too, the pipeline's encoder moves away from the CLIP's
    // tower; a run started from that pipeline keeps its encoder (the one its UNet learnt with).
    const auto text = [&](const char* folder) {
        std::map<std::string, at::Tensor> m;
        for (auto& [k, t] : loadTensorFile(dir / folder / "text_encoder" / "model.safetensors"))
            m[k] = t.to(at::kFloat);
        return m;
    };
    auto joint = once;
    joint.trainTextEncoder = true;
    joint.train.totalSteps = 3;
    joint.train.adamw.lr = 3e-3;
    QVERIFY(trainToyT2v(joint, {}, dir / "joint").ok());
    const auto frozen = text("t2v"), trainedText = text("joint");
    const auto key = std::string("text_model.encoder.layers.0.self_attn.v_proj.weight");
    QVERIFY(trainedText.count(key));
    QVERIFY((trainedText.at(key) - frozen.at(key)).abs().max().item<double>() > 1e-3);
    auto kept = once;
    kept.initFrom = dir / "joint";
    kept.train.adamw.lr = 1e-7;
    QVERIFY(trainToyT2v(kept, {}, dir / "kept").ok());
    QVERIFY(at::equal(text("kept").at(key), trainedText.at(key)));

    // A UNet of another configuration is refused, naming what does not fit.
    auto other = resumed;
    other.channels = {8, 8};
    const auto refused = trainToyT2v(other, {}, dir / "other");
    QVERIFY(!refused.ok());
    QVERIFY2(
        std::string(refused.error().what()).find("do not match the model") != std::string::npos,
        refused.error().what());
    QVERIFY(!fs::exists(dir / "other" / "model_index.json"));

    const auto info = inspectSnapshot(dir / "t2v");
    QVERIFY(info.isToy);
    QVERIFY2(!info.hasErrors(), toJson(info).dump().c_str());
    QCOMPARE(info.pipelineClass, std::string("TextToVideoSDPipeline"));
    const auto pipeline = pipelines::ModelScopePipeline::load(dir / "t2v", {});
    QVERIFY2(pipeline.ok(), pipeline.ok() ? "" : pipeline.error().what());
    QCOMPARE(pipeline.value().defaultHeight(), std::int64_t(64));
    QCOMPARE(pipeline.value().defaultWidth(), std::int64_t(64));
    QVERIFY(pipeline.value().notes().empty());
    const auto q = toyT2vQuality(dir / "t2v", 1, 2, 7.5, kToyHeldOutSeed);
    QVERIFY2(q.ok(), q.ok() ? "" : q.error().what());
    QCOMPARE(q.value().samples, 1);
    for (double v : {q.value().colour, q.value().shape, q.value().background, q.value().path})
        QVERIFY(v == 0 || v == 1);
}

// At zero terminal SNR the recipe writes DDIMScheduler's rescaled, v-predicting, trailing
// config (so diffusers samples the folder as we do), trains on the v target, and our pipeline
// samples the folder from ᾱ = 0 without dividing by it. The SNR-dividing weights are refused.
void TstTrainer::toyT2vZeroTerminalSnr() {
    test::TempDir dir;
    auto o = tinyT2v(dir.path());
    o.reuse = 1;
    o.noiseOffset = 0;
    o.zeroTerminalSnr = true;
    o.train.totalSteps = 3;
    o.train.adamw.lr = 3e-3;
    o.train.seed = 4;
    const auto r = trainToyT2v(o, {}, dir / "v");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    for (double loss : r.value().training.losses)
        QVERIFY(std::isfinite(loss));
    const auto scheduler = sampling::DdimScheduler::fromModel(dir / "v");
    QCOMPARE(scheduler.config().predictionType, sampling::PredictionType::VPrediction);
    QVERIFY(scheduler.config().rescaleBetasZeroSnr);
    QCOMPARE(scheduler.config().timestepSpacing, sampling::TimestepSpacing::Trailing);
    QCOMPARE(scheduler.alphasCumprod().back(), 0.0);
    QCOMPARE(scheduler.timesteps(4).front(), std::int64_t(999));
    const auto recipe =
        loadTensorFileMetadata(dir / "v" / "unet" / "diffusion_pytorch_model.safetensors");
    QCOMPARE(recipe.at("zero_terminal_snr"), std::string("true"));

    // Training follows the schedule it writes: the same first batch on ModelScope's ε schedule
    // gives another loss. (The v target itself is the scheduler's, tst_ddim_scheduler.)
    auto eps = o;
    eps.zeroTerminalSnr = false;
    eps.train.totalSteps = 1;
    const auto e = trainToyT2v(eps, {}, dir / "eps");
    QVERIFY(e.ok());
    QVERIFY(std::abs(e.value().training.losses[0] - r.value().training.losses[0]) > 1e-4);

    const auto pipeline = pipelines::ModelScopePipeline::load(dir / "v", {}).value();
    pipelines::GenerateRequest request;
    request.prompt = "a red circle moves up on a white background";
    request.steps = 3;
    request.frames = 2;
    const auto out = pipelines::generate(pipeline, request);
    QVERIFY2(out.ok(), out.ok() ? "" : out.error().what());
    QVERIFY(at::isfinite(out.value().video).all().item<bool>());

    // The frame-index head trains with the model but stays out of the folder (which our
    // pipeline binds strictly), and the recipe records its weight.
    auto indexed = eps;
    indexed.frameIndexWeight = 2;
    const auto withIndex = trainToyT2v(indexed, {}, dir / "indexed");
    QVERIFY2(withIndex.ok(), withIndex.ok() ? "" : withIndex.error().what());
    QVERIFY(withIndex.value().training.losses[0] > e.value().training.losses[0]);
    // One frame-index error per step, the part the weight adds to the first loss.
    const auto& indexErrors = withIndex.value().frameIndexErrors;
    QCOMPARE(indexErrors.size(), withIndex.value().training.losses.size());
    QVERIFY(indexErrors[0] > 0 && std::isfinite(indexErrors[0]));
    QVERIFY(e.value().frameIndexErrors.empty());
    QVERIFY(pipelines::ModelScopePipeline::load(dir / "indexed", {}).ok());
    QCOMPARE(QString::fromStdString(loadTensorFileMetadata(dir / "indexed" / "unet" /
                                                           "diffusion_pytorch_model.safetensors")
                                        .at("frame_index_weight"))
                 .toDouble(),
             2.0);

    // Time-reversed pairs train (batch 4: one pair where the path has a reverse) and are
    // recorded in the recipe.
    auto pairs = o;
    pairs.reversedPairs = true;
    pairs.batch = 4;
    pairs.train.totalSteps = 2;
    const auto paired = trainToyT2v(pairs, {}, dir / "pairs");
    QVERIFY2(paired.ok(), paired.ok() ? "" : paired.error().what());
    QCOMPARE(loadTensorFileMetadata(dir / "pairs" / "unet" / "diffusion_pytorch_model.safetensors")
                 .at("reversed_pairs"),
             std::string("true"));
    // With their own noise the pair's halves differ in more than the direction: another loss
    // from the same draws.
    auto ownNoise = pairs;
    ownNoise.reversedPairsShareNoise = false;
    const auto own = trainToyT2v(ownNoise, {}, dir / "own");
    QVERIFY2(own.ok(), own.ok() ? "" : own.error().what());
    QVERIFY(std::abs(own.value().training.losses[0] - paired.value().training.losses[0]) > 1e-6);
    QCOMPARE(loadTensorFileMetadata(dir / "own" / "unet" / "diffusion_pytorch_model.safetensors")
                 .at("reversed_pairs_share_noise"),
             std::string("false"));

    // The caption-path head trains with the text encoder and stays out of the folder; a fresh
    // head's cross-entropy is near a uniform guess's (ln 11 ≈ 2.4), and the loss it adds makes
    // the first step's loss larger. Without the text encoder in training it is refused.
    auto captioned = o;
    captioned.trainTextEncoder = true;
    captioned.dropCaption = 0;
    auto plainText = captioned;
    captioned.captionPathWeight = 1;
    const auto withPath = trainToyT2v(captioned, {}, dir / "captioned");
    QVERIFY2(withPath.ok(), withPath.ok() ? "" : withPath.error().what());
    const auto& ce = withPath.value().captionPathLosses;
    QCOMPARE(ce.size(), withPath.value().training.losses.size());
    QVERIFY2(ce[0] > 1 && ce[0] < 5, std::to_string(ce[0]).c_str());
    for (const double a : withPath.value().captionPathAccuracies)
        QVERIFY(a >= 0 && a <= 1);
    const auto plain = trainToyT2v(plainText, {}, dir / "plain-text");
    QVERIFY(plain.ok());
    QVERIFY(plain.value().captionPathLosses.empty());
    QVERIFY(std::abs(withPath.value().training.losses[0] - plain.value().training.losses[0] -
                     ce[0]) < 1e-4);
    QVERIFY(pipelines::ModelScopePipeline::load(dir / "captioned", {}).ok());
    QCOMPARE(QString::fromStdString(loadTensorFileMetadata(dir / "captioned" / "unet" /
                                                           "diffusion_pytorch_model.safetensors")
                                        .at("caption_path_weight"))
                 .toDouble(),
             1.0);
    auto frozenText = captioned;
    frozenText.trainTextEncoder = false;
    const auto frozen = trainToyT2v(frozenText, {}, dir / "frozen");
    QVERIFY(!frozen.ok());
    QVERIFY2(std::string(frozen.error().what()).find("text encoder must be trained") !=
                 std::string::npos,
             frozen.error().what());
    QVERIFY(!fs::exists(dir / "frozen" / "model_index.json"));

    auto minSnr = o;
    minSnr.snrGamma = 5;
    const auto no = trainToyT2v(minSnr, {}, dir / "refused");
    QVERIFY(!no.ok());
    QVERIFY2(std::string(no.error().what()).find("SNR") != std::string::npos, no.error().what());
    auto highNoise = o;
    highNoise.highNoiseWeight = 10;
    QVERIFY(!trainToyT2v(highNoise, {}, dir / "refused").ok());
    QVERIFY(!fs::exists(dir / "refused" / "model_index.json"));
}

// Accumulating the gradients of two half batches takes the step the whole batch takes, and the
// reported loss is the whole batch's.
void TstTrainer::accumulation() {
    at::manual_seed(3);
    const auto x = at::randn({8, 4});
    const auto target = x.matmul(at::arange(12, at::kFloat).reshape({4, 3}) / 10) + 1;
    const auto mse = [&](const Problem& p, std::int64_t from, std::int64_t n) {
        return (p.model->forward(x.narrow(0, from, n)) - target.narrow(0, from, n)).pow(2).mean();
    };
    TrainConfig c;
    c.totalSteps = 5;
    c.adamw.lr = 0.05;
    c.gradClipNorm = 0.5;
    Problem whole(1), halves(1);
    Trainer a(whole.parameters(), c);
    const auto ra = a.run([&](int, at::Generator&) { return mse(whole, 0, 8); }).value();
    c.accumulate = 2;
    Trainer b(halves.parameters(), c);
    int calls = 0;
    const auto rb =
        b.run([&](int, at::Generator&) { return mse(halves, 4 * (calls++ % 2), 4); }).value();
    QCOMPARE(calls, 10);
    const auto wa = snapshot(whole), wb = snapshot(halves);
    for (std::size_t i = 0; i < wa.size(); ++i)
        QVERIFY2(mp::test::relMax(wb[i], wa[i]) < 1e-5,
                 qPrintable(QString::number(mp::test::relMax(wb[i], wa[i]))));
    QVERIFY(!same(wa, snapshot(Problem(1))));
    for (int i = 0; i < 5; ++i)
        QVERIFY(std::abs(rb.losses[i] - ra.losses[i]) < 1e-5 * std::abs(ra.losses[i]));
    c.accumulate = 0;
    QVERIFY_THROWS_EXCEPTION(EngineError, Trainer(whole.parameters(), c));
}

// The toy T5 recipe at a tiny size on the CPU: the attribute heads' loss falls, the held-out
// figures are shares, and the folder is a T5EncoderModel folder with its SentencePiece tokenizer
// that our loader binds strictly. (Its quality is measured at full size: docs/toy-world.md.)
void TstTrainer::toyT5Recipe() {
    test::TempDir dir;
    const auto r = trainToyT5(tinyT5(60), {}, dir / "t5");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    const auto& losses = r.value().training.losses;
    QCOMPARE(losses.size(), std::size_t(60));
    const auto mean = [&](std::size_t from, std::size_t n) {
        return std::accumulate(losses.begin() + from, losses.begin() + from + n, 0.0) / n;
    };
    // Six heads from chance (ln 6 + ln 6 + ln 3 + ln 3 + ln 11 + ln 8 ≈ 10.3).
    QVERIFY2(mean(0, 5) > 8, qPrintable(QString::number(mean(0, 5))));
    QVERIFY2(mean(55, 5) < 0.8 * mean(0, 5),
             qPrintable(QStringLiteral("%1 -> %2").arg(mean(0, 5)).arg(mean(55, 5))));
    for (double a : r.value().heldOut)
        QVERIFY(a >= 0 && a <= 1);
    QCOMPARE(r.value().heldOutCaptions, 512);
    const auto tokenizer = text::T5Tokenizer::fromFolder(dir / "t5");
    const auto model = models::loadT5EncoderModel(dir / "t5");
    QCOMPARE(model->config().vocabSize, tokenizer.vocabSize());
    QCOMPARE(model->config().dModel, std::int64_t(32));
    QVERIFY(model->config().gatedAct);
    const auto separation = toyDirectionSeparation(dir / "t5", 8);
    QVERIFY2(separation.ok(), separation.ok() ? "" : separation.error().what());
    QVERIFY(separation.value() >= 0 && separation.value() <= 2);
    auto bad = tinyT5(1);
    bad.heads = 3;  // 32 does not split into 3 heads
    QVERIFY(!trainToyT5(bad, {}, dir / "bad").ok());
    QVERIFY(!fs::exists(dir / "bad" / "config.json"));
}

// The toy Latte recipe at a tiny size: a LattePipeline folder that inspects clean, loads, and
// samples 16 frames at 64×64 (the world's); the variance half of the output is never trained;
// a run started from the folder keeps its weights; zero terminal SNR and the other options run.
void TstTrainer::toyLatteRecipe() {
    test::TempDir dir;
    QVERIFY(trainToyT5(tinyT5(2), {}, dir / "t5").ok());
    QVERIFY(trainToyVae(tinyVae(1), {}, dir / "vae").ok());
    ToyLatteOptions o;
    o.t5Folder = dir / "t5";
    o.vaeFolder = dir / "vae";
    o.heads = 2;
    o.headDim = 8;
    o.layers = 1;
    o.batch = 2;
    o.reuse = 2;
    o.poolBatches = 2;
    o.subjectWeight = 4;
    o.reversedPairs = true;
    o.train.totalSteps = 6;
    o.train.adamw.lr = 3e-3;
    o.train.seed = 2;
    const auto r = trainToyLatte(o, {}, dir / "latte");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    QCOMPARE(r.value().training.losses.size(), std::size_t(6));
    for (double loss : r.value().training.losses)
        QVERIFY(std::isfinite(loss) && loss > 0);

    const auto info = inspectSnapshot(dir / "latte");
    QVERIFY(info.isToy);
    QVERIFY2(!info.hasErrors(), toJson(info).dump().c_str());
    QCOMPARE(info.pipelineClass, std::string("LattePipeline"));
    const auto weights = [&](const fs::path& folder) {
        std::map<std::string, at::Tensor> m;
        for (auto& [k, t] :
             loadTensorFile(folder / "transformer" / "diffusion_pytorch_model.safetensors"))
            m[k] = t.to(at::kFloat);
        return m;
    };
    const auto trained = weights(dir / "latte");
    // proj_out: (p·p·8, D); rows (p1·p + p2)·8 + c, the variance for c ≥ 4.
    const auto projOut = trained.at("proj_out.weight").view({4, 8, -1});
    QCOMPARE(projOut.narrow(1, 4, 4).abs().max().item<double>(), 0.0);
    QVERIFY(projOut.narrow(1, 0, 4).abs().max().item<double>() > 1e-4);

    const auto loaded = pipelines::loadPipeline(dir / "latte", {});
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().what());
    const auto& pipeline = *loaded.value();
    QCOMPARE(pipeline.family(), ModelFamily::Latte);
    QCOMPARE(pipeline.defaultHeight(), std::int64_t(64));
    QCOMPARE(pipeline.defaultFrames(), 16);
    pipelines::GenerateRequest request;
    request.prompt = "a red circle moves up on a white background";
    request.steps = 2;
    const auto out = pipelines::generate(pipeline, request);
    QVERIFY2(out.ok(), out.ok() ? "" : out.error().what());
    QCOMPARE(out.value().video.sizes().vec(), (std::vector<std::int64_t>{1, 3, 16, 64, 64}));
    QVERIFY(at::isfinite(out.value().video).all().item<bool>());
    const auto q = toyT2vQuality(dir / "latte", 1, 2, 7.5, kToyHeldOutSeed);
    QVERIFY2(q.ok(), q.ok() ? "" : q.error().what());
    QCOMPARE(q.value().samples, 1);

    // Started from the trained folder at a tiny rate, with the T5 trained too: the transformer
    // keeps its weights.
    auto resumed = o;
    resumed.initFrom = dir / "latte";
    resumed.trainTextEncoder = true;
    resumed.train.totalSteps = 2;
    resumed.train.adamw.lr = 1e-7;
    QVERIFY(trainToyLatte(resumed, {}, dir / "init").ok());
    for (const auto& [key, value] : weights(dir / "init"))
        QVERIFY2((value - trained.at(key)).abs().max().item<double>() < 1e-3, key.c_str());
    auto zero = o;
    zero.zeroTerminalSnr = true;
    zero.reversedPairs = false;
    zero.subjectWeight = 0;
    zero.train.totalSteps = 1;
    const auto v = trainToyLatte(zero, {}, dir / "v");
    QVERIFY2(v.ok(), v.ok() ? "" : v.error().what());
    QCOMPARE(sampling::DdimScheduler::fromModel(dir / "v").config().predictionType,
             sampling::PredictionType::VPrediction);
    QCOMPARE(sampling::DdimScheduler::fromModel(dir / "latte").config().predictionType,
             sampling::PredictionType::Epsilon);
    auto negative = o;
    negative.subjectWeight = -1;
    QVERIFY(!trainToyLatte(negative, {}, dir / "negative").ok());
    QVERIFY(!fs::exists(dir / "negative" / "model_index.json"));
}

// The toy CogVideoX VAE recipe at a tiny size: its weights move, the folder is an
// AutoencoderKLCogVideoX folder our strict loader (and its config checks) accept, with the
// measured scaling factor, compressing 4× in space and time; bad settings are refused before
// anything is written.
void TstTrainer::toyCogVideoXVaeRecipe_data() {
    QTest::addColumn<int>("frames");
    QTest::addColumn<QString>("refusal");  // empty: trains
    QTest::newRow("9 frames") << 9 << QString();
    QTest::newRow("16 frames") << 16 << QStringLiteral("1 + 8k frames");
    // 1 + 4k frames, but an even count of latent frames, which the decoder would give back as 8.
    QTest::newRow("5 frames") << 5 << QStringLiteral("1 + 8k frames");
    QTest::newRow("channels not in groups") << 9 << QStringLiteral("do not split into 4 groups");
}

void TstTrainer::toyCogVideoXVaeRecipe() {
    QFETCH(int, frames);
    QFETCH(QString, refusal);
    test::TempDir dir;
    ToyCogVideoXVaeOptions o;
    o.channels = {8, 16, 16};
    o.groups = 4;
    o.latentChannels = 4;
    o.frames = frames;
    o.batch = 2;
    o.train.totalSteps = 4;
    o.train.adamw.lr = 3e-3;
    o.train.seed = 7;
    if (refusal.contains(u"groups"))
        o.channels = {8, 16, 18};
    const auto r = trainToyCogVideoXVae(o, {}, dir / "vae");
    if (!refusal.isEmpty()) {
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.error().what()).contains(refusal), r.error().what());
        QVERIFY(!fs::exists(dir / "vae" / "config.json"));
        return;
    }
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    for (double loss : r.value().training.losses)
        QVERIFY(std::isfinite(loss) && loss > 0);
    QVERIFY(r.value().scalingFactor > 0 && std::isfinite(r.value().scalingFactor));
    auto once = o;
    once.train.totalSteps = 1;
    QVERIFY(trainToyCogVideoXVae(once, {}, dir / "once").ok());
    const auto weights = [&](const char* folder) {
        std::map<std::string, at::Tensor> m;
        for (auto& [k, t] : loadTensorFile(dir / folder / "diffusion_pytorch_model.safetensors"))
            m[k] = t.to(at::kFloat);
        return m;
    };
    const auto trained = weights("vae"), start = weights("once");
    const auto key = std::string("encoder.conv_in.conv.weight");
    QVERIFY(trained.count(key));
    QVERIFY((trained.at(key) - start.at(key)).abs().mean().item<double>() > 1e-4);

    auto vae = models::loadCogVideoXVae(dir / "vae");
    QCOMPARE(vae->config().scalingFactor, r.value().scalingFactor);
    QCOMPARE(vae->config().temporalFactor(), std::int64_t(4));
    QCOMPARE(vae->config().spatialFactor(), std::int64_t(4));
    at::NoGradGuard noGrad;
    const auto [mean, logvar] = vae->encode(at::zeros({1, 3, frames, 64, 64}));
    QCOMPARE(mean.sizes().vec(), (std::vector<std::int64_t>{1, 4, 1 + (frames - 1) / 4, 16, 16}));
    const auto psnr = toyVaePsnr(dir / "vae", 1, kToyHeldOutSeed);
    QVERIFY2(psnr.ok(), psnr.ok() ? "" : psnr.error().what());
    QVERIFY(std::isfinite(psnr.value()));
}

// The toy CogVideoX recipe at a tiny size: a CogVideoXPipeline folder that inspects clean,
// loads and samples the clips' frames at 64×64; the subject weights reach the latent frames
// (the causal VAE compresses 4 frames into one); a run from the folder keeps the transformer,
// and with the T5 trained its copy moves; bad frame counts are refused.
void TstTrainer::toyCogVideoXRecipe() {
    test::TempDir dir;
    QVERIFY(trainToyT5(tinyT5(2), {}, dir / "t5").ok());
    ToyCogVideoXVaeOptions v;
    v.channels = {8, 16, 16};
    v.groups = 4;
    v.latentChannels = 4;
    v.frames = 9;
    v.batch = 1;
    v.train.totalSteps = 1;
    QVERIFY(trainToyCogVideoXVae(v, {}, dir / "vae").ok());
    ToyCogVideoXOptions o;
    o.t5Folder = dir / "t5";
    o.vaeFolder = dir / "vae";
    o.heads = 2;
    o.headDim = 8;
    o.layers = 1;
    o.timeEmbedDim = 16;
    o.frames = 9;
    o.batch = 2;
    o.reuse = 2;
    o.poolBatches = 2;
    o.subjectWeight = 4;
    o.train.totalSteps = 4;
    o.train.adamw.lr = 3e-3;
    o.train.seed = 5;
    const auto r = trainToyCogVideoX(o, {}, dir / "cogvideox");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    for (double loss : r.value().training.losses)
        QVERIFY(std::isfinite(loss) && loss > 0);

    const auto info = inspectSnapshot(dir / "cogvideox");
    QVERIFY(info.isToy);
    QVERIFY2(!info.hasErrors(), toJson(info).dump().c_str());
    QCOMPARE(info.pipelineClass, std::string("CogVideoXPipeline"));
    const auto loaded = pipelines::loadPipeline(dir / "cogvideox", {});
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().what());
    const auto& pipeline = *loaded.value();
    QCOMPARE(pipeline.family(), ModelFamily::CogVideoX);
    QCOMPARE(pipeline.defaultFrames(), 9);
    QCOMPARE(pipeline.defaultHeight(), std::int64_t(64));
    pipelines::GenerateRequest request;
    request.prompt = "a red circle moves up on a white background";
    request.steps = 2;
    const auto out = pipelines::generate(pipeline, request);
    QVERIFY2(out.ok(), out.ok() ? "" : out.error().what());
    QCOMPARE(out.value().video.sizes().vec(), (std::vector<std::int64_t>{1, 3, 9, 64, 64}));
    QVERIFY(at::isfinite(out.value().video).all().item<bool>());
    const auto q = toyT2vQuality(dir / "cogvideox", 1, 2, 6, kToyHeldOutSeed);
    QVERIFY2(q.ok(), q.ok() ? "" : q.error().what());
    QCOMPARE(q.value().samples, 1);

    const auto load = [&](const fs::path& file) {
        std::map<std::string, at::Tensor> m;
        for (auto& [k, t] : loadTensorFile(file))
            m[k] = t.to(at::kFloat);
        return m;
    };
    auto resumed = o;
    resumed.initFrom = dir / "cogvideox";
    resumed.trainTextEncoder = true;
    resumed.train.totalSteps = 2;
    resumed.train.adamw.lr = 1e-7;
    QVERIFY(trainToyCogVideoX(resumed, {}, dir / "init").ok());
    const auto trained =
        load(dir / "cogvideox" / "transformer" / "diffusion_pytorch_model.safetensors");
    for (const auto& [key, value] :
         load(dir / "init" / "transformer" / "diffusion_pytorch_model.safetensors"))
        QVERIFY2((value - trained.at(key)).abs().max().item<double>() < 1e-3, key.c_str());
    auto joint = o;
    joint.trainTextEncoder = true;
    joint.train.totalSteps = 2;
    QVERIFY(trainToyCogVideoX(joint, {}, dir / "joint").ok());
    const auto key = std::string("encoder.block.0.layer.0.SelfAttention.v.weight");
    const auto frozen = load(dir / "cogvideox" / "text_encoder" / "model.safetensors");
    const auto moved = load(dir / "joint" / "text_encoder" / "model.safetensors");
    QVERIFY(frozen.count(key) && moved.count(key));
    QVERIFY((moved.at(key) - frozen.at(key)).abs().max().item<double>() > 1e-4);
    QVERIFY(at::equal(frozen.at(key), load(dir / "t5" / "model.safetensors").at(key)));

    auto even = o;
    even.frames = 13;  // 4 latent frames: diffusers' decoder would give back 16
    const auto refused = trainToyCogVideoX(even, {}, dir / "even");
    QVERIFY(!refused.ok());
    QVERIFY(!fs::exists(dir / "even" / "model_index.json"));
}

QTEST_APPLESS_MAIN(TstTrainer)
#include "tst_trainer.moc"
