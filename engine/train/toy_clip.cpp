#include "train/toy_clip.h"

#include "image/clip_preprocess.h"
#include "io/file_util.h"
#include "io/json_util.h"
#include "io/tensor_io.h"
#include "metrics/clip_scorer.h"
#include "toy/vocabulary.h"
#include "toy/world.h"
#include "train/toy_data.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <nlohmann/json.hpp>

#include <cmath>

namespace mp::train {

namespace fs = std::filesystem;

namespace {

constexpr int kImage = 64;

image::ClipPreprocessConfig preprocessConfig() {
    image::ClipPreprocessConfig p;
    p.shortestEdge = p.cropHeight = p.cropWidth = kImage;
    return p;
}

nlohmann::ordered_json towerJson(const models::ClipTowerShape& t) {
    return {{"hidden_size", t.hiddenSize},
            {"intermediate_size", t.intermediateSize},
            {"num_hidden_layers", t.numHiddenLayers},
            {"num_attention_heads", t.numAttentionHeads},
            {"hidden_act", t.hiddenActName},
            {"layer_norm_eps", t.layerNormEps}};
}

void writeFolder(models::ClipModel& model, const ToyClipOptions& o, const fs::path& out) {
    const auto& c = model->config();
    fs::create_directories(out);
    auto text = towerJson(c.text);
    text["vocab_size"] = c.text.vocabSize;
    text["max_position_embeddings"] = c.text.maxPositionEmbeddings;
    text["projection_dim"] = c.projectionDim;
    text["bos_token_id"] = c.text.eosTokenId - 1;
    text["eos_token_id"] = c.text.eosTokenId;
    text["pad_token_id"] = c.text.eosTokenId;
    auto vision = towerJson(c.vision);
    vision["image_size"] = c.vision.imageSize;
    vision["patch_size"] = c.vision.patchSize;
    vision["num_channels"] = c.vision.numChannels;
    vision["projection_dim"] = c.projectionDim;
    const nlohmann::ordered_json config = {{"architectures", {"CLIPModel"}},
                                           {"model_type", "clip"},
                                           {"projection_dim", c.projectionDim},
                                           {"logit_scale_init_value", 2.6592},
                                           {"torch_dtype", "float16"},
                                           {"text_config", text},
                                           {"vision_config", vision}};
    writeJsonAtomically(out / "config.json", config);
    saveTensorFile(out / "model.safetensors", fp16Weights(*model),
                   {{"format", "pt"},
                    {"trained_by", "MotionProbe toy CLIP recipe (train/toy_clip)"},
                    {"steps", std::to_string(o.train.totalSteps)},
                    {"batch", std::to_string(o.batch)},
                    {"lr", std::to_string(o.train.adamw.lr)},
                    {"seed", std::to_string(o.train.seed)}});
    const auto p = preprocessConfig();
    const nlohmann::ordered_json pre = {
        {"crop_size", {{"height", p.cropHeight}, {"width", p.cropWidth}}},
        {"do_center_crop", true},
        {"do_normalize", true},
        {"do_rescale", true},
        {"do_resize", true},
        {"image_mean", p.mean},
        {"image_processor_type", "CLIPImageProcessor"},
        {"image_std", p.std},
        {"resample", 3},
        {"rescale_factor", p.rescaleFactor},
        {"size", {{"shortest_edge", p.shortestEdge}}}};
    writeJsonAtomically(out / "preprocessor_config.json", pre);
    toy::copyTokenizer(o.tokenizerDir, out);
}

}  // namespace

models::ClipModelConfig toyClipConfig(const ToyClipOptions& o,
                                      const text::ClipTokenizer& tokenizer) {
    models::ClipModelConfig c;
    for (models::ClipTowerShape* t : {static_cast<models::ClipTowerShape*>(&c.text),
                                      static_cast<models::ClipTowerShape*>(&c.vision)}) {
        t->hiddenSize = o.width;
        t->intermediateSize = 4 * o.width;
        t->numHiddenLayers = o.layers;
        t->numAttentionHeads = o.heads;
        t->hiddenAct = nn::Activation::QuickGelu;
        t->hiddenActName = "quick_gelu";
    }
    c.text.vocabSize = static_cast<std::int64_t>(tokenizer.vocabSize());
    c.text.eosTokenId = tokenizer.eosId();
    c.text.maxPositionEmbeddings = 77;
    c.text.projectionDim = o.projection;
    c.vision.imageSize = kImage;
    c.vision.patchSize = o.patch;
    c.projectionDim = o.projection;
    return c;
}

Result<ToyClipReport> trainToyClip(const ToyClipOptions& o,
                                   const DeviceChoice& device,
                                   const fs::path& out,
                                   const JobContext& job) {
    return capture([&] {
        if (o.batch < 2)
            throw EngineError(ErrorCode::InvalidArgument,
                              "toy CLIP: a contrastive batch needs at least 2 pairs");
        const auto tokenizer = text::ClipTokenizer::fromFolder(o.tokenizerDir);
        at::manual_seed(static_cast<std::int64_t>(o.train.seed));  // the initial weights
        models::ClipModel model(toyClipConfig(o, tokenizer));
        {
            torch::NoGradGuard noGrad;
            model->logit_scale.fill_(std::log(1 / 0.07));  // CLIP's initial temperature
        }
        model->to(device.device);
        model->train();
        Trainer trainer(namedParameters(*model), o.train);
        const auto pre = preprocessConfig();
        toy::WorldOptions world;
        world.styles = true;
        world.twoSubjects = 0.2;
        // Each clip's caption plus three hard negatives that swap one attribute the frame shows
        // (colour, shape, background): in-batch negatives alone rarely differ in only one, and
        // retrieval among such swaps is what the scorer is used for.
        constexpr int kCaptions = 4;
        const auto loss = [&](int, at::Generator& g) {
            const auto draws = at::randint(kToyTrainingSeeds, {o.batch, 6}, g, at::kLong);
            const auto* d = draws.data_ptr<std::int64_t>();
            std::vector<toy::ClipSpec> specs;
            std::vector<int> frames;
            for (int b = 0; b < o.batch; ++b) {
                specs.push_back(toy::randomClip(static_cast<std::uint64_t>(d[6 * b]), world));
                frames.push_back(static_cast<int>(d[6 * b + 1] % specs.back().frames));
            }
            auto pixels = at::empty({o.batch, 3, kImage, kImage}, at::kFloat);
            auto ids = at::empty({kCaptions, o.batch, 77}, at::kLong);
            at::parallel_for(0, o.batch, 1, [&](std::int64_t begin, std::int64_t end) {
                for (auto b = begin; b < end; ++b) {
                    const auto& spec = specs[b];
                    const auto frame = toy::renderFrame(spec, frames[b]);
                    const auto planar = image::clipPreprocess(frame, spec.width, spec.height, pre);
                    std::copy(planar.begin(), planar.end(), pixels[b].data_ptr<float>());
                    const auto* r = d + 6 * b;
                    const int variant = static_cast<int>(r[2] % 30);
                    auto colour = spec, shape = spec, background = spec;
                    auto& s0 = spec.subjects[0];
                    colour.subjects[0].colour = static_cast<toy::Colour>(
                        (static_cast<int>(s0.colour) + 1 + r[3] % (toy::kColours - 1)) %
                        toy::kColours);
                    shape.subjects[0].shape = static_cast<toy::Shape>(
                        (static_cast<int>(s0.shape) + 1 + r[4] % (toy::kShapes - 1)) %
                        toy::kShapes);
                    background.background = static_cast<toy::Background>(
                        (static_cast<int>(spec.background) + 1 + r[5] % (toy::kBackgrounds - 1)) %
                        toy::kBackgrounds);
                    const toy::ClipSpec* captions[kCaptions] = {&spec, &colour, &shape,
                                                                &background};
                    for (int k = 0; k < kCaptions; ++k) {
                        const auto t = tokenizer.encode(toy::caption(*captions[k], variant), 77,
                                                        /*padToMax=*/true, /*truncate=*/true);
                        std::copy(t.ids.begin(), t.ids.end(), ids[k][b].data_ptr<std::int64_t>());
                    }
                }
            });
            auto image = model->imageEmbeds(pixels.to(device.device));
            auto text = model->textEmbeds(ids.view({kCaptions * o.batch, 77}).to(device.device));
            image = image / image.norm(2, -1, true);
            text = text / text.norm(2, -1, true);
            // (B, 4B): the first B columns are the clips' own captions.
            const auto logits = model->logit_scale.exp().clamp_max(100) *
                                at::matmul(image.to(at::kFloat), text.to(at::kFloat).t());
            const auto labels =
                at::arange(o.batch, at::TensorOptions(at::kLong).device(device.device));
            return (at::cross_entropy_loss(logits, labels) +
                    at::cross_entropy_loss(logits.narrow(1, 0, o.batch).t(), labels)) /
                   2;
        };
        ToyClipReport report;
        report.training = trainer.run(loss, job).value();
        trainer.useEmaWeights();
        model->eval();
        writeFolder(model, o, out);
        report.folder = out;
        return report;
    });
}

Result<ToyClipRetrieval> toyClipRetrieval(const fs::path& folder,
                                          int clips,
                                          std::uint64_t firstSeed,
                                          const DeviceChoice& device) {
    return capture([&] {
        metrics::ClipScorerOptions so;
        so.device = device;
        const auto scorer = metrics::ClipScorer::load(folder, so).value();
        ToyClipRetrieval r;
        for (int i = 0; i < clips; ++i) {
            const auto spec = toy::randomClip(firstSeed + static_cast<std::uint64_t>(i));
            const auto frame = toy::renderFrame(spec, spec.frames / 2);
            const auto image = scorer.embedImages({{frame, spec.width, spec.height}}).value()[0];
            const auto score = [&](const toy::ClipSpec& s) {
                const auto t = scorer.embedPrompt(toy::caption(s, 0));
                return (at::dot(image, t) / (image.norm() * t.norm())).item<double>();
            };
            const double own = score(spec);
            // Whether the own caption beats every swap of one attribute.
            const auto beats = [&](int values, auto set) {
                for (int k = 0; k < values; ++k) {
                    auto s = spec;
                    if (set(s, k) && score(s) >= own)
                        return false;
                }
                return true;
            };
            const bool colour = beats(toy::kColours, [&](toy::ClipSpec& s, int k) {
                s.subjects[0].colour = static_cast<toy::Colour>(k);
                return s.subjects[0].colour != spec.subjects[0].colour;
            });
            const bool shape = beats(toy::kShapes, [&](toy::ClipSpec& s, int k) {
                s.subjects[0].shape = static_cast<toy::Shape>(k);
                return s.subjects[0].shape != spec.subjects[0].shape;
            });
            const bool background = beats(toy::kBackgrounds, [&](toy::ClipSpec& s, int k) {
                s.background = static_cast<toy::Background>(k);
                return s.background != spec.background;
            });
            r.colour += colour;
            r.shape += shape;
            r.background += background;
            r.top1 += colour && shape && background;
        }
        if (clips > 0)
            for (double* v : {&r.top1, &r.colour, &r.shape, &r.background})
                *v /= clips;
        r.clips = clips;
        return r;
    });
}

}  // namespace mp::train
