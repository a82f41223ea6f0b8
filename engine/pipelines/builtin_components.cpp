// The families' run-component entries (docs/cli.md, run-component). Only pipelines/ knows
// every family; pipelines/components.h declares registerBuiltinComponents().

#include "core/error.h"
#include "models/clip/clip_model.h"
#include "models/clip/clip_text.h"
#include "models/unet3d.h"
#include "models/vae.h"
#include "pipelines/components.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <mutex>

namespace mp {

namespace {

TensorMap runTextEncoder(const ComponentCall& call) {
    auto model = models::loadClipTextModel(call.modelDir, {}, call.device);
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
    auto model = models::loadUNet3D(call.modelDir, {}, call.device);
    model->to(call.device.device, call.device.dtype);
    torch::NoGradGuard noGrad;
    return {{"sample", model->forward(call.inputs.at("sample"), call.inputs.at("timestep"),
                                      call.inputs.at("encoder_hidden_states"))}};
}

models::AutoencoderKL loadVae(const ComponentCall& call) {
    auto model = models::loadAutoencoderKL(call.modelDir, {}, call.device);
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

models::ClipModel loadClip(const ComponentCall& call) {
    auto model = models::loadClipModel(call.modelDir, {}, call.device);
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
