#include "train/toy_t5.h"

#include "io/file_util.h"
#include "io/json_util.h"
#include "io/tensor_io.h"
#include "io/weight_binding.h"
#include "models/clip/clip_text.h"
#include "text/clip_tokenizer.h"
#include "text/t5_tokenizer.h"
#include "toy/vocabulary.h"
#include "toy/world.h"
#include "train/toy_data.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/modules/linear.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <functional>

namespace mp::train {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::int64_t, kToyT5Attributes> kClasses = {
    toy::kColours, toy::kShapes, toy::kSizes, toy::kStyles, toy::kPaths, toy::kBackgrounds};

// What the caption names, by head; −100 (left out of the loss) where it names nothing.
std::array<std::int64_t, kToyT5Attributes> attributeLabels(const std::string& caption) {
    const auto a = toy::parseCaption(caption);
    const auto label = [](const auto& v) {
        return v ? static_cast<std::int64_t>(*v) : std::int64_t{-100};
    };
    return {label(a.colour), label(a.shape), label(a.size),
            label(a.style),  label(a.path),  label(a.background)};
}

// transformers' T5 initialisation (factor 1): embeddings N(0, 1), q N(0, (d·d_kv)^−½), k and v
// N(0, d^−½), o N(0, (heads·d_kv)^−½), the position bias N(0, d^−½), wi N(0, d^−½), wo
// N(0, d_ff^−½), norms 1. Without the 1/√d_kv of the attention scores, q's smaller spread keeps
// the first softmaxes soft.
void initialiseT5(models::T5EncoderModel& model) {
    const auto& c = model->config();
    const auto d = static_cast<double>(c.dModel);
    torch::NoGradGuard noGrad;
    for (auto& item : model->named_parameters()) {
        const auto& name = item.key();
        auto& p = item.value();
        const auto ends = [&](const std::string& tail) {
            return name.size() >= tail.size() &&
                   name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
        };
        if (ends("layer_norm.weight"))
            p.fill_(1);
        else if (ends("shared.weight"))
            p.normal_(0, 1);
        else if (ends(".q.weight"))
            p.normal_(0, 1 / std::sqrt(d * static_cast<double>(c.dKv)));
        else if (ends(".o.weight"))
            p.normal_(0, 1 / std::sqrt(static_cast<double>(c.innerDim())));
        else if (ends(".wo.weight"))
            p.normal_(0, 1 / std::sqrt(static_cast<double>(c.dFf)));
        else
            p.normal_(0, 1 / std::sqrt(d));  // k, v, wi, wi_0, wi_1, relative_attention_bias
    }
}

// transformers' config.json of a T5EncoderModel with config `c` (t5-v1_1's keys).
nlohmann::ordered_json t5ConfigJson(const models::T5Config& c) {
    return {{"architectures", {"T5EncoderModel"}},
            {"model_type", "t5"},
            {"d_model", c.dModel},
            {"d_kv", c.dKv},
            {"d_ff", c.dFf},
            {"num_layers", c.numLayers},
            {"num_heads", c.numHeads},
            {"relative_attention_num_buckets", c.relativeAttentionNumBuckets},
            {"relative_attention_max_distance", c.relativeAttentionMaxDistance},
            {"feed_forward_proj", c.feedForwardProj},
            {"dense_act_fn", "gelu_new"},
            {"is_gated_act", true},
            {"layer_norm_epsilon", c.layerNormEpsilon},
            {"dropout_rate", 0.0},
            {"initializer_factor", 1.0},
            {"vocab_size", c.vocabSize},
            {"pad_token_id", 0},
            {"eos_token_id", 1},
            {"is_encoder_decoder", false},
            {"use_cache", false},
            {"tie_word_embeddings", true},
            {"torch_dtype", "float16"}};
}

void writeFolder(const models::T5EncoderModel& model,
                 const ToyT5Options& o,
                 const toy::UnigramVocabulary& vocabulary,
                 const fs::path& out) {
    fs::create_directories(out);
    const auto config = t5ConfigJson(model->config());
    writeJsonAtomically(out / "config.json", config);
    saveTensorFile(out / "model.safetensors", fp16Weights(*model),
                   {{"format", "pt"},
                    {"trained_by", "MotionProbe toy T5 recipe (train/toy_t5)"},
                    {"steps", std::to_string(o.train.totalSteps)},
                    {"batch", std::to_string(o.batch)},
                    {"lr", std::to_string(o.train.adamw.lr)},
                    {"seed", std::to_string(o.train.seed)}});
    toy::writeT5Tokenizer(vocabulary, out);
}

// Mean of the states over each caption's tokens: (B, L, D), mask (B, L) → (B, D).
at::Tensor meanOverTokens(const at::Tensor& states, const at::Tensor& mask) {
    const auto m = mask.to(states.scalar_type()).unsqueeze(-1);
    return (states * m).sum(1) / m.sum(1).clamp_min(1);
}

// A batch of captions tokenized to at most `length` tokens, padded to the longest: ids and mask
// (B, L) int64. (Padding is masked out, or comes after a causal encoder's tokens, so its length
// does not change the captions' states.) T5's or CLIP's tokenizer.
template <class Tokenizer>
std::pair<at::Tensor, at::Tensor> tokenize(const Tokenizer& tokenizer,
                                           const std::vector<std::string>& captions,
                                           std::int64_t length = kToyT5Length) {
    const auto n = static_cast<std::int64_t>(captions.size());
    auto ids = at::empty({n, length}, at::kLong);
    auto mask = at::empty({n, length}, at::kLong);
    for (std::int64_t b = 0; b < n; ++b) {
        const auto t = tokenizer.encode(captions[b], length, true, true);
        std::copy(t.ids.begin(), t.ids.end(), ids[b].data_ptr<std::int64_t>());
        std::copy(t.attentionMask.begin(), t.attentionMask.end(), mask[b].data_ptr<std::int64_t>());
    }
    const auto longest = std::max<std::int64_t>(1, mask.sum(1).max().item<std::int64_t>());
    return {ids.narrow(1, 0, longest).contiguous(), mask.narrow(1, 0, longest).contiguous()};
}

// Captions of clips of the world (styles and second subjects drawn too), some of them edits, in
// any of the phrasings.
std::string drawnCaption(std::uint64_t seed, std::uint64_t variant, std::uint64_t kind) {
    auto spec = toy::randomClip(seed, toyVaeWorld());
    if (kind % 4 == 0)  // a quarter are edit captions, of the four kinds alike
        spec = toy::edit(spec, static_cast<toy::EditKind>(kind / 4 % 4), seed ^ variant);
    return toy::caption(spec, static_cast<int>(variant % 1000));
}

}  // namespace

models::T5Config toyT5Config(const ToyT5Options& o, std::int64_t vocabSize) {
    if (o.heads < 1 || o.width % o.heads != 0)
        throw EngineError(ErrorCode::InvalidArgument, "toy T5: the width (" +
                                                          std::to_string(o.width) +
                                                          ") must be a multiple of the heads (" +
                                                          std::to_string(o.heads) + ")");
    models::T5Config c;
    c.vocabSize = vocabSize;
    c.dModel = o.width;
    c.numHeads = o.heads;
    c.dKv = o.width / o.heads;
    c.dFf = o.ff;
    c.numLayers = o.layers;
    c.relativeAttentionNumBuckets = 32;
    c.relativeAttentionMaxDistance = 128;
    c.feedForwardProj = "gated-gelu";
    c.gatedAct = true;
    c.act = nn::Activation::GeluTanh;
    return c;
}

Result<ToyT5Report> trainToyT5(const ToyT5Options& o,
                               const DeviceChoice& device,
                               const fs::path& out,
                               const JobContext& job) {
    return capture([&] {
        if (o.batch < 1)
            throw EngineError(ErrorCode::InvalidArgument, "toy T5: the batch must be at least 1");
        const auto vocabulary = toy::learnUnigramVocabulary();
        const auto tokenizer =
            text::T5Tokenizer::fromModelBytes(toy::sentencePieceModel(vocabulary), "toy T5");
        at::manual_seed(static_cast<std::int64_t>(o.train.seed));  // the initial weights
        models::T5EncoderModel model(toyT5Config(o, tokenizer.vocabSize()));
        initialiseT5(model);
        model->to(device.device);
        model->train();
        auto parameters = namedParameters(*model);
        std::vector<torch::nn::Linear> heads;
        for (int h = 0; h < kToyT5Attributes; ++h) {
            heads.emplace_back(o.width, kClasses[h]);
            heads.back()->to(device.device);
            for (const auto& p : heads.back()->named_parameters())
                parameters.emplace_back("aux.head" + std::to_string(h) + "." + p.key(), p.value());
        }
        Trainer trainer(std::move(parameters), o.train);
        // Logits of every head and the labels, (B, classes) and (B,).
        const auto read = [&](const std::vector<std::string>& captions) {
            const auto [ids, mask] = tokenize(tokenizer, captions);
            const auto m = mask.to(device.device);
            const auto pooled =
                meanOverTokens(model->forward(ids.to(device.device), m), m).to(at::kFloat);
            std::vector<std::pair<at::Tensor, at::Tensor>> out;
            auto labels = at::empty({static_cast<std::int64_t>(captions.size()), kToyT5Attributes},
                                    at::kLong);
            for (std::size_t b = 0; b < captions.size(); ++b) {
                const auto l = attributeLabels(captions[b]);
                std::copy(l.begin(), l.end(),
                          labels[static_cast<std::int64_t>(b)].data_ptr<std::int64_t>());
            }
            labels = labels.to(device.device);
            for (int h = 0; h < kToyT5Attributes; ++h)
                out.emplace_back(heads[h]->forward(pooled), labels.select(1, h));
            return out;
        };
        const auto loss = [&](int, at::Generator& g) {
            const auto draws = at::randint(kToyTrainingSeeds, {o.batch, 3}, g, at::kLong);
            const auto* d = draws.data_ptr<std::int64_t>();
            std::vector<std::string> captions;
            for (int b = 0; b < o.batch; ++b)
                captions.push_back(drawnCaption(static_cast<std::uint64_t>(d[3 * b]),
                                                static_cast<std::uint64_t>(d[3 * b + 1]),
                                                static_cast<std::uint64_t>(d[3 * b + 2])));
            at::Tensor total;
            for (const auto& [logits, labels] : read(captions)) {
                if (!(labels >= 0).any().item<bool>())
                    continue;
                const auto ce =
                    at::cross_entropy_loss(logits, labels, {}, at::Reduction::Mean, -100);
                total = total.defined() ? total + ce : ce;
            }
            return total;
        };
        ToyT5Report report;
        report.training = trainer.run(loss, job).value();
        model->eval();
        {
            torch::NoGradGuard noGrad;
            constexpr int kHeldOut = 512;
            std::vector<std::string> captions;
            for (int i = 0; i < kHeldOut; ++i)
                captions.push_back(drawnCaption(kToyHeldOutSeed + static_cast<std::uint64_t>(i),
                                                static_cast<std::uint64_t>(i),
                                                static_cast<std::uint64_t>(i)));
            const auto heads = read(captions);
            auto allRight =
                at::ones({kHeldOut}, at::TensorOptions(at::kBool).device(device.device));
            for (int h = 0; h < kToyT5Attributes; ++h) {
                const auto& [logits, labels] = heads[h];
                const auto named = labels >= 0;
                const auto right = logits.argmax(1).eq(labels);
                allRight = allRight & (right | ~named);
                report.heldOut[h] = (right & named).sum().item<double>() /
                                    std::max<double>(1, named.sum().item<double>());
            }
            report.heldOutAll = allRight.to(at::kDouble).mean().item<double>();
            report.heldOutCaptions = kHeldOut;
        }
        writeFolder(model, o, vocabulary, out);
        return report;
    });
}

models::T5EncoderModel toyT5ForTraining(
    const fs::path& t5Folder,
    const fs::path& initFrom,
    bool train,
    const c10::Device& device,
    std::vector<std::pair<std::string, at::Tensor>>& parameters) {
    const bool fromInit = !initFrom.empty() && fs::is_directory(initFrom / "text_encoder");
    auto t5 = models::loadT5EncoderModel(fromInit ? initFrom / "text_encoder" : t5Folder, {},
                                         DeviceChoice{device, at::kFloat});
    for (auto& p : t5->parameters())
        p.set_requires_grad(train);
    if (train) {
        t5->train();
        for (const auto& p : t5->named_parameters())
            parameters.emplace_back("text_encoder." + p.key(), p.value());
    } else {
        t5->eval();
    }
    return t5;
}

void writeToyT5Copy(const models::T5EncoderModel& t5,
                    const fs::path& t5Folder,
                    bool trained,
                    const fs::path& pipeline) {
    const auto encoder = pipeline / "text_encoder";
    fs::create_directories(encoder);
    // The config of the encoder itself (a start's may differ from the toy T5 folder's).
    writeJsonAtomically(encoder / "config.json", t5ConfigJson(t5->config()));
    saveTensorFile(encoder / "model.safetensors", fp16Weights(*t5),
                   {{"format", "pt"},
                    {"source", trained ? "the toy T5, trained with the denoiser" : "the toy T5"}});
    toy::copyT5Tokenizer(t5Folder, pipeline / "tokenizer");
}

Result<double> toyDirectionSeparation(const fs::path& folder,
                                      int pairs,
                                      const DeviceChoice& device) {
    return capture([&] {
        std::vector<std::string> a, b;
        for (std::uint64_t seed = kToyHeldOutSeed; static_cast<int>(a.size()) < pairs; ++seed) {
            const auto spec = toy::randomClip(seed);
            const auto reversed = toy::reversedCaptionSpec(spec);
            if (!reversed || reversed->subjects.front().path == spec.subjects.front().path)
                continue;
            a.push_back(toy::caption(spec, static_cast<int>(seed % 7)));
            b.push_back(toy::caption(*reversed, static_cast<int>(seed % 7)));
        }
        torch::NoGradGuard noGrad;
        const DeviceChoice fp32{device.device, at::kFloat};
        std::function<at::Tensor(const std::vector<std::string>&)> state;
        const bool pipeline = fs::is_directory(folder / "text_encoder");
        const auto encoderDir = pipeline ? folder / "text_encoder" : folder;
        const auto tokenizerDir = pipeline ? folder / "tokenizer" : folder;
        if (fs::exists(tokenizerDir / "spiece.model")) {
            const auto tokenizer = text::T5Tokenizer::fromFolder(tokenizerDir);
            auto model = models::loadT5EncoderModel(encoderDir, {}, fp32);
            state = [=](const std::vector<std::string>& captions) mutable {
                const auto [ids, mask] = tokenize(tokenizer, captions);
                const auto m = mask.to(device.device);
                return meanOverTokens(model->forward(ids.to(device.device), m), m);
            };
        } else {
            // A CLIP text encoder (the toy UNet pipeline's): causal, so its states up to EOS.
            const auto tokenizer = text::ClipTokenizer::fromFolder(tokenizerDir);
            auto model = models::loadClipTextModel(encoderDir, {}, fp32);
            state = [=](const std::vector<std::string>& captions) mutable {
                const auto [ids, mask] = tokenize(tokenizer, captions, 77);
                const auto m = mask.to(device.device);
                return meanOverTokens(model->forward(ids.to(device.device)).lastHiddenState, m);
            };
        }
        const auto cosine =
            at::cosine_similarity(state(a).to(at::kFloat), state(b).to(at::kFloat), 1);
        return (1 - cosine).mean().item<double>();
    });
}

}  // namespace mp::train
