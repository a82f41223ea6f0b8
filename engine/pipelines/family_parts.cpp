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

std::shared_ptr<const text::T5Tokenizer> loadT5Tokenizer(const std::filesystem::path& dir) {
    return loading("tokenizer", [&] {
        return std::make_shared<const text::T5Tokenizer>(
            text::T5Tokenizer::fromFolder(dir / "tokenizer"));
    });
}

T5Text loadT5Encoder(std::shared_ptr<const text::T5Tokenizer> tokenizer,
                     const std::filesystem::path& dir,
                     const std::string& variant,
                     const DeviceChoice& device) {
    T5Text t5;
    t5.tokenizer = std::move(tokenizer);
    t5.visits = device.device.is_cuda();
    DeviceChoice where = device;
    if (t5.visits)
        where.device = c10::Device(c10::kCPU);
    t5.encoder =
        loading("text_encoder", [&] { return models::loadT5EncoderModel(dir, variant, where); });
    return t5;
}

at::Tensor encodeT5(const T5Text& t5,
                    std::string_view text,
                    std::int64_t maxLength,
                    bool masked,
                    c10::Device device,
                    std::int64_t* realTokens) {
    const auto t = t5.tokenizer->encode(text, maxLength, /*padToMax=*/true, /*truncate=*/true);
    const auto n = static_cast<std::int64_t>(t.ids.size());
    if (realTokens) {
        *realTokens = 0;
        for (const auto m : t.attentionMask)
            *realTokens += m;
    }
    torch::NoGradGuard noGrad;
    auto encoder = t5.encoder;  // a holder copy: the modules run non-const
    const auto where = encoder->shared->weight.device();
    const auto ids = at::tensor(t.ids, at::kLong).view({1, n}).to(where);
    std::optional<at::Tensor> mask;
    if (masked)
        mask = at::tensor(t.attentionMask, at::kLong).view({1, n}).to(where);
    return encoder->forward(ids, mask).to(device);
}

}  // namespace mp::pipelines::parts
