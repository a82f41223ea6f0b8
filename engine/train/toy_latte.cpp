#include "train/toy_latte.h"

#include "io/file_util.h"
#include "io/json_util.h"
#include "io/snapshot.h"
#include "io/tensor_io.h"
#include "io/weight_binding.h"
#include "models/t5/t5_encoder.h"
#include "models/vae.h"
#include "pipelines/latte.h"
#include "sampling/ddim.h"
#include "text/t5_tokenizer.h"
#include "toy/vocabulary.h"
#include "toy/world.h"
#include "train/toy_data.h"
#include "train/toy_t5.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <nlohmann/json.hpp>

namespace mp::train {

namespace fs = std::filesystem;

namespace {

// Latte-1's DDIM settings (linear 1e-4 → 0.02, ε, leading spacing, no offset, ᾱ_prev = 1 at the
// end), as diffusers writes them; at zero terminal SNR with the three keys that change.
nlohmann::ordered_json schedulerJson(bool zeroTerminalSnr) {
    nlohmann::ordered_json j{{"_class_name", "DDIMScheduler"},
                             {"_diffusers_version", "0.31.0"},
                             {"beta_end", 0.02},
                             {"beta_schedule", "linear"},
                             {"beta_start", 0.0001},
                             {"clip_sample", false},
                             {"num_train_timesteps", 1000},
                             {"prediction_type", "epsilon"},
                             {"set_alpha_to_one", true},
                             {"steps_offset", 0},
                             {"timestep_spacing", "leading"},
                             {"trained_betas", nullptr}};
    if (zeroTerminalSnr)
        useZeroTerminalSnr(j);
    return j;
}

void writeTransformer(const models::LatteTransformer3DModel& model,
                      const ToyLatteOptions& o,
                      const fs::path& dir) {
    const auto& c = model->config();
    writeFolderJson(dir / "config.json", {{"_class_name", "LatteTransformer3DModel"},
                                          {"_diffusers_version", "0.31.0"},
                                          {"activation_fn", c.activationFn},
                                          {"attention_bias", c.attentionBias},
                                          {"attention_head_dim", c.attentionHeadDim},
                                          {"caption_channels", c.captionChannels},
                                          {"cross_attention_dim", c.crossAttentionDim},
                                          {"dropout", 0.0},
                                          {"in_channels", c.inChannels},
                                          {"norm_elementwise_affine", c.normElementwiseAffine},
                                          {"norm_eps", c.normEps},
                                          {"norm_type", c.normType},
                                          {"num_attention_heads", c.numAttentionHeads},
                                          {"num_embeds_ada_norm", 1000},
                                          {"num_layers", c.numLayers},
                                          {"out_channels", c.outChannels},
                                          {"patch_size", c.patchSize},
                                          {"sample_size", c.sampleSize},
                                          {"video_length", c.videoLength}});
    auto metadata = transformerRecipeMetadata(o, "MotionProbe toy Latte recipe (train/toy_latte)");
    metadata["reversed_pairs"] = o.reversedPairs ? "true" : "false";
    metadata["zero_terminal_snr"] = o.zeroTerminalSnr ? "true" : "false";
    saveTensorFile(dir / "diffusion_pytorch_model.safetensors", fp16Weights(*model), metadata);
}

void writePipeline(const models::LatteTransformer3DModel& transformer,
                   const models::T5EncoderModel& t5,
                   const ToyLatteOptions& o,
                   const fs::path& out) {
    writeTransformer(transformer, o, out / "transformer");
    writeToyT5Copy(t5, o.t5Folder, o.trainTextEncoder, out);
    writeToyPipelineParts(out, o.vaeFolder, schedulerJson(o.zeroTerminalSnr), "LattePipeline",
                          {{"scheduler", {"diffusers", "DDIMScheduler"}},
                           {"text_encoder", {"transformers", "T5EncoderModel"}},
                           {"tokenizer", {"transformers", "T5Tokenizer"}},
                           {"transformer", {"diffusers", "LatteTransformer3DModel"}},
                           {"vae", {"diffusers", "AutoencoderKL"}}});
}

}  // namespace

models::LatteConfig toyLatteConfig(const ToyLatteOptions& o, std::int64_t captionChannels) {
    models::LatteConfig c;
    c.numAttentionHeads = o.heads;
    c.attentionHeadDim = o.headDim;
    c.inChannels = 4;
    c.outChannels = 8;
    c.numLayers = o.layers;
    c.crossAttentionDim = c.innerDim();
    c.sampleSize = 16;  // 64-pixel frames through the toy VAE's 4× reduction
    c.patchSize = o.patch;
    c.captionChannels = captionChannels;
    c.videoLength = 16;
    return c;
}

Result<ToyLatteReport> trainToyLatte(const ToyLatteOptions& o,
                                     const DeviceChoice& device,
                                     const fs::path& out,
                                     const JobContext& job) {
    return capture([&] {
        if (o.subjectWeight < 0)
            throw EngineError(ErrorCode::InvalidArgument,
                              "toy Latte: the subject weight must not be negative");
        const auto tokenizer = text::T5Tokenizer::fromFolder(o.t5Folder);
        auto vae = models::loadAutoencoderKL(o.vaeFolder);
        vae->to(device.device, at::kFloat);
        vae->eval();
        for (auto& p : vae->parameters())
            p.set_requires_grad(false);
        const sampling::DdimScheduler scheduler(sampling::SchedulerConfig::parse(
            schedulerJson(o.zeroTerminalSnr).dump(), "toy Latte scheduler"));

        at::manual_seed(static_cast<std::int64_t>(o.train.seed));
        std::vector<std::pair<std::string, at::Tensor>> textParameters;
        auto t5 = toyT5ForTraining(o.t5Folder, o.initFrom, o.trainTextEncoder, device.device,
                                   textParameters);
        auto config = toyLatteConfig(o, t5->config().dModel);
        config.sampleSize = 64 / vae->config().spatialFactor();
        models::LatteTransformer3DModel transformer(config);
        {
            // DiT's zero-initialised output layer: the model starts by predicting no noise, and
            // the variance half, which no loss reaches, stays at zero.
            torch::NoGradGuard noGrad;
            transformer->proj_out->weight.zero_();
            if (transformer->proj_out->bias.defined())
                transformer->proj_out->bias.zero_();
        }
        Trainer trainer(prepareToyDenoiser(*transformer, o.initFrom, "transformer", device.device,
                                           textParameters),
                        o.train);
        const auto world = toyVideoWorld();
        const bool weighted = o.subjectWeight > 0;
        ToyLatentSource source(ToyLatentSource::frameEncoder(vae), device.device, world, o.batch,
                               o.reuse, o.poolBatches, weighted);

        const auto loss = [&](int, at::Generator& g) {
            // A pair's second item takes its first's phrasing, caption drop and timestep.
            auto batch = source.drawBatch(g, o.reversedPairs, o.dropCaption);
            const auto& specs = batch.specs;
            const auto& partner = batch.partner;
            const auto& latents = batch.latents;
            const auto& mask = batch.mask;
            auto ids = at::empty({o.batch, kToyT5Length}, at::kLong);
            auto textMask = at::empty({o.batch, kToyT5Length}, at::kLong);
            auto seen = at::zeros({o.batch, kToyT5Length}, at::kBool);  // cross-attention
            for (int b = 0; b < o.batch; ++b) {
                const bool drop = batch.dropCaption[b];
                const auto text = pipelines::latteCaption(toy::caption(specs[b], batch.variant[b]));
                auto t = tokenizer.encode(text, kToyT5Length, true, true);
                const auto tokens = std::count(t.attentionMask.begin(), t.attentionMask.end(), 1);
                if (drop)
                    t = tokenizer.encode("", kToyT5Length, true, true);
                std::copy(t.ids.begin(), t.ids.end(), ids[b].data_ptr<std::int64_t>());
                std::copy(t.attentionMask.begin(), t.attentionMask.end(),
                          textMask[b].data_ptr<std::int64_t>());
                seen[b].narrow(0, 0, tokens).fill_(true);
            }
            // Up to the longest caption: the padding beyond is masked out everywhere.
            const auto longest = seen.sum(1).max().item<std::int64_t>();
            ids = ids.narrow(1, 0, longest).contiguous();
            textMask = textMask.narrow(1, 0, longest).contiguous();
            seen = seen.narrow(1, 0, longest).contiguous();
            at::Tensor states;
            {
                const at::AutoGradMode textGrad(o.trainTextEncoder);
                states = t5->forward(ids.to(device.device), textMask.to(device.device));
            }
            auto t = at::randint(scheduler.numTrainTimesteps(), {o.batch}, g, at::kLong);
            auto noise = at::randn(latents.sizes(), g);
            for (int b = 0; b < o.batch; ++b)
                if (partner[b] >= 0)
                    t[b] = t[partner[b]];
            noise = noise.to(device.device);
            const std::vector<std::int64_t> steps(t.data_ptr<std::int64_t>(),
                                                  t.data_ptr<std::int64_t>() + t.numel());
            const auto noisy = scheduler.addNoise(latents, noise, steps);
            const auto prediction =
                transformer
                    ->forward(noisy, t.to(device.device), states, true, seen.to(device.device))
                    .narrow(1, 0, latents.size(1))
                    .to(at::kFloat);
            auto error = (prediction - scheduler.trainingTarget(latents, noise, steps)).pow(2);
            if (weighted) {
                const auto w = 1 + o.subjectWeight * mask;
                error = error * (w / w.expand(error.sizes()).mean());
            }
            return error.mean();
        };
        ToyLatteReport report;
        report.training = trainer.run(loss, job).value();
        trainer.useEmaWeights();
        torch::NoGradGuard noGrad;
        transformer->eval();
        t5->eval();
        writePipeline(transformer, t5, o, out);
        return report;
    });
}

}  // namespace mp::train
