// The families' run-component entries (shared/notes/run-component.md). Only pipelines/ knows
// every family; runtime/components.h declares registerBuiltinComponents().

#include "core/error.h"
#include "io/config.h"
#include "metrics/clip_model.h"
#include "models/unet3d.h"
#include "models/vae.h"
#include "runtime/components.h"
#include "text/clip_text.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <mutex>

namespace mp {

namespace {

// A pipeline folder (model_index.json) names its components by subfolder; a component folder
// is used as it is.
std::filesystem::path componentFolder(const std::filesystem::path& dir, const char* sub) {
    std::error_code ec;
    return std::filesystem::exists(dir / "model_index.json", ec) ? dir / sub : dir;
}

TensorMap runTextEncoder(const ComponentCall& call) {
    const auto dir = componentFolder(call.modelDir, "text_encoder");
    const auto config = JsonConfig::load(dir / "config.json");
    const auto modelType = config.getString("model_type", "clip_text_model");
    if (modelType != "clip_text_model" && modelType != "clip")
        throw EngineError(ErrorCode::Unsupported,
                          config.label() + ": model_type '" + modelType +
                              "' — this build's text-encoder runs CLIPTextModel only (T5 comes "
                              "with the Latte/CogVideoX families)");
    auto model = text::loadClipTextModel(dir);
    model->to(call.device.device, call.device.dtype);
    torch::NoGradGuard noGrad;
    std::optional<at::Tensor> mask;
    if (auto it = call.inputs.find("attention_mask"); it != call.inputs.end())
        mask = it->second;
    const auto out = model->forward(call.inputs.at("input_ids"), mask);
    TensorMap result{{"last_hidden_state", out.lastHiddenState}, {"pooler_output", out.pooled}};
    if (out.textEmbeds.defined())
        result["text_embeds"] = out.textEmbeds;
    return result;
}

TensorMap runUNet(const ComponentCall& call) {
    const auto dir = componentFolder(call.modelDir, "unet");
    const auto config = JsonConfig::load(dir / "config.json");
    const auto className = config.getString("_class_name", "UNet3DConditionModel");
    if (className != "UNet3DConditionModel")
        throw EngineError(ErrorCode::Unsupported,
                          config.label() + ": _class_name '" + className +
                              "' — this build's unet runs UNet3DConditionModel (ModelScope)");
    auto model = models::loadUNet3D(dir);
    model->to(call.device.device, call.device.dtype);
    torch::NoGradGuard noGrad;
    return {{"sample", model->forward(call.inputs.at("sample"), call.inputs.at("timestep"),
                                      call.inputs.at("encoder_hidden_states"))}};
}

models::AutoencoderKL loadVae(const ComponentCall& call) {
    auto model = models::loadAutoencoderKL(componentFolder(call.modelDir, "vae"));
    model->to(call.device.device, call.device.dtype);
    return model;
}

TensorMap runVaeEncode(const ComponentCall& call) {
    auto model = loadVae(call);
    torch::NoGradGuard noGrad;
    const auto d = model->encode(call.inputs.at("sample"));
    return {{"latent_mean", d.mean}, {"latent_logvar", d.logvar}};
}

TensorMap runVaeDecode(const ComponentCall& call) {
    auto model = loadVae(call);
    torch::NoGradGuard noGrad;
    return {{"sample", model->decode(call.inputs.at("latents"))}};
}

metrics::ClipModel loadClip(const ComponentCall& call) {
    auto model = metrics::loadClipModel(call.modelDir);
    model->to(call.device.device, call.device.dtype);
    return model;
}

TensorMap runClipImage(const ComponentCall& call) {
    auto model = loadClip(call);
    torch::NoGradGuard noGrad;
    return {{"image_embeds", model->imageEmbeds(call.inputs.at("pixel_values"))}};
}

TensorMap runClipText(const ComponentCall& call) {
    auto model = loadClip(call);
    torch::NoGradGuard noGrad;
    return {{"text_embeds", model->textEmbeds(call.inputs.at("input_ids"))}};
}

}  // namespace

void registerBuiltinComponents() {
    static std::once_flag once;
    std::call_once(once, [] {
        registerComponent({"text-encoder",
                           "CLIPTextModel(WithProjection): last_hidden_state, pooler_output "
                           "(and text_embeds with a projection)",
                           {"input_ids"},
                           {"attention_mask"},
                           {"last_hidden_state", "pooler_output"},
                           runTextEncoder});
        registerComponent({"unet",
                           "UNet3DConditionModel: sample (B,C,F,H,W), timestep (B,), "
                           "encoder_hidden_states (B,L,D) -> sample",
                           {"sample", "timestep", "encoder_hidden_states"},
                           {},
                           {"sample"},
                           runUNet});
        registerComponent({"vae-encode",
                           "AutoencoderKL encoder: sample (B,3,H,W) or (B,3,F,H,W) in [-1,1] -> "
                           "latent_mean, latent_logvar (unscaled)",
                           {"sample"},
                           {},
                           {"latent_mean", "latent_logvar"},
                           runVaeEncode});
        registerComponent({"vae-decode",
                           "AutoencoderKL decoder: latents (unscaled) (B,C,h,w) or (B,C,F,h,w) -> "
                           "sample",
                           {"latents"},
                           {},
                           {"sample"},
                           runVaeDecode});
        registerComponent({"clip-image",
                           "CLIPModel image tower: pixel_values (already preprocessed) -> "
                           "image_embeds (projected, not normalised)",
                           {"pixel_values"},
                           {},
                           {"image_embeds"},
                           runClipImage});
        registerComponent({"clip-text",
                           "CLIPModel text tower: input_ids -> text_embeds (projected, not "
                           "normalised)",
                           {"input_ids"},
                           {},
                           {"text_embeds"},
                           runClipText});
    });
}

}  // namespace mp
