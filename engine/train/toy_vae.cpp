#include "train/toy_vae.h"

#include "io/file_util.h"
#include "io/json_util.h"
#include "io/tensor_io.h"
#include "models/cogvideox_vae.h"
#include "toy/world.h"
#include "train/toy_data.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <functional>

namespace mp::train {

namespace fs = std::filesystem;

namespace {

void writeFolder(models::AutoencoderKL& vae,
                 const ToyVaeOptions& o,
                 double scalingFactor,
                 const fs::path& out) {
    const auto& c = vae->config();
    fs::create_directories(out);
    const auto levels = c.blockOutChannels.size();
    const nlohmann::ordered_json config = {
        {"_class_name", "AutoencoderKL"},
        {"_diffusers_version", "0.31.0"},
        {"act_fn", "silu"},
        {"block_out_channels", c.blockOutChannels},
        {"down_block_types", std::vector<std::string>(levels, "DownEncoderBlock2D")},
        {"force_upcast", false},
        {"in_channels", c.inChannels},
        {"latent_channels", c.latentChannels},
        {"layers_per_block", c.layersPerBlock},
        {"mid_block_add_attention", c.midBlockAddAttention},
        {"norm_num_groups", c.normNumGroups},
        {"out_channels", c.outChannels},
        {"sample_size", c.sampleSize},
        {"scaling_factor", scalingFactor},
        {"up_block_types", std::vector<std::string>(levels, "UpDecoderBlock2D")}};
    writeJsonAtomically(out / "config.json", config);
    saveTensorFile(out / "diffusion_pytorch_model.safetensors", fp16Weights(*vae),
                   {{"format", "pt"},
                    {"trained_by", "MotionProbe toy VAE recipe (train/toy_vae)"},
                    {"steps", std::to_string(o.train.totalSteps)},
                    {"batch", std::to_string(o.batch)},
                    {"lr", std::to_string(o.train.adamw.lr)},
                    {"kl_weight", std::to_string(o.klWeight)},
                    {"seed", std::to_string(o.train.seed)}});
}

}  // namespace

models::AutoencoderKLConfig toyVaeConfig(const ToyVaeOptions& o) {
    models::AutoencoderKLConfig c;
    c.blockOutChannels = o.channels;
    c.layersPerBlock = o.layersPerBlock;
    c.normNumGroups = o.groups;
    c.latentChannels = 4;
    c.sampleSize = 64;
    c.forceUpcast = false;
    return c;
}

Result<ToyVaeReport> trainToyVae(const ToyVaeOptions& o,
                                 const DeviceChoice& device,
                                 const fs::path& out,
                                 const JobContext& job) {
    return capture([&] {
        if (o.channels.size() != 3)
            throw EngineError(ErrorCode::InvalidArgument,
                              "toy VAE: 3 levels of channels (4× downsampling) expected");
        at::manual_seed(static_cast<std::int64_t>(o.train.seed));
        models::AutoencoderKL vae(toyVaeConfig(o));
        vae->to(device.device);
        vae->train();
        Trainer trainer(namedParameters(*vae), o.train);
        const auto world = toyVaeWorld();
        const auto loss = [&](int, at::Generator& g) {
            const auto draws = at::randint(kToyTrainingSeeds, {2, o.batch}, g, at::kLong);
            const auto specs = clipsFromSeeds(draws[0], world);
            const auto* frameDraws = draws[1].data_ptr<std::int64_t>();
            std::vector<int> frames;
            for (int i = 0; i < o.batch; ++i)
                frames.push_back(
                    static_cast<int>(frameDraws[i] % specs[static_cast<std::size_t>(i)].frames));
            const auto x = toSignedUnit(renderToyFrames(specs, frames), device.device);
            const auto eps = at::randn({o.batch, 4, 16, 16}, g).to(device.device);
            const auto posterior = vae->encode(x);
            const auto z = posterior.mean + at::exp(0.5 * posterior.logvar) * eps;
            const auto y = vae->decode(z).to(at::kFloat);
            const auto diff = y - x;
            const auto kl =
                0.5 * (posterior.mean.pow(2) + posterior.logvar.exp() - 1 - posterior.logvar)
                          .to(at::kFloat)
                          .mean();
            return diff.pow(2).mean() + 0.5 * diff.abs().mean() + o.klWeight * kl;
        };
        ToyVaeReport report;
        report.training = trainer.run(loss, job).value();
        trainer.useEmaWeights();
        torch::NoGradGuard noGrad;
        vae->eval();
        // SD's rule: scale the latents to unit variance, measured on training frames.
        const auto seeds = at::arange(256, at::kLong) * 7919;
        const auto specs = clipsFromSeeds(seeds, world);
        std::vector<int> frames(specs.size());
        for (std::size_t i = 0; i < frames.size(); ++i)
            frames[i] = static_cast<int>(i % 16);
        const auto means =
            vae->encode(toSignedUnit(renderToyFrames(specs, frames), device.device)).mean;
        report.scalingFactor = 1.0 / means.to(at::kFloat).std().item<double>();
        writeFolder(vae, o, report.scalingFactor, out);
        return report;
    });
}

Result<double> toyVaePsnr(const fs::path& folder,
                          int clips,
                          std::uint64_t firstSeed,
                          const DeviceChoice& device) {
    return capture([&]() -> double {
        // The toy VAE (AutoencoderKL, frame by frame) or the toy CogVideoX VAE (whole clips of
        // 17 frames, 1 + 4k as its time compression needs).
        std::ifstream in(fs::is_directory(folder) ? folder / "config.json" : folder);
        const auto config = nlohmann::json::parse(in, nullptr, false);
        const bool cogvideox =
            config.is_object() && config.value("_class_name", "") == "AutoencoderKLCogVideoX";
        std::function<at::Tensor(const at::Tensor&)> roundTrip;
        auto world = toyVaeWorld();
        if (cogvideox) {
            world.frames = 17;
            auto vae =
                models::loadCogVideoXVae(folder, {}, DeviceChoice{device.device, at::kFloat});
            roundTrip = [vae](const at::Tensor& x) mutable {
                return vae->decode(vae->encode(x).first);
            };
        } else {
            auto vae = models::loadAutoencoderKL(folder);
            vae->to(device.device, at::kFloat);
            roundTrip = [vae](const at::Tensor& x) mutable {
                return vae->decode(vae->encode(x).mean);
            };
        }
        torch::NoGradGuard noGrad;
        double sum = 0;
        for (int i = 0; i < clips; ++i) {
            const auto spec = toy::randomClip(firstSeed + static_cast<std::uint64_t>(i), world);
            const auto x = toSignedUnit(renderToyClips({spec}), device.device);
            const auto y = roundTrip(x).to(at::kFloat).clamp(-1, 1);
            // [−1, 1] → [0, 1] halves the error, quartering the squared error.
            const double mse = (y - x).pow(2).mean().item<double>() / 4;
            sum += 10 * std::log10(1 / std::max(mse, 1e-12));
        }
        return clips ? sum / clips : 0.0;
    });
}

}  // namespace mp::train
