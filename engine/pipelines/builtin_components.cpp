// The families' run-component entries (docs/cli.md, run-component). Only pipelines/ knows
// every family; pipelines/components.h declares registerBuiltinComponents().

#include "core/error.h"
#include "io/config.h"
#include "io/snapshot.h"
#include "models/clip/clip_model.h"
#include "models/clip/clip_text.h"
#include "models/cogvideox.h"
#include "models/cogvideox_vae.h"
#include "models/latte.h"
#include "models/t5/t5_encoder.h"
#include "models/unet3d.h"
#include "models/vae.h"
#include "pipelines/components.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <mutex>

namespace mp {

namespace {

// The `_class_name` (diffusers) or `model_type` (transformers) of a component's config.json.
std::string componentClass(const ComponentCall& call, const char* component, const char* key) {
    const auto dir = componentFolder(call.modelDir, component);
    return JsonConfig::load(dir / "config.json").getString(key, "");
}

std::optional<at::Tensor> optionalInput(const ComponentCall& call, const char* name) {
    if (auto it = call.inputs.find(name); it != call.inputs.end())
        return it->second;
    return std::nullopt;
}

TensorMap runT5Encoder(const ComponentCall& call) {
    auto model = models::loadT5EncoderModel(call.modelDir, {}, call.device);
    model->to(call.device.device, call.device.dtype);
    torch::NoGradGuard noGrad;
    return {{"last_hidden_state",
             model->forward(call.inputs.at("input_ids"), optionalInput(call, "attention_mask"))}};
}

TensorMap runTextEncoder(const ComponentCall& call) {
    if (componentClass(call, "text_encoder", "model_type") == "t5")
        return runT5Encoder(call);
    auto model = models::loadClipTextModel(call.modelDir, {}, call.device);
    model->to(call.device.device, call.device.dtype);
    torch::NoGradGuard noGrad;
    const auto out =
        model->forward(call.inputs.at("input_ids"), optionalInput(call, "attention_mask"));
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

TensorMap runTransformer(const ComponentCall& call) {
    const auto className = componentClass(call, "transformer", "_class_name");
    if (className == "CogVideoXTransformer3DModel") {
        // The 5b's rotary table is built from the input's shape, as the pipeline builds it.
        auto model = models::loadCogVideoXTransformer(call.modelDir, {}, call.device);
        model->to(call.device.device, call.device.dtype);
        torch::NoGradGuard noGrad;
        if (optionalInput(call, "encoder_attention_mask"))
            throw EngineError(ErrorCode::InvalidArgument,
                              "CogVideoXTransformer3DModel takes no encoder_attention_mask (its "
                              "pipeline passes none)");
        return {
            {"sample", model->forward(call.inputs.at("hidden_states"), call.inputs.at("timestep"),
                                      call.inputs.at("encoder_hidden_states"))}};
    }
    if (className != "LatteTransformer3DModel")
        throw EngineError(ErrorCode::Unsupported,
                          "transformer/config.json: _class_name '" + className +
                              "' is not a transformer this build runs (LatteTransformer3DModel, "
                              "CogVideoXTransformer3DModel)");
    auto model = models::loadLatteTransformer(call.modelDir, {}, call.device);
    model->to(call.device.device, call.device.dtype);
    torch::NoGradGuard noGrad;
    return {{"sample", model->forward(call.inputs.at("hidden_states"), call.inputs.at("timestep"),
                                      call.inputs.at("encoder_hidden_states"), true,
                                      optionalInput(call, "encoder_attention_mask"))}};
}

models::AutoencoderKL loadVae(const ComponentCall& call) {
    auto model = models::loadAutoencoderKL(call.modelDir, {}, call.device);
    model->to(call.device.device, call.device.dtype);
    return model;
}

bool cogVideoXVae(const ComponentCall& call) {
    return componentClass(call, "vae", "_class_name") == "AutoencoderKLCogVideoX";
}

models::AutoencoderKLCogVideoX loadCausalVae(const ComponentCall& call) {
    auto model = models::loadCogVideoXVae(call.modelDir, {}, call.device);
    model->to(call.device.device, call.device.dtype);
    return model;
}

TensorMap runVaeEncode(const ComponentCall& call) {
    if (cogVideoXVae(call)) {
        auto model = loadCausalVae(call);
        torch::NoGradGuard noGrad;
        const auto [mean, logvar] = model->encode(call.inputs.at("sample"));
        return {{"latent_mean", mean}, {"latent_logvar", logvar}};
    }
    auto model = loadVae(call);
    torch::NoGradGuard noGrad;
    const auto d = model->encode(call.inputs.at("sample"));
    return {{"latent_mean", d.mean}, {"latent_logvar", d.logvar}};
}

TensorMap runVaeDecode(const ComponentCall& call) {
    if (cogVideoXVae(call)) {
        auto model = loadCausalVae(call);
        torch::NoGradGuard noGrad;
        return {{"sample", model->decode(call.inputs.at("latents"))}};
    }
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
                           "(and text_embeds with a projection); T5EncoderModel (config "
                           "model_type t5): last_hidden_state",
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
        registerComponent({"transformer",
                           "LatteTransformer3DModel: hidden_states (B,C,F,H,W), timestep (B,), "
                           "encoder_hidden_states (B,L,D) [, encoder_attention_mask (B,L), 1 = "
                           "attend] -> sample (B,2C,F,H,W); CogVideoXTransformer3DModel: "
                           "hidden_states (B,F,C,H,W), timestep (B,), encoder_hidden_states "
                           "(B,226,D) -> sample (B,F,C,H,W) (5b's RoPE built from the shape)",
                           {"hidden_states", "timestep", "encoder_hidden_states"},
                           {"encoder_attention_mask"},
                           {"sample"},
                           runTransformer});
        registerComponent({"vae-encode",
                           "AutoencoderKL encoder: sample (B,3,H,W) or (B,3,F,H,W) in [-1,1] -> "
                           "latent_mean, latent_logvar (unscaled); AutoencoderKLCogVideoX: "
                           "sample (B,3,1+4k,H,W), causal, in its frame batches",
                           {"sample"},
                           {},
                           {"latent_mean", "latent_logvar"},
                           runVaeEncode});
        registerComponent({"vae-decode",
                           "AutoencoderKL decoder: latents (unscaled) (B,C,h,w) or (B,C,F,h,w) -> "
                           "sample; AutoencoderKLCogVideoX: latents (B,C,F,h,w) -> sample "
                           "(B,3,1+4(F-1),H,W)",
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
