#include "train/toy_t2v.h"

#include "io/file_util.h"
#include "io/json_util.h"
#include "io/snapshot.h"
#include "io/tensor_io.h"
#include "io/weight_binding.h"
#include "models/clip/clip_model.h"
#include "models/vae.h"
#include "pipelines/modelscope.h"
#include "sampling/ddim.h"
#include "text/clip_tokenizer.h"
#include "toy/oracle.h"
#include "toy/vocabulary.h"
#include "toy/world.h"
#include "train/toy_data.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/modules/linear.h>

#include <nlohmann/json.hpp>

#include <fstream>

namespace mp::train {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kTextLength = 77;

// ModelScope's scheduler_config.json with the keys diffusers writes; at zero terminal SNR with
// the three keys that change (DDIMScheduler reads them all).
nlohmann::ordered_json schedulerJson(bool zeroTerminalSnr) {
    nlohmann::ordered_json j{{"_class_name", "DDIMScheduler"},
                             {"_diffusers_version", "0.31.0"},
                             {"beta_end", 0.012},
                             {"beta_schedule", "scaled_linear"},
                             {"beta_start", 0.00085},
                             {"clip_sample", false},
                             {"num_train_timesteps", 1000},
                             {"prediction_type", "epsilon"},
                             {"set_alpha_to_one", false},
                             {"steps_offset", 1},
                             {"trained_betas", nullptr}};
    if (zeroTerminalSnr)
        useZeroTerminalSnr(j);
    return j;
}

void writeUNet(const models::UNet3DConditionModel& unet,
               const ToyT2vOptions& o,
               const fs::path& dir) {
    const auto& c = unet->config();
    writeFolderJson(dir / "config.json", {{"_class_name", "UNet3DConditionModel"},
                                          {"_diffusers_version", "0.31.0"},
                                          {"act_fn", "silu"},
                                          {"attention_head_dim", c.attentionHeadDim.front()},
                                          {"block_out_channels", c.blockOutChannels},
                                          {"cross_attention_dim", c.crossAttentionDim},
                                          {"down_block_types", c.downBlockTypes},
                                          {"downsample_padding", c.downsamplePadding},
                                          {"in_channels", c.inChannels},
                                          {"layers_per_block", c.layersPerBlock},
                                          {"mid_block_scale_factor", c.midBlockScaleFactor},
                                          {"norm_eps", c.normEps},
                                          {"norm_num_groups", c.normNumGroups},
                                          {"num_attention_heads", nullptr},
                                          {"out_channels", c.outChannels},
                                          {"sample_size", c.sampleSize},
                                          {"time_cond_proj_dim", nullptr},
                                          {"up_block_types", c.upBlockTypes}});
    saveTensorFile(
        dir / "diffusion_pytorch_model.safetensors", fp16Weights(*unet),
        {{"format", "pt"},
         {"trained_by", "MotionProbe toy text-to-video recipe (train/toy_t2v)"},
         {"steps", std::to_string(o.train.totalSteps)},
         {"batch", std::to_string(o.batch)},
         {"lr", std::to_string(o.train.adamw.lr)},
         {"drop_caption", std::to_string(o.dropCaption)},
         {"noise_offset", std::to_string(o.noiseOffset)},
         {"reuse", std::to_string(o.reuse)},
         {"snr_gamma", std::to_string(o.snrGamma)},
         {"subject_weight", std::to_string(o.subjectWeight)},
         {"edge_frame_weight", std::to_string(o.edgeFrameWeight)},
         {"high_noise_weight", std::to_string(o.highNoiseWeight)},
         {"zero_terminal_snr", o.zeroTerminalSnr ? "true" : "false"},
         {"frame_index_weight", std::to_string(o.frameIndexWeight)},
         {"reversed_pairs", o.reversedPairs ? "true" : "false"},
         {"reversed_pairs_share_noise", o.reversedPairsShareNoise ? "true" : "false"},
         {"caption_path_weight", std::to_string(o.captionPathWeight)},
         {"init", o.initFrom.empty() ? std::string("random") : o.initFrom.filename().string()},
         {"train_text_encoder", o.trainTextEncoder ? "true" : "false"},
         {"seed", std::to_string(o.train.seed)}});
}

// The CLIPModel's text tower as a transformers CLIPTextModel folder (no projection: the video
// model reads last_hidden_state).
void writeTextEncoder(const models::ClipModel& clip,
                      const fs::path& clipFolder,
                      bool trained,
                      const fs::path& dir) {
    std::ifstream in(clipFolder / "config.json");
    const auto full = nlohmann::ordered_json::parse(in);
    auto text = full.at("text_config");
    text["architectures"] = {"CLIPTextModel"};
    text["model_type"] = "clip_text_model";
    text["torch_dtype"] = "float16";
    writeFolderJson(dir / "config.json", text);
    saveTensorFile(dir / "model.safetensors", fp16Weights(*clip->text_model, "text_model."),
                   {{"format", "pt"},
                    {"source", trained ? "the toy CLIP's text tower, trained with the UNet"
                                       : "the toy CLIP's text tower"}});
}

void writePipeline(const models::UNet3DConditionModel& unet,
                   const models::ClipModel& clip,
                   const ToyT2vOptions& o,
                   const fs::path& out) {
    writeUNet(unet, o, out / "unet");
    writeTextEncoder(clip, o.clipFolder, o.trainTextEncoder, out / "text_encoder");
    toy::copyTokenizer(o.clipFolder, out / "tokenizer");
    writeToyPipelineParts(out, o.vaeFolder, schedulerJson(o.zeroTerminalSnr),
                          "TextToVideoSDPipeline",
                          {{"scheduler", {"diffusers", "DDIMScheduler"}},
                           {"text_encoder", {"transformers", "CLIPTextModel"}},
                           {"tokenizer", {"transformers", "CLIPTokenizer"}},
                           {"unet", {"diffusers", "UNet3DConditionModel"}},
                           {"vae", {"diffusers", "AutoencoderKL"}}});
}

}  // namespace

models::UNet3DConfig toyUNetConfig(const ToyT2vOptions& o, std::int64_t crossAttentionDim) {
    models::UNet3DConfig c;
    const auto levels = o.channels.size();
    c.sampleSize = 16;
    c.blockOutChannels = o.channels;
    c.layersPerBlock = o.layersPerBlock;
    c.normNumGroups = o.groups;
    c.crossAttentionDim = crossAttentionDim;
    c.attentionHeadDim.assign(levels, o.headDim);
    // Attention on every level but the first, the reverse of ModelScope's: at 16×16 latents a
    // spatial attention over 256 tokens of head size 8 costs more on two CPU cores than the rest
    // of the network (it is memory-bound), while the lower levels see the whole frame cheaply.
    c.downBlockTypes.assign(levels, "CrossAttnDownBlock3D");
    c.downBlockTypes.front() = "DownBlock3D";
    c.upBlockTypes.assign(levels, "CrossAttnUpBlock3D");
    c.upBlockTypes.back() = "UpBlock3D";
    return c;
}

Result<ToyT2vReport> trainToyT2v(const ToyT2vOptions& o,
                                 const DeviceChoice& device,
                                 const fs::path& out,
                                 const JobContext& job) {
    return capture([&] {
        if (o.channels.size() < 2)
            throw EngineError(ErrorCode::InvalidArgument,
                              "toy text-to-video: at least 2 levels of channels");
        const auto tokenizer = text::ClipTokenizer::fromFolder(o.clipFolder);
        auto clip = models::loadClipModel(o.clipFolder);
        auto vae = models::loadAutoencoderKL(o.vaeFolder);
        for (torch::nn::Module* m : {static_cast<torch::nn::Module*>(clip.get()),
                                     static_cast<torch::nn::Module*>(vae.get())}) {
            m->to(device.device, at::kFloat);
            m->eval();
            for (auto& p : m->parameters())
                p.set_requires_grad(false);
        }
        const sampling::DdimScheduler scheduler(sampling::SchedulerConfig::parse(
            schedulerJson(o.zeroTerminalSnr).dump(), "toy scheduler"));
        const auto alphas =
            at::tensor(scheduler.alphasCumprod(), at::kDouble).to(device.device, at::kFloat);

        at::manual_seed(static_cast<std::int64_t>(o.train.seed));
        models::UNet3DConditionModel unet(toyUNetConfig(o, clip->config().text.hiddenSize));
        if (!o.initFrom.empty()) {
            bindWeights(*unet, WeightSet::openComponent(componentFolder(o.initFrom, "unet")));
            const auto text = o.initFrom / "text_encoder";
            if (fs::is_directory(text)) {
                const auto weights = WeightSet::openComponent(text);
                BindOptions prefixed;
                prefixed.prefix = "text_model.";
                if (!weights.contains("text_model.embeddings.position_ids"))
                    prefixed.notInCheckpoint.insert("embeddings.position_ids");
                bindWeights(*clip->text_model, weights, prefixed);
            }
        }
        unet->to(device.device);
        unet->train();
        auto parameters = namedParameters(*unet);
        if (o.trainTextEncoder) {
            clip->text_model->train();
            for (const auto& p : clip->text_model->named_parameters()) {
                p.value().set_requires_grad(true);
                parameters.emplace_back("text_encoder.text_model." + p.key(), p.value());
            }
        }
        // The frame-index head: mid-block channels → the frame's position in [−1, 1].
        torch::nn::Linear frameIndexHead{nullptr};
        if (o.frameIndexWeight > 0) {
            frameIndexHead = torch::nn::Linear(unet->config().blockOutChannels.back(), 1);
            frameIndexHead->to(device.device);
            for (const auto& p : frameIndexHead->named_parameters())
                parameters.emplace_back("aux.frame_index." + p.key(), p.value());
        }
        // The caption-path head: the text encoder's pooled EOS state → the first subject's path.
        torch::nn::Linear captionPathHead{nullptr};
        if (o.captionPathWeight > 0) {
            if (!o.trainTextEncoder)
                throw EngineError(ErrorCode::InvalidArgument,
                                  "toy text-to-video: the caption-path loss acts through the "
                                  "text encoder, so the text encoder must be trained too");
            captionPathHead = torch::nn::Linear(clip->config().text.hiddenSize, toy::kPaths);
            captionPathHead->to(device.device);
            for (const auto& p : captionPathHead->named_parameters())
                parameters.emplace_back("aux.caption_path." + p.key(), p.value());
        }
        Trainer trainer(std::move(parameters), o.train);
        const auto world = toyVideoWorld();

        if (o.subjectWeight < 0 || o.edgeFrameWeight < 0 || o.highNoiseWeight < 0 ||
            o.frameIndexWeight < 0 || o.captionPathWeight < 0)
            throw EngineError(ErrorCode::InvalidArgument,
                              "toy text-to-video: the subject, edge-frame, high-noise, "
                              "frame-index and caption-path weights must not be negative");
        if (o.zeroTerminalSnr && (o.snrGamma > 0 || o.highNoiseWeight > 1))
            throw EngineError(ErrorCode::InvalidArgument,
                              "toy text-to-video: the min-SNR and high-noise weights divide by "
                              "the SNR, which is 0 at the last timestep of a zero-terminal-SNR "
                              "schedule; use one or the other");
        const bool weighted = o.subjectWeight > 0;
        // With a subject weight the latents carry the subject mask as one more channel.
        ToyLatentSource source(ToyLatentSource::frameEncoder(vae), device.device, world, o.batch,
                               o.reuse, o.poolBatches, weighted);

        ToyT2vReport report;
        const auto loss = [&](int, at::Generator& g) {
            // A pair's second item takes its first's draw: the same phrasing, caption drop and
            // timestep, and (reversedPairsShareNoise) the noise played backwards, so the
            // caption's direction is the only thing that tells the two apart.
            auto batch = source.drawBatch(g, o.reversedPairs, o.dropCaption);
            const auto& specs = batch.specs;
            const auto& partner = batch.partner;
            const auto& latents = batch.latents;
            const auto& mask = batch.mask;
            auto ids = at::empty({o.batch, kTextLength}, at::kLong);
            auto paths = at::full({o.batch}, -100, at::kLong);  // -100: left out (dropped)
            for (int b = 0; b < o.batch; ++b) {
                const bool drop = batch.dropCaption[b];
                if (!drop)
                    paths[b] = static_cast<std::int64_t>(specs[b].subjects.front().path);
                const auto text = drop ? std::string() : toy::caption(specs[b], batch.variant[b]);
                const auto t = tokenizer.encode(text, kTextLength, true, true);
                std::copy(t.ids.begin(), t.ids.end(), ids[b].data_ptr<std::int64_t>());
            }
            at::Tensor context, pooled;
            {
                const at::AutoGradMode textGrad(o.trainTextEncoder);  // frozen: no graph kept
                auto text = clip->text_model->forward(ids.to(device.device));
                context = text.lastHiddenState;
                pooled = text.pooled;
            }
            at::Tensor pathLoss = at::zeros({}, context.options().dtype(at::kFloat));
            if (o.captionPathWeight > 0 && (paths >= 0).any().item<bool>()) {
                const auto logits = captionPathHead->forward(pooled.to(at::kFloat));
                const auto truth = paths.to(device.device);
                const auto ce =
                    at::cross_entropy_loss(logits, truth, {}, at::Reduction::Mean, -100);
                const auto kept = truth >= 0;
                report.captionPathLosses.push_back(ce.item<double>());
                report.captionPathAccuracies.push_back(
                    (logits.argmax(1).eq(truth) & kept).sum().item<double>() /
                    kept.sum().item<double>());
                pathLoss = o.captionPathWeight * ce;
            }
            auto t = at::randint(scheduler.numTrainTimesteps(), {o.batch}, g, at::kLong);
            auto noise = at::randn(latents.sizes(), g);
            if (o.noiseOffset > 0)
                noise += o.noiseOffset * at::randn({o.batch, latents.size(1), 1, 1, 1}, g);
            for (int b = 0; b < o.batch; ++b) {
                if (partner[b] < 0)
                    continue;
                t[b] = t[partner[b]];
                if (o.reversedPairsShareNoise)
                    noise[b].copy_(noise[partner[b]].flip({1}));
            }
            noise = noise.to(device.device);
            const auto td = t.to(device.device);
            const auto a = alphas.index_select(0, td);
            const std::vector<std::int64_t> steps(t.data_ptr<std::int64_t>(),
                                                  t.data_ptr<std::int64_t>() + t.numel());
            const auto noisy = scheduler.addNoise(latents, noise, steps);
            at::Tensor mid;
            const auto prediction =
                unet->forward(noisy, td, context, o.frameIndexWeight > 0 ? &mid : nullptr)
                    .to(at::kFloat);
            at::Tensor indexLoss = at::zeros({}, prediction.options());
            if (o.frameIndexWeight > 0) {
                const auto frames = latents.size(2);
                const auto read =
                    frameIndexHead->forward(mid.to(at::kFloat).mean({2, 3})).view({-1, frames});
                const auto truth =
                    at::linspace(-1, 1, frames, prediction.options()).expand_as(read);
                const auto indexError = (read - truth).pow(2).mean();
                report.frameIndexErrors.push_back(indexError.item<double>());
                indexLoss = o.frameIndexWeight * indexError;
            }
            // ε, or v at zero terminal SNR (where ε cannot give the clip back).
            auto error = (prediction - scheduler.trainingTarget(latents, noise, steps)).pow(2);
            // The weights multiply; normalised by their mean over the batch's elements, so the
            // loss stays on MSE's scale.
            at::Tensor w;
            const auto times = [&w](const at::Tensor& factor) {
                w = w.defined() ? w * factor : factor;
            };
            if (weighted)
                times(1 + o.subjectWeight * mask);
            if (o.edgeFrameWeight > 0)
                times(edgeFrameWeights(latents.size(2), o.edgeFrameWeight)
                          .to(device.device)
                          .view({1, 1, -1, 1, 1}));
            if (o.highNoiseWeight > 1)
                times(highNoiseWeights(a, o.highNoiseWeight).view({-1, 1, 1, 1, 1}));
            if (w.defined())
                error = error * (w / w.expand(error.sizes()).mean());
            const auto auxiliary = indexLoss + pathLoss;
            if (o.snrGamma <= 0)
                return error.mean() + auxiliary;
            const auto snr = a / (1 - a);
            const auto weight = snr.clamp_max(o.snrGamma) / snr;
            return (error.mean({1, 2, 3, 4}) * weight).mean() + auxiliary;
        };
        report.training = trainer.run(loss, job).value();
        trainer.useEmaWeights();
        torch::NoGradGuard noGrad;
        unet->eval();
        clip->text_model->eval();
        writePipeline(unet, clip, o, out);
        return report;
    });
}

Result<ToyT2vQuality> toyT2vQuality(const fs::path& folder,
                                    int samples,
                                    int steps,
                                    double guidance,
                                    std::uint64_t firstSeed,
                                    const DeviceChoice& device,
                                    const JobContext& job) {
    return capture([&] {
        const auto pipeline = pipelines::loadPipeline(folder, device).value();
        ToyT2vQuality q;
        for (int i = 0; i < samples; ++i) {
            job.report("evaluate", i, samples);
            const auto seed = firstSeed + static_cast<std::uint64_t>(i);
            const auto spec = toy::randomClip(seed);
            pipelines::GenerateRequest r;
            r.prompt = toy::caption(spec, static_cast<int>(seed % 7));
            r.seed = seed;
            r.steps = steps;
            r.guidance = guidance;
            const auto video = pipelines::generate(*pipeline, r, job).value().video;  // (1,3,F,H,W)
            const auto rgb = (video[0].permute({1, 2, 3, 0}) * 255)
                                 .round()
                                 .clamp(0, 255)
                                 .to(at::kByte)
                                 .contiguous();
            toy::Frames clip{static_cast<int>(rgb.size(2)), static_cast<int>(rgb.size(1)), {}};
            for (std::int64_t f = 0; f < rgb.size(0); ++f) {
                const auto* p = rgb[f].data_ptr<std::uint8_t>();
                clip.frames.emplace_back(p, p + rgb[f].numel());
            }
            const auto estimate = toy::analyse(clip);
            const auto check = toy::checkAppearance(estimate, toy::parseCaption(r.prompt));
            q.colour += check.colour.value_or(false);
            q.shape += check.shape.value_or(false);
            q.background += check.background.value_or(false);
            q.path += !estimate.subjects.empty() &&
                      estimate.subjects.front().path == spec.subjects.front().path;
            ++q.samples;
        }
        if (q.samples) {
            for (double* v : {&q.colour, &q.shape, &q.background, &q.path})
                *v /= q.samples;
        }
        job.report("evaluate", samples, samples);
        return q;
    });
}

}  // namespace mp::train
