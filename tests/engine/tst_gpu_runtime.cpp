// GPU smoke test for the engine-gpu build: tensors round-trip through CUDA, the attention shim
// (native SDPA on LibTorch 2.x) matches the fp32/fp64 math path, and weights bind onto a CUDA
// module. Skips cleanly where there is no CUDA device.

#include "../support/fixtures.h"
#include "io/tensor_io.h"
#include "io/weight_binding.h"
#include "models/unet3d.h"
#include "runtime/cuda_graph.h"
#include "runtime/device.h"
#include "runtime/torch_shim.h"
#include "train/trainer.h"

#include <QtTest/QtTest>

#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/modules/linear.h>

#include <filesystem>

using namespace mp;

namespace {
double relErr(const at::Tensor& a, const at::Tensor& b) {
    return ((a.to(at::kCPU, at::kDouble) - b.to(at::kCPU, at::kDouble)).norm() /
            b.to(at::kCPU, at::kDouble).norm())
        .item<double>();
}
}  // namespace

class TstGpuRuntime : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() {
        if (!cudaAvailable())
            QSKIP("no CUDA device in this build or on this machine");
    }
    void roundTrip();
    void attention_data();
    void attention();
    void bindOntoCuda();
    void cudaGraphMatchesEager_data();
    void cudaGraphMatchesEager();
    void trainsWithBf16Autocast();
};

void TstGpuRuntime::roundTrip() {
    const auto c = resolveDevice("cuda", "auto");
    QCOMPARE(c.dtype, at::kBFloat16);
    const auto x = at::randn({64, 33});
    const auto back = x.to(c.device).to(at::kCPU);
    QVERIFY(at::equal(x, back));
    QVERIFY(x.to(c.device).is_cuda());
}

void TstGpuRuntime::attention_data() {
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("heads");
    QTest::addColumn<int>("tokens");
    QTest::addColumn<bool>("causal");
    // Spatial-like (many tokens) and temporal-like (many sequences of 16 frames) shapes.
    QTest::newRow("spatial 2x8x1024") << 2 << 8 << 1024 << false;
    QTest::newRow("temporal 4096x8x16") << 4096 << 8 << 16 << false;
    QTest::newRow("causal 2x4x256") << 2 << 4 << 256 << true;
}

void TstGpuRuntime::attention() {
    QFETCH(int, batch);
    QFETCH(int, heads);
    QFETCH(int, tokens);
    QFETCH(bool, causal);
    const auto dev = at::Device(at::kCUDA, 0);
    at::manual_seed(tokens);
    auto q = at::randn({batch, heads, tokens, 64}, at::device(dev));
    auto k = at::randn({batch, heads, tokens, 64}, at::device(dev));
    auto v = at::randn({batch, heads, tokens, 64}, at::device(dev));
    const auto ref = shim::attentionMath(q.to(at::kDouble), k.to(at::kDouble), v.to(at::kDouble),
                                         std::nullopt, causal);
    const auto fp32 = shim::sdpa(q, k, v, std::nullopt, causal);
    const auto bf16 = shim::sdpa(q.to(at::kBFloat16), k.to(at::kBFloat16), v.to(at::kBFloat16),
                                 std::nullopt, causal);
    // fp32 may use TF32 matmuls; bf16 operands land between 1e-3 and 1e-2.
    QVERIFY2(relErr(fp32, ref) < 1e-3, qPrintable(QString::number(relErr(fp32, ref))));
    QVERIFY2(relErr(bf16, ref) < 2e-2, qPrintable(QString::number(relErr(bf16, ref))));
    QVERIFY(!bf16.isnan().any().item<bool>());
    qInfo("native SDPA: %s; rel err fp32 %.2e, bf16 %.2e", shim::kHasNativeSdpa ? "yes" : "no",
          relErr(fp32, ref), relErr(bf16, ref));
}

void TstGpuRuntime::bindOntoCuda() {
    test::TempDir dir;
    test::writeTensors(dir / "w.safetensors",
                       {{"weight", DType::BF16, {4, 3}}, {"bias", DType::BF16, {4}}});
    torch::nn::Linear linear(3, 4);
    linear->to(at::Device(at::kCUDA, 0), at::kBFloat16);
    bindWeights(*linear, WeightSet::openFile(dir / "w.safetensors"));
    QVERIFY(linear->weight.is_cuda());
    QVERIFY(at::equal(linear->weight.to(at::kCPU, at::kFloat),
                      at::arange(12, at::kFloat).reshape({4, 3})));
}

// The UNet replayed from a captured CUDA graph (what generate and bench run) gives what the eager
// forward gives: on the first capture, on a replay with new input values, and after a new shape
// makes it capture again.
void TstGpuRuntime::cudaGraphMatchesEager_data() {
    QTest::addColumn<QString>("dtype");
    QTest::addColumn<double>("tolerance");
    QTest::newRow("fp32") << QStringLiteral("fp32") << 1e-5;
    QTest::newRow("bf16") << QStringLiteral("bf16") << 1e-2;
}

void TstGpuRuntime::cudaGraphMatchesEager() {
    QFETCH(QString, dtype);
    QFETCH(double, tolerance);
    QVERIFY(GraphedFunction::supported());
    const auto device = resolveDevice("cuda", dtype.toStdString());
    auto unet = models::loadUNet3D(std::filesystem::path(MP_TEST_DATA_DIR) / "golden" /
                                   "modelscope" / "unet3d" / "two-level");
    unet->to(device.device, device.dtype);
    torch::NoGradGuard noGrad;
    auto graphed = models::graphedForward(unet, /*cudaGraphs=*/true);
    const auto& c = unet->config();
    const auto opts = at::TensorOptions().device(device.device).dtype(device.dtype);
    // Runs both forwards on fresh inputs; returns the replayed output and its error.
    const auto run = [&](std::int64_t batch, std::int64_t frames, int seed) {
        at::manual_seed(seed);
        const auto sample = at::randn({batch, c.inChannels, frames, 8, 8}, opts);
        const auto t = at::full({batch}, 500 + seed, opts.dtype(at::kLong));
        const auto context = at::randn({batch, 7, c.crossAttentionDim}, opts);
        const auto replayed = graphed({sample, t, context});
        const auto eager = unet->forward(sample, t, context);
        return std::make_pair(replayed, relErr(replayed, eager));
    };
    const auto first = run(2, 4, 1);
    QVERIFY2(first.second <= tolerance, qPrintable(QString::number(first.second)));  // captured
    const auto second = run(2, 4, 2);
    QVERIFY2(second.second <= tolerance, qPrintable(QString::number(second.second)));  // replayed
    // The replay read the new inputs, not stale ones.
    QVERIFY(relErr(first.first, second.first) > 1e-2);
    const auto reshaped = run(1, 3, 3);  // a new shape: captured again
    QVERIFY2(reshaped.second <= tolerance, qPrintable(QString::number(reshaped.second)));
    const auto back = run(2, 4, 4);  // back to the first shape
    QVERIFY2(back.second <= tolerance, qPrintable(QString::number(back.second)));
    qInfo("graph vs eager, rel L2: %.2e %.2e %.2e %.2e", first.second, second.second,
          reshaped.second, back.second);
}

// The trainer on CUDA with bf16 autocast: the loss runs its matrix products in bf16 (the shim
// switches autocast on for this LibTorch version) and the weights, fp32, learn the problem.
void TstGpuRuntime::trainsWithBf16Autocast() {
    const auto dev = at::Device(at::kCUDA, 0);
    at::manual_seed(0);
    torch::nn::Linear model(16, 8);
    model->to(dev);
    std::vector<std::pair<std::string, at::Tensor>> params;
    for (const auto& p : model->named_parameters())
        params.emplace_back(p.key(), p.value());
    train::TrainConfig c;
    c.adamw.lr = 5e-2;
    c.totalSteps = 400;
    c.warmupSteps = 10;
    c.bf16Autocast = true;
    const auto target = at::randn({16, 8}, at::device(dev));
    bool bf16 = true;
    train::Trainer trainer(params, c);
    const auto r = trainer.run([&](int, at::Generator& g) {
        const auto x = at::randn({64, 16}, g).to(dev);
        const auto y = model->forward(x);
        bf16 = bf16 && y.scalar_type() == at::kBFloat16;
        return (y.to(at::kFloat) - x.matmul(target)).pow(2).mean();
    });
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    QVERIFY(bf16);
    QCOMPARE(model->weight.scalar_type(), at::kFloat);
    const auto& losses = r.value().losses;
    qInfo("bf16 autocast training: loss %.4f -> %.4f", losses.front(), losses.back());
    QVERIFY(losses.back() < 0.1 * losses.front());
}

QTEST_APPLESS_MAIN(TstGpuRuntime)
#include "tst_gpu_runtime.moc"
