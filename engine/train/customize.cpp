#include "train/customize.h"

#include "core/strings.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <limits>
#include <mutex>

namespace mp::train {

Result<CustomizeReport> trainCustomization(const pipelines::Pipeline& pipeline,
                                           const CustomizeOptions& o,
                                           const std::filesystem::path& loraFile,
                                           const JobContext& job) {
    return capture([&] {
        const auto& scheduler = pipeline.scheduler();
        const auto T = scheduler.numTrainTimesteps();
        if (o.tau < 0 || o.tau >= T)
            throw EngineError(ErrorCode::InvalidArgument, "customize: tau must be in [0, " +
                                                              std::to_string(T) + "), got " +
                                                              std::to_string(o.tau));
        if (o.batch < 1)
            throw EngineError(ErrorCode::InvalidArgument, "customize: batch must be at least 1");
        const auto channelDim = pipeline.latentChannelDim();
        if (!o.latents.defined() || o.latents.dim() != 5 || o.latents.size(0) != 1 ||
            o.latents.size(channelDim) != pipeline.latentChannels())
            throw EngineError(
                ErrorCode::InvalidArgument,
                "customize: latents must be one video's, " +
                    str::shape(pipeline.latentShape(1, pipeline.defaultFrames(), 64, 64)) +
                    " for " + std::to_string(pipeline.defaultFrames()) + " frames of 64×64 (" +
                    std::to_string(pipeline.latentChannels()) + " channels)");
        auto& denoiser = pipeline.denoiser();
        const auto device = pipeline.device().device;
        // Frozen base: no gradient reaches it, and it is left as it was.
        std::vector<std::pair<at::Tensor, bool>> frozen;
        for (auto& p : denoiser.parameters()) {
            frozen.emplace_back(p, p.requires_grad());
            p.set_requires_grad(false);
        }
        struct Unfreeze {
            std::vector<std::pair<at::Tensor, bool>>& params;
            ~Unfreeze() {
                for (auto& [p, was] : params)
                    p.set_requires_grad(was);
            }
        } unfreeze{frozen};
        struct ModeBack {
            torch::nn::Module& model;
            bool training;
            ~ModeBack() { model.train(training); }
        } modeBack{denoiser, denoiser.is_training()};
        denoiser.train();
        if (o.gradientCheckpointing && o.dropout > 0)
            throw EngineError(ErrorCode::InvalidArgument,
                              "customize: gradient checkpointing recomputes each layer in the "
                              "backward, where LoRA dropout would draw other masks; use one");
        struct CheckpointingOff {
            const pipelines::Pipeline& pipeline;
            ~CheckpointingOff() { pipeline.setGradientCheckpointing(false); }
        } checkpointingOff{pipeline};
        pipeline.setGradientCheckpointing(o.gradientCheckpointing);

        adapters::LoraOptions lo;
        lo.pattern = adapters::presetPattern(pipeline.family(), o.preset);
        lo.rank = o.rank;
        lo.alpha = o.alpha;
        lo.dropout = o.dropout;
        lo.seed = o.train.seed;
        auto lora = adapters::LoraAdapter::inject(denoiser, lo);
        // A and B in float32 whatever the model's dtype (bf16 autocast does the rest on CUDA).
        for (auto& [name, p] : lora.parameters())
            p.set_data(p.data().to(at::kFloat));
        const auto context = pipeline.encodePrompt(o.caption, std::nullopt).embeddings.to(device);
        const auto x0 = o.latents.to(device, at::kFloat).expand({o.batch, -1, -1, -1, -1});
        // ᾱ_t per item, broadcast over the rest of the latents' dimensions.
        auto alphaShape = std::vector<std::int64_t>(static_cast<std::size_t>(x0.dim()), 1);
        alphaShape[0] = -1;
        const auto alphas =
            at::tensor(scheduler.alphasCumprod(), at::kDouble).to(device, at::kFloat);
        const auto ctx = context.expand({o.batch, -1, -1});

        CustomizeReport report;
        report.smallestTimestep = std::numeric_limits<int>::max();
        report.largestTimestep = -1;
        auto config = o.train;
        if (o.previewEvery > 0 && o.onPreview)
            config.onStep = [&, user = o.train.onStep](int step, double value) {
                if (user)
                    user(step, value);
                if (step % o.previewEvery != 0 || step >= o.train.totalSteps)
                    return;
                // Sampling mode (no dropout) with the adapter as trained so far, gated at τ;
                // its own progress stays out of the training's.
                denoiser.eval();
                struct TrainAgain {
                    torch::nn::Module& model;
                    ~TrainAgain() { model.train(); }
                } trainAgain{denoiser};
                auto request = o.preview;
                request.adapter = std::shared_ptr<adapters::LoraAdapter>(
                    &lora, [](adapters::LoraAdapter*) {});  // not owned: it lives here
                request.adapterSchedule = sampling::AdapterSchedule::from(o.tau);
                JobContext quiet;
                quiet.cancel = job.cancel;
                o.onPreview(step, pipelines::generate(pipeline, request, quiet).value().video);
            };
        Trainer trainer(lora.parameters(), config);
        const auto loss = [&](int, at::Generator& g) {
            if (o.dropout > 0) {
                // Dropout masks from the run's own generator (on CPU) or from the device's,
                // reseeded from it, so a resumed run draws the same masks.
                if (device.is_cpu()) {
                    lora.setDropoutGenerator(g);
                } else {
                    const auto seed =
                        at::randint(1LL << 62, {1}, g, at::kLong).item<std::int64_t>();
                    auto dg = at::globalContext().defaultGenerator(device);
                    const std::lock_guard<std::mutex> lock(dg.mutex());
                    dg.set_current_seed(static_cast<std::uint64_t>(seed));
                }
            }
            lora.apply(1.0);  // merged: weights connected to A and B; unmerged: the branches
            const auto t = at::randint(o.tau, T, {o.batch}, g, at::kLong);
            report.smallestTimestep =
                std::min(report.smallestTimestep, static_cast<int>(t.min().item<std::int64_t>()));
            report.largestTimestep =
                std::max(report.largestTimestep, static_cast<int>(t.max().item<std::int64_t>()));
            const auto noise = at::randn(x0.sizes(), g).to(device);
            const auto td = t.to(device);
            const auto a = alphas.index_select(0, td).view(alphaShape);
            const auto noisy = a.sqrt() * x0 + (1 - a).sqrt() * noise;
            // The family's plain loss: against ε, v or x0, as the scheduler's prediction type says.
            const auto target = scheduler.trainingTarget(
                x0, noise,
                std::vector<std::int64_t>(t.data_ptr<std::int64_t>(),
                                          t.data_ptr<std::int64_t>() + t.numel()));
            const auto predicted = pipeline.trainingForward(noisy, td, ctx);
            return (predicted - target).pow(2).mean();
        };
        report.training = trainer.run(loss, job).value();
        auto meta = o.fileMetadata;
        meta["motionprobe.tau"] = std::to_string(o.tau);
        meta["motionprobe.preset"] = adapters::presetName(o.preset);
        meta["motionprobe.rank"] = o.rank == 0 ? "full" : std::to_string(o.rank);
        meta["motionprobe.steps"] = std::to_string(report.training.steps);
        meta["motionprobe.caption"] = o.caption;
        lora.save(loraFile, pipeline.denoiserComponent(), meta);
        report.loraFile = loraFile;
        report.modules = lora.modules();
        return report;
    });
}

}  // namespace mp::train
