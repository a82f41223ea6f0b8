#include "train/toy_cogvideox.h"

#include "io/json_util.h"
#include "io/snapshot.h"
#include "io/tensor_io.h"
#include "io/weight_binding.h"
#include "models/t5/t5_encoder.h"
#include "pipelines/cogvideox.h"
#include "sampling/ddim.h"
#include "text/t5_tokenizer.h"
#include "toy/world.h"
#include "train/toy_data.h"
#include "train/toy_t5.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <nlohmann/json.hpp>

namespace mp::train {

namespace fs = std::filesystem;

namespace {

void writeVaeFolder(const models::AutoencoderKLCogVideoX& vae,
                    const ToyCogVideoXVaeOptions& o,
                    double scalingFactor,
                    const fs::path& out) {
    const auto& c = vae->config();
    const auto levels = c.blockOutChannels.size();
    writeFolderJson(out / "config.json",
                    {{"_class_name", "AutoencoderKLCogVideoX"},
                     {"_diffusers_version", "0.31.0"},
                     {"act_fn", c.actFn},
                     {"block_out_channels", c.blockOutChannels},
                     {"down_block_types", std::vector<std::string>(levels, "CogVideoXDownBlock3D")},
                     {"force_upcast", false},
                     {"in_channels", c.inChannels},
                     {"invert_scale_latents", false},
                     {"latent_channels", c.latentChannels},
                     {"latents_mean", nullptr},
                     {"latents_std", nullptr},
                     {"layers_per_block", c.layersPerBlock},
                     {"norm_eps", c.normEps},
                     {"norm_num_groups", c.normNumGroups},
                     {"out_channels", c.outChannels},
                     {"sample_height", c.sampleHeight},
                     {"sample_width", c.sampleWidth},
                     {"scaling_factor", scalingFactor},
                     {"shift_factor", nullptr},
                     {"temporal_compression_ratio", c.temporalCompressionRatio},
                     {"up_block_types", std::vector<std::string>(levels, "CogVideoXUpBlock3D")},
                     {"use_post_quant_conv", false},
                     {"use_quant_conv", false}});
    saveTensorFile(out / "diffusion_pytorch_model.safetensors", fp16Weights(*vae),
                   {{"format", "pt"},
                    {"trained_by", "MotionProbe toy CogVideoX VAE recipe (train/toy_cogvideox)"},
                    {"steps", std::to_string(o.train.totalSteps)},
                    {"batch", std::to_string(o.batch)},
                    {"frames", std::to_string(o.frames)},
                    {"lr", std::to_string(o.train.adamw.lr)},
                    {"kl_weight", std::to_string(o.klWeight)},
                    {"seed", std::to_string(o.train.seed)}});
}

// CogVideoX-2b's CogVideoXDDIMScheduler config, as the conversion script writes it.
nlohmann::ordered_json schedulerJson() {
    return {{"_class_name", "CogVideoXDDIMScheduler"},
            {"_diffusers_version", "0.31.0"},
            {"beta_end", 0.012},
            {"beta_schedule", "scaled_linear"},
            {"beta_start", 0.00085},
            {"clip_sample", false},
            {"clip_sample_range", 1.0},
            {"num_train_timesteps", 1000},
            {"prediction_type", "v_prediction"},
            {"rescale_betas_zero_snr", true},
            {"sample_max_value", 1.0},
            {"set_alpha_to_one", true},
            {"snr_shift_scale", 3.0},
            {"steps_offset", 0},
            {"timestep_spacing", "trailing"},
            {"trained_betas", nullptr}};
}

void writeTransformer(const models::CogVideoXTransformer3DModel& model,
                      const ToyCogVideoXOptions& o,
                      const fs::path& dir) {
    const auto& c = model->config();
    writeFolderJson(dir / "config.json",
                    {{"_class_name", "CogVideoXTransformer3DModel"},
                     {"_diffusers_version", "0.31.0"},
                     {"activation_fn", c.activationFn},
                     {"attention_bias", c.attentionBias},
                     {"attention_head_dim", c.attentionHeadDim},
                     {"dropout", 0.0},
                     {"flip_sin_to_cos", c.flipSinToCos},
                     {"freq_shift", c.freqShift},
                     {"in_channels", c.inChannels},
                     {"max_text_seq_length", c.maxTextSeqLength},
                     {"norm_elementwise_affine", c.normElementwiseAffine},
                     {"norm_eps", c.normEps},
                     {"num_attention_heads", c.numAttentionHeads},
                     {"num_layers", c.numLayers},
                     {"ofs_embed_dim", nullptr},
                     {"out_channels", c.outChannels},
                     {"patch_bias", c.patchBias},
                     {"patch_size", c.patchSize},
                     {"patch_size_t", nullptr},
                     {"sample_frames", c.sampleFrames},
                     {"sample_height", c.sampleHeight},
                     {"sample_width", c.sampleWidth},
                     {"spatial_interpolation_scale", c.spatialInterpolationScale},
                     {"temporal_compression_ratio", c.temporalCompressionRatio},
                     {"temporal_interpolation_scale", c.temporalInterpolationScale},
                     {"text_embed_dim", c.textEmbedDim},
                     {"time_embed_dim", c.timeEmbedDim},
                     {"timestep_activation_fn", c.timestepActivationFn},
                     {"use_learned_positional_embeddings", false},
                     {"use_rotary_positional_embeddings", c.useRotaryPositionalEmbeddings}});
    saveTensorFile(
        dir / "diffusion_pytorch_model.safetensors", fp16Weights(*model),
        transformerRecipeMetadata(o, "MotionProbe toy CogVideoX recipe (train/toy_cogvideox)"));
}

}  // namespace

models::CogVideoXVaeConfig toyCogVideoXVaeConfig(const ToyCogVideoXVaeOptions& o) {
    if (o.channels.size() != 3)
        throw EngineError(ErrorCode::InvalidArgument,
                          "toy CogVideoX VAE: 3 levels of channels (4× in space and time) "
                          "expected");
    for (auto ch : o.channels)
        if (o.groups < 1 || ch % o.groups != 0)
            throw EngineError(ErrorCode::InvalidArgument,
                              "toy CogVideoX VAE: " + std::to_string(ch) +
                                  " channels do not split into " + std::to_string(o.groups) +
                                  " groups");
    models::CogVideoXVaeConfig c;
    c.downBlockTypes.assign(3, "CogVideoXDownBlock3D");
    c.upBlockTypes.assign(3, "CogVideoXUpBlock3D");
    c.blockOutChannels = o.channels;
    c.latentChannels = o.latentChannels;
    c.layersPerBlock = o.layersPerBlock;
    c.normNumGroups = o.groups;
    c.temporalCompressionRatio = 4;
    c.sampleHeight = c.sampleWidth = 64;
    c.forceUpcast = false;
    return c;
}

Result<ToyCogVideoXVaeReport> trainToyCogVideoXVae(const ToyCogVideoXVaeOptions& o,
                                                   const DeviceChoice& device,
                                                   const fs::path& out,
                                                   const JobContext& job) {
    return capture([&] {
        const auto config = toyCogVideoXVaeConfig(o);
        requireWholeCogVideoXClips(config, o.frames, "toy CogVideoX VAE");
        if (o.batch < 1)
            throw EngineError(ErrorCode::InvalidArgument,
                              "toy CogVideoX VAE: the batch must be at least 1");
        at::manual_seed(static_cast<std::int64_t>(o.train.seed));
        models::AutoencoderKLCogVideoX vae(config);
        vae->to(device.device);
        vae->train();
        Trainer trainer(namedParameters(*vae), o.train);
        const auto world = toyVaeWorld(o.frames);
        const auto loss = [&](int, at::Generator& g) {
            const auto seeds = at::randint(kToyTrainingSeeds, {o.batch}, g, at::kLong);
            const auto x =
                toSignedUnit(renderToyClips(clipsFromSeeds(seeds, world)), device.device);
            const auto [mean, logvar] = vae->encode(x);
            const auto eps = at::randn(mean.sizes(), g).to(device.device);
            const auto y = vae->decode(mean + at::exp(0.5 * logvar) * eps).to(at::kFloat);
            const auto diff = y - x;
            const auto kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).to(at::kFloat).mean();
            return diff.pow(2).mean() + 0.5 * diff.abs().mean() + o.klWeight * kl;
        };
        ToyCogVideoXVaeReport report;
        report.training = trainer.run(loss, job).value();
        trainer.useEmaWeights();
        torch::NoGradGuard noGrad;
        vae->eval();
        // SD's rule, as the toy VAE: the latents scaled to unit variance on training clips.
        const auto seeds = at::arange(32, at::kLong) * 7919;
        const auto means =
            vae->encode(toSignedUnit(renderToyClips(clipsFromSeeds(seeds, world)), device.device))
                .first;
        report.scalingFactor = 1.0 / means.to(at::kFloat).std().item<double>();
        writeVaeFolder(vae, o, report.scalingFactor, out);
        return report;
    });
}

models::CogVideoXConfig toyCogVideoXConfig(const ToyCogVideoXOptions& o,
                                           std::int64_t textEmbedDim,
                                           const models::CogVideoXVaeConfig& vae) {
    models::CogVideoXConfig c;
    c.numAttentionHeads = o.heads;
    c.attentionHeadDim = o.headDim;
    c.inChannels = c.outChannels = vae.latentChannels;
    c.timeEmbedDim = o.timeEmbedDim;
    c.textEmbedDim = textEmbedDim;
    c.numLayers = o.layers;
    c.sampleHeight = vae.sampleHeight / vae.spatialFactor();
    c.sampleWidth = vae.sampleWidth / vae.spatialFactor();
    c.sampleFrames = o.frames;
    c.temporalCompressionRatio = vae.temporalFactor();
    c.maxTextSeqLength = pipelines::CogVideoXPipeline::kMaxCaptionTokens;
    return c;
}

Result<ToyCogVideoXReport> trainToyCogVideoX(const ToyCogVideoXOptions& o,
                                             const DeviceChoice& device,
                                             const fs::path& out,
                                             const JobContext& job) {
    return capture([&] {
        if (o.subjectWeight < 0)
            throw EngineError(ErrorCode::InvalidArgument,
                              "toy CogVideoX: the subject weight must not be negative");
        const DeviceChoice fp32{device.device, at::kFloat};
        const auto tokenizer = text::T5Tokenizer::fromFolder(o.t5Folder);
        auto vae = models::loadCogVideoXVae(o.vaeFolder, {}, fp32);
        requireWholeCogVideoXClips(vae->config(), o.frames, "toy CogVideoX");
        vae->eval();
        for (auto& p : vae->parameters())
            p.set_requires_grad(false);
        const sampling::DdimScheduler scheduler(
            sampling::SchedulerConfig::parse(schedulerJson().dump(), "toy CogVideoX scheduler"));

        at::manual_seed(static_cast<std::int64_t>(o.train.seed));
        std::vector<std::pair<std::string, at::Tensor>> textParameters;
        auto t5 = toyT5ForTraining(o.t5Folder, o.initFrom, o.trainTextEncoder, device.device,
                                   textParameters);
        models::CogVideoXTransformer3DModel transformer(
            toyCogVideoXConfig(o, t5->config().dModel, vae->config()));
        Trainer trainer(prepareToyDenoiser(*transformer, o.initFrom, "transformer", device.device,
                                           textParameters),
                        o.train);
        const auto world = toyVideoWorld(o.frames);
        const bool weighted = o.subjectWeight > 0;
        ToyLatentSource source(ToyLatentSource::clipEncoder(vae), device.device, world, o.batch,
                               o.reuse, o.poolBatches, weighted);
        constexpr auto kTokens = pipelines::CogVideoXPipeline::kMaxCaptionTokens;

        const auto loss = [&](int, at::Generator& g) {
            // No reversed pairs: the causal VAE encodes frame 0 alone, so flipped latents are
            // not the latents of the clip played backwards.
            auto batch = source.drawBatch(g, false, o.dropCaption);
            // CogVideoX's (B, F, C, H, W).
            const auto latents = batch.latents.permute({0, 2, 1, 3, 4}).contiguous();
            auto ids = at::empty({o.batch, kTokens}, at::kLong);
            for (int b = 0; b < o.batch; ++b) {
                // As CogVideoXPipeline encodes a prompt: padded to 226, no attention mask.
                const auto t = tokenizer.encode(
                    batch.dropCaption[b] ? std::string()
                                         : toy::caption(batch.specs[b], batch.variant[b]),
                    kTokens, true, true);
                std::copy(t.ids.begin(), t.ids.end(), ids[b].data_ptr<std::int64_t>());
            }
            at::Tensor states;
            {
                const at::AutoGradMode textGrad(o.trainTextEncoder);
                states = t5->forward(ids.to(device.device));
            }
            const auto t = at::randint(scheduler.numTrainTimesteps(), {o.batch}, g, at::kLong);
            const auto noise = at::randn(latents.sizes(), g).to(device.device);
            const std::vector<std::int64_t> steps(t.data_ptr<std::int64_t>(),
                                                  t.data_ptr<std::int64_t>() + t.numel());
            const auto noisy = scheduler.addNoise(latents, noise, steps);
            const auto prediction =
                transformer->forward(noisy, t.to(device.device), states).to(at::kFloat);
            auto error = (prediction - scheduler.trainingTarget(latents, noise, steps)).pow(2);
            if (weighted) {
                const auto w = 1 + o.subjectWeight * batch.mask.permute({0, 2, 1, 3, 4});
                error = error * (w / w.expand(error.sizes()).mean());
            }
            return error.mean();
        };
        ToyCogVideoXReport report;
        report.training = trainer.run(loss, job).value();
        trainer.useEmaWeights();
        torch::NoGradGuard noGrad;
        transformer->eval();
        t5->eval();
        writeTransformer(transformer, o, out / "transformer");
        writeToyT5Copy(t5, o.t5Folder, o.trainTextEncoder, out);
        writeToyPipelineParts(out, o.vaeFolder, schedulerJson(), "CogVideoXPipeline",
                              {{"scheduler", {"diffusers", "CogVideoXDDIMScheduler"}},
                               {"text_encoder", {"transformers", "T5EncoderModel"}},
                               {"tokenizer", {"transformers", "T5Tokenizer"}},
                               {"transformer", {"diffusers", "CogVideoXTransformer3DModel"}},
                               {"vae", {"diffusers", "AutoencoderKLCogVideoX"}}});
        return report;
    });
}

}  // namespace mp::train
