#pragma once
// What the family pipelines share inside pipelines/: error context while loading a component, the
// checks between components, and frames through a 2-D AutoencoderKL (ModelScope and Latte).

#include "core/error.h"
#include "models/t5/t5_encoder.h"
#include "models/vae.h"
#include "runtime/device.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
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

}  // namespace mp::pipelines::parts
