#pragma once
// What the family pipelines share inside pipelines/: error context while loading a component, the
// checks between components, and frames through a 2-D AutoencoderKL (ModelScope and Latte).

#include "core/error.h"
#include "models/t5/t5_encoder.h"
#include "models/vae.h"
#include "runtime/device.h"
#include "text/t5_tokenizer.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mp::pipelines::parts {

// Runs fn(); an EngineError escaping it gets "component: " in front of its message.
template <class Fn>
auto loading(const char* component, Fn&& fn) {
    try {
        return fn();
    } catch (const EngineError& e) {
        throw EngineError(e.code(), std::string(component) + ": " + e.what());
    }
}

// A pipeline folder's model_index.json `_class_name`, after checking that the file and every
// component's folder exist (EngineError{NotFound} naming what is missing).
std::string pipelineClass(const std::filesystem::path& dir,
                          std::initializer_list<const char*> components);

// Throws EngineError{Config} "<what> <a> does not match <other> <b>" unless a == b.
void requireMatch(const std::string& what,
                  std::int64_t a,
                  const std::string& other,
                  std::int64_t b);

// Scaled latents (B, C, F, h, w) → video (B, 3, F, H, W) float32 in [0, 1]: ÷ scaling factor (as
// diffusers, a multiplication by its reciprocal), frames through the VAE `frameBatch` at a time.
at::Tensor decodeFrames(const models::AutoencoderKL& vae,
                        const DeviceChoice& device,
                        const at::Tensor& latents,
                        std::int64_t frameBatch);
// Video (B, 3, F, H, W) in [−1, 1] → the posterior means × scaling factor (B, C, F, h, w) float32.
at::Tensor encodeFrames(const models::AutoencoderKL& vae,
                        const DeviceChoice& device,
                        const at::Tensor& video,
                        std::int64_t frameBatch);

// While alive, a T5 encoder kept in host memory has its weights copied onto `device`; afterwards
// its host tensors are back and the copies freed (the caching allocator keeps their blocks for the
// denoising). Latte's and CogVideoX's T5-XXL (9.5 GB in bf16) so leaves the GPU to the denoiser.
class TextEncoderVisit {
public:
    TextEncoderVisit(models::T5EncoderModel encoder, c10::Device device, bool visit);
    ~TextEncoderVisit();
    TextEncoderVisit(const TextEncoderVisit&) = delete;
    TextEncoderVisit& operator=(const TextEncoderVisit&) = delete;

private:
    std::vector<std::pair<at::Tensor, at::Tensor>> m_host;  // (parameter, its host data)
};

// The T5 half of a Latte or CogVideoX folder: tokenizer/ and text_encoder/. On CUDA the encoder
// stays in host memory (`visits`) and comes to the GPU per encoding (TextEncoderVisit).
struct T5Text {
    std::shared_ptr<const text::T5Tokenizer> tokenizer;
    models::T5EncoderModel encoder{nullptr};
    bool visits = false;
};
std::shared_ptr<const text::T5Tokenizer> loadT5Tokenizer(const std::filesystem::path& dir);
T5Text loadT5Encoder(std::shared_ptr<const text::T5Tokenizer> tokenizer,
                     const std::filesystem::path& dir,
                     const std::string& variant,
                     const DeviceChoice& device);

// T5's last hidden state (1, L, d_model) of `text` tokenized to `maxLength` (padded, truncated),
// on `device`; with `masked` the attention mask goes to the encoder (Latte), else none
// (CogVideoX). `realTokens` receives the tokens before the padding (EOS included).
at::Tensor encodeT5(const T5Text& t5,
                    std::string_view text,
                    std::int64_t maxLength,
                    bool masked,
                    c10::Device device,
                    std::int64_t* realTokens = nullptr);

}  // namespace mp::pipelines::parts
