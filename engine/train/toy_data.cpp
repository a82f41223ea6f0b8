#include "train/toy_data.h"

#include "core/error.h"
#include "io/json_util.h"
#include "io/snapshot.h"
#include "io/weight_binding.h"
#include "train/trainer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/module.h>

#include <cstring>
#include <tuple>

namespace mp::train {

namespace {

void requireOneShape(const std::vector<toy::ClipSpec>& specs) {
    if (specs.empty())
        throw EngineError(ErrorCode::InvalidArgument, "toy batch: no clips");
    for (const auto& s : specs)
        if (s.width != specs[0].width || s.height != specs[0].height || s.frames != specs[0].frames)
            throw EngineError(ErrorCode::InvalidArgument,
                              "toy batch: clips of different sizes or lengths");
}

}  // namespace

at::Tensor renderToyFrames(const std::vector<toy::ClipSpec>& specs,
                           const std::vector<int>& frames) {
    requireOneShape(specs);
    if (frames.size() != specs.size())
        throw EngineError(ErrorCode::InvalidArgument, "toy batch: one frame index per clip");
    const auto n = static_cast<std::int64_t>(specs.size());
    auto out = at::empty({n, specs[0].height, specs[0].width, 3}, at::kByte);
    auto* base = out.data_ptr<std::uint8_t>();
    const auto bytes = static_cast<std::size_t>(out.stride(0));
    at::parallel_for(0, n, 1, [&](std::int64_t begin, std::int64_t end) {
        for (auto i = begin; i < end; ++i) {
            const auto f = toy::renderFrame(specs[i], frames[i]);
            std::memcpy(base + i * bytes, f.data(), bytes);
        }
    });
    return out;
}

at::Tensor renderToyClips(const std::vector<toy::ClipSpec>& specs) {
    requireOneShape(specs);
    const auto n = static_cast<std::int64_t>(specs.size());
    const auto& s0 = specs[0];
    auto out = at::empty({n, s0.frames, s0.height, s0.width, 3}, at::kByte);
    auto* base = out.data_ptr<std::uint8_t>();
    const auto frameBytes = static_cast<std::size_t>(out.stride(1));
    at::parallel_for(0, n, 1, [&](std::int64_t begin, std::int64_t end) {
        for (auto i = begin; i < end; ++i) {
            const auto clip = toy::render(specs[i]);
            for (int t = 0; t < s0.frames; ++t)
                std::memcpy(base + (i * s0.frames + t) * frameBytes, clip.frames[t].data(),
                            frameBytes);
        }
    });
    return out;
}

at::Tensor renderToyBackgrounds(const std::vector<toy::ClipSpec>& specs) {
    requireOneShape(specs);
    const auto n = static_cast<std::int64_t>(specs.size());
    auto out = at::empty({n, specs[0].height, specs[0].width, 3}, at::kByte);
    auto* base = out.data_ptr<std::uint8_t>();
    const auto bytes = static_cast<std::size_t>(out.stride(0));
    for (std::int64_t i = 0; i < n; ++i) {
        const auto b = toy::renderBackground(specs[i].background, specs[i].width, specs[i].height);
        std::memcpy(base + i * bytes, b.data(), bytes);
    }
    return out;
}

at::Tensor latentSubjectMask(const at::Tensor& clips,
                             const at::Tensor& backgrounds,
                             std::int64_t factor) {
    if (clips.dim() != 5 || backgrounds.dim() != 4 || clips.size(0) != backgrounds.size(0) ||
        clips.size(2) != backgrounds.size(1) || clips.size(3) != backgrounds.size(2) ||
        factor < 1 || clips.size(2) % factor || clips.size(3) % factor)
        throw EngineError(ErrorCode::InvalidArgument,
                          "subject mask: expected clips (N, F, H, W, 3), backgrounds (N, H, W, 3) "
                          "and a factor dividing H and W");
    constexpr int kThreshold = 24;  // the oracle's: a subject pixel differs by more than this
    const auto difference =
        (clips.to(at::kShort) - backgrounds.to(clips.device(), at::kShort).unsqueeze(1))
            .abs()
            .sum(-1);  // (N, F, H, W)
    auto changed = (difference > kThreshold).to(at::kFloat);
    const auto n = changed.size(0), f = changed.size(1);
    auto cells = at::max_pool2d(changed.flatten(0, 1).unsqueeze(1), {factor, factor});
    cells = at::max_pool2d(cells, {3, 3}, {1, 1}, {1, 1});
    return cells.view({n, f, 1, cells.size(2), cells.size(3)}).transpose(1, 2).contiguous();
}

at::Tensor edgeFrameWeights(std::int64_t frames, double extra) {
    if (frames < 2 || !(extra >= 0))
        throw EngineError(
            ErrorCode::InvalidArgument,
            "edge-frame weights: expected at least 2 frames and an extra weight >= 0");
    auto w = at::ones({frames}, at::kFloat);
    w[0] = 1 + extra;
    w[frames - 1] = 1 + extra;
    return w;
}

at::Tensor highNoiseWeights(const at::Tensor& alphasCumprod, double cap) {
    if (!(cap >= 0))
        throw EngineError(ErrorCode::InvalidArgument,
                          "high-noise weights: the cap must not be negative");
    const auto a = alphasCumprod.to(at::kFloat);
    if (cap <= 1)
        return at::ones_like(a);
    return ((1 - a) / a).clamp(1, cap);
}

at::Tensor toSignedUnit(const at::Tensor& rgb, const c10::Device& device) {
    auto x = rgb.to(device).to(at::kFloat).div_(127.5).sub_(1);
    if (x.dim() == 4)
        return x.permute({0, 3, 1, 2}).contiguous();
    if (x.dim() == 5)
        return x.permute({0, 4, 1, 2, 3}).contiguous();
    throw EngineError(ErrorCode::InvalidArgument,
                      "toy batch: expected (N, H, W, 3) frames or (N, F, H, W, 3) clips");
}

ClipPool::ClipPool(std::int64_t capacity) : m_capacity(capacity) {
    if (capacity < 1)
        throw EngineError(ErrorCode::InvalidArgument, "clip pool: capacity must be at least 1");
}

void ClipPool::add(const std::vector<toy::ClipSpec>& specs, const at::Tensor& latents) {
    const auto n = static_cast<std::int64_t>(specs.size());
    if (!latents.defined() || latents.dim() < 1 || latents.size(0) != n)
        throw EngineError(ErrorCode::InvalidArgument, "clip pool: one latent per clip");
    if (!m_latents.defined()) {
        auto sizes = latents.sizes().vec();
        sizes[0] = m_capacity;
        m_latents = at::empty(sizes, latents.options());
    } else if (latents.sizes().slice(1) != m_latents.sizes().slice(1)) {
        throw EngineError(ErrorCode::InvalidArgument, "clip pool: latents of another shape");
    }
    for (std::int64_t i = 0; i < n; ++i) {
        std::int64_t slot = size();
        if (slot < m_capacity) {
            m_specs.push_back(specs[i]);
        } else {
            slot = m_next;
            m_specs[slot] = specs[i];
            m_next = (m_next + 1) % m_capacity;
        }
        m_latents[slot].copy_(latents[i]);
    }
}

at::Tensor ClipPool::draw(std::int64_t n, at::Generator& generator) const {
    if (m_specs.empty())
        throw EngineError(ErrorCode::InvalidArgument, "clip pool: nothing to draw from");
    return at::randint(size(), {n}, generator, at::kLong);
}

std::vector<int> pairReversed(std::vector<toy::ClipSpec>& specs, at::Tensor& latents) {
    if (latents.dim() != 5 || latents.size(0) != static_cast<std::int64_t>(specs.size()))
        throw EngineError(ErrorCode::InvalidArgument,
                          "reversed pairs: latents must be (clips, channels, frames, h, w), one "
                          "per spec");
    std::vector<int> partner(specs.size(), -1);
    const int half = static_cast<int>(specs.size() / 2);
    for (int i = 0; i < half; ++i) {
        const auto reversed = toy::reversedCaptionSpec(specs[i]);
        if (!reversed)
            continue;
        specs[half + i] = *reversed;
        latents[half + i].copy_(latents[i].flip({1}));
        partner[half + i] = i;
    }
    return partner;
}

at::Tensor ClipPool::latents(const at::Tensor& positions) const {
    return m_latents.index_select(0, positions.to(m_latents.device()));
}

ToyLatentSource::ToyLatentSource(Encoder encoder,
                                 c10::Device device,
                                 toy::WorldOptions world,
                                 int batch,
                                 int reuse,
                                 int poolBatches,
                                 bool subjectMask)
    : m_encode(std::move(encoder)),
      m_device(device),
      m_world(world),
      m_batch(batch),
      m_reuse(reuse),
      m_subjectMask(subjectMask),
      m_pool(reuse > 1 && poolBatches > 0 ? static_cast<std::int64_t>(poolBatches) * batch : 1) {
    if (reuse < 1 || poolBatches < 1)
        throw EngineError(ErrorCode::InvalidArgument,
                          "toy video training: reuse and pool size must be at least 1");
}

ToyLatentSource::Encoder ToyLatentSource::frameEncoder(models::AutoencoderKL vae) {
    return [vae](const at::Tensor& clips) mutable {
        return vae->encode(clips).mean.to(at::kFloat) * vae->config().scalingFactor;
    };
}

ToyLatentSource::Encoder ToyLatentSource::clipEncoder(models::AutoencoderKLCogVideoX vae) {
    return [vae](const at::Tensor& clips) mutable {
        return vae->encode(clips).first.to(at::kFloat) * vae->config().scalingFactor;
    };
}

at::Tensor ToyLatentSource::encode(const std::vector<toy::ClipSpec>& specs) {
    torch::NoGradGuard noGrad;
    const auto rgb = renderToyClips(specs).to(m_device);
    const auto latents = m_encode(toSignedUnit(rgb, m_device));
    if (!m_subjectMask)
        return latents.contiguous();
    auto mask = latentSubjectMask(rgb, renderToyBackgrounds(specs), rgb.size(2) / latents.size(3));
    const auto frames = mask.size(2), latentFrames = latents.size(2);
    if (latentFrames != frames) {  // time compressed: frame 0 alone, then groups
        const auto group = (frames - 1) / std::max<std::int64_t>(1, latentFrames - 1);
        const auto rest = mask.narrow(2, 1, group * (latentFrames - 1));
        const auto sizes = rest.sizes().vec();
        mask = at::cat(
            {mask.narrow(2, 0, 1),
             std::get<0>(
                 rest.reshape({sizes[0], 1, latentFrames - 1, group, sizes[3], sizes[4]}).max(3))},
            2);
    }
    return at::cat({latents, mask}, 1).contiguous();
}

std::vector<toy::ClipSpec> ToyLatentSource::newClips(std::int64_t n, at::Generator& g) const {
    return clipsFromSeeds(at::randint(kToyTrainingSeeds, {n}, g, at::kLong), m_world);
}

std::pair<std::vector<toy::ClipSpec>, at::Tensor> ToyLatentSource::draw(at::Generator& g) {
    if (m_reuse == 1) {
        auto specs = newClips(m_batch, g);
        auto latents = encode(specs);
        return {std::move(specs), std::move(latents)};
    }
    while (m_pool.size() < m_pool.capacity()) {
        const auto more =
            newClips(std::min<std::int64_t>(m_batch, m_pool.capacity() - m_pool.size()), g);
        m_pool.add(more, encode(more));
    }
    const auto more = newClips((m_batch + m_reuse - 1) / m_reuse, g);
    m_pool.add(more, encode(more));
    const auto positions = m_pool.draw(m_batch, g);
    const auto* position = positions.data_ptr<std::int64_t>();
    std::vector<toy::ClipSpec> specs;
    for (std::int64_t i = 0; i < m_batch; ++i)
        specs.push_back(m_pool.spec(position[i]));
    return {std::move(specs), m_pool.latents(positions)};
}

ToyLatentSource::Batch ToyLatentSource::drawBatch(at::Generator& g,
                                                  bool reversedPairs,
                                                  double dropCaption) {
    Batch b;
    std::tie(b.specs, b.latents) = draw(g);
    b.partner.assign(static_cast<std::size_t>(m_batch), -1);
    if (reversedPairs)
        b.partner = pairReversed(b.specs, b.latents);
    if (m_subjectMask) {
        const auto channels = b.latents.size(1) - 1;
        b.mask = b.latents.narrow(1, channels, 1);
        b.latents = b.latents.narrow(1, 0, channels);
    }
    const auto draws = at::randint(kToyTrainingSeeds, {2, m_batch}, g, at::kLong);
    const auto* variants = draws[0].data_ptr<std::int64_t>();
    const auto* drops = draws[1].data_ptr<std::int64_t>();
    for (int i = 0; i < m_batch; ++i) {
        const auto from = b.partner[i] >= 0 ? b.partner[i] : i;
        b.variant.push_back(static_cast<int>(variants[from]));
        b.dropCaption.push_back(static_cast<double>(drops[from] % 1000) < dropCaption * 1000);
    }
    return b;
}

void useZeroTerminalSnr(nlohmann::ordered_json& j) {
    j["prediction_type"] = "v_prediction";
    j["rescale_betas_zero_snr"] = true;
    j["timestep_spacing"] = "trailing";
}

void writeFolderJson(const std::filesystem::path& file, const nlohmann::ordered_json& json) {
    std::filesystem::create_directories(file.parent_path());
    writeJsonAtomically(file, json);
}

void writeToyPipelineParts(const std::filesystem::path& out,
                           const std::filesystem::path& vaeFolder,
                           const nlohmann::ordered_json& schedulerConfig,
                           const std::string& pipelineClass,
                           const nlohmann::ordered_json& components) {
    namespace fs = std::filesystem;
    fs::create_directories(out / "vae");
    for (const char* f : {"config.json", "diffusion_pytorch_model.safetensors"})
        fs::copy_file(vaeFolder / f, out / "vae" / f, fs::copy_options::overwrite_existing);
    writeFolderJson(out / "scheduler" / "scheduler_config.json", schedulerConfig);
    nlohmann::ordered_json index = {
        {"_class_name", pipelineClass}, {"_diffusers_version", "0.31.0"}, {kToyWorldKey, true}};
    index.update(components);
    writeFolderJson(out / "model_index.json", index);
}

std::vector<std::pair<std::string, at::Tensor>> prepareToyDenoiser(
    torch::nn::Module& denoiser,
    const std::filesystem::path& initFrom,
    const std::string& component,
    const c10::Device& device,
    const std::vector<std::pair<std::string, at::Tensor>>& textParameters) {
    if (!initFrom.empty())
        bindWeights(denoiser, WeightSet::openComponent(componentFolder(initFrom, component)));
    denoiser.to(device);
    denoiser.train();
    auto parameters = namedParameters(denoiser);
    parameters.insert(parameters.end(), textParameters.begin(), textParameters.end());
    return parameters;
}

toy::WorldOptions toyVaeWorld(int frames) {
    toy::WorldOptions world;
    world.styles = true;
    world.twoSubjects = 0.25;
    world.frames = frames;
    return world;
}

std::vector<toy::ClipSpec> clipsFromSeeds(const at::Tensor& seeds, const toy::WorldOptions& world) {
    const auto* s = seeds.data_ptr<std::int64_t>();
    std::vector<toy::ClipSpec> specs;
    specs.reserve(static_cast<std::size_t>(seeds.numel()));
    for (std::int64_t i = 0; i < seeds.numel(); ++i)
        specs.push_back(toy::randomClip(static_cast<std::uint64_t>(s[i]), world));
    return specs;
}

void requireWholeCogVideoXClips(const models::CogVideoXVaeConfig& vae,
                                int frames,
                                const std::string& who) {
    const auto t = vae.temporalFactor();
    const bool whole = frames > 1 && (frames - 1) % t == 0 &&
                       vae.decodedFrames(vae.latentFrames(frames)) == frames;
    if (!whole)
        throw EngineError(ErrorCode::InvalidArgument,
                          who + ": clips of 1 + " + std::to_string(2 * t) + "k frames (" +
                              std::to_string(1 + 2 * t) + ", " + std::to_string(1 + 4 * t) +
                              ", ...) expected, so that the latent frames are odd and the VAE "
                              "gives them back whole; got " +
                              std::to_string(frames));
}

toy::WorldOptions toyVideoWorld(int frames) {
    toy::WorldOptions world;
    world.styles = true;
    world.twoSubjects = 0.1;
    world.frames = frames;
    return world;
}

NamedTensors fp16Weights(const torch::nn::Module& module, const std::string& prefix) {
    NamedTensors tensors;
    for (const auto& p : module.named_parameters())
        tensors.emplace_back(prefix + p.key(), p.value().detach().to(at::kCPU, at::kHalf));
    return tensors;
}

}  // namespace mp::train
