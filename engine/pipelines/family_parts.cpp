#include "pipelines/family_parts.h"

#include "io/config.h"
#include "io/snapshot.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace mp::pipelines::parts {

std::string pipelineClass(const std::filesystem::path& dir,
                          std::initializer_list<const char*> components) {
    std::error_code ec;
    if (!std::filesystem::exists(dir / "model_index.json", ec))
        throw EngineError(ErrorCode::NotFound,
                          dir.string() + ": not a pipeline folder (no model_index.json)");
    for (const char* c : components)
        (void)componentFolder(dir, c);
    return JsonConfig::load(dir / "model_index.json").getString("_class_name", "");
}

void requireMatch(const std::string& what,
                  std::int64_t a,
                  const std::string& other,
                  std::int64_t b) {
    if (a != b)
        throw EngineError(ErrorCode::Config, what + " " + std::to_string(a) + " does not match " +
                                                 other + " " + std::to_string(b));
}

at::Tensor decodeFrames(const models::AutoencoderKL& vae,
                        const DeviceChoice& device,
                        const at::Tensor& latents,
                        std::int64_t frameBatch) {
    torch::NoGradGuard noGrad;
    const auto z = latents.to(device.device, at::kFloat) * (1.0 / vae->config().scalingFactor);
    auto model = vae;  // a holder copy: the modules run non-const
    auto video = model->decode(z.to(device.dtype), frameBatch).to(at::kFloat);
    return (video / 2 + 0.5).clamp(0, 1);
}

at::Tensor encodeFrames(const models::AutoencoderKL& vae,
                        const DeviceChoice& device,
                        const at::Tensor& video,
                        std::int64_t frameBatch) {
    torch::NoGradGuard noGrad;
    auto model = vae;
    auto dist = model->encode(video.to(device.device, device.dtype), frameBatch);
    return dist.mean.to(at::kFloat) * vae->config().scalingFactor;
}

TextEncoderVisit::TextEncoderVisit(models::T5EncoderModel encoder, c10::Device device, bool visit) {
    if (!visit)
        return;
    torch::NoGradGuard noGrad;
    for (auto& p : encoder->parameters()) {
        m_host.emplace_back(p, p.data());
        p.set_data(p.data().to(device));
    }
}

TextEncoderVisit::~TextEncoderVisit() {
    for (auto& [parameter, host] : m_host)
        parameter.set_data(host);
}

}  // namespace mp::pipelines::parts
