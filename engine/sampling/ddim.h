#pragma once
// DDIM sampling and DDIM inversion on one ᾱ table, with diffusers' exact semantics:
//   forward = DDIMScheduler.step / CogVideoXDDIMScheduler.step,
//   inverse = DDIMInverseScheduler.step, but always on the forward scheduler's table (so for
//   CogVideoX the inversion sees the shifted, zero-SNR ᾱ the sampler uses; diffusers' community
//   CogVideoX inversion builds a different table).
// Steps are stateless: the number of inference steps is passed in, as it fixes the stride.
// Element-wise math runs in the sample's dtype; coefficients are computed at the precision of the
// ᾱ table, operation by operation, as diffusers does.

#include "sampling/scheduler_config.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace mp::sampling {

struct StepOutput {
    at::Tensor sample;       // x at the next noise level (forward: less noisy; inverse: noisier)
    at::Tensor predictedX0;  // x̂0 as the step saw it (after clipping)
};

// One row of a schedule: the model is evaluated at `timestep` and the step moves the sample from
// noise level ᾱ_from to ᾱ_to. Forward: from = ᾱ[t], to = ᾱ[t − stride] (final ᾱ below 0).
// Inverse: from = ᾱ[min(t − stride, T−1)] (initial ᾱ below 0), to = ᾱ[t].
struct ScheduleRow {
    std::int64_t timestep = 0;
    std::int64_t fromTimestep = 0;  // < 0 means the clean end (final/initial ᾱ)
    std::int64_t toTimestep = 0;    // < 0 means the clean end
    double alphaFrom = 0;
    double alphaTo = 0;
};

class DdimScheduler {
public:
    explicit DdimScheduler(SchedulerConfig config = {});
    // Reads scheduler_config.json from a model folder (see SchedulerConfig::locate).
    static DdimScheduler fromModel(const std::filesystem::path& dirOrFile);

    const SchedulerConfig& config() const { return m_config; }
    std::int64_t numTrainTimesteps() const { return m_config.numTrainTimesteps; }

    // ᾱ for every train timestep, in the dtype diffusers keeps it in (float32 for DDIM, float64
    // for CogVideoX's scaled_linear), widened exactly to double.
    const std::vector<double>& alphasCumprod() const { return m_alphasCumprod; }
    // ᾱ used past the clean end: forward `final_alpha_cumprod` = inverse `initial_alpha_cumprod`.
    double finalAlphaCumprod() const { return m_finalAlphaCumprod; }
    // ᾱ_t, or the final value for t < 0. Throws InvalidArgument for t >= numTrainTimesteps.
    double alphaCumprodAt(std::int64_t t) const;

    // numTrainTimesteps // numSteps: the stride every step uses (whatever the spacing).
    std::int64_t stride(int numSteps) const;
    // Forward timesteps, noisiest first. Throws InvalidArgument for numSteps outside
    // [1, numTrainTimesteps].
    std::vector<std::int64_t> timesteps(int numSteps) const;
    // Inversion timesteps, least noisy first (DDIMInverseScheduler.set_timesteps; linspace
    // spacing, which that class refuses, inverts the forward linspace schedule).
    std::vector<std::int64_t> inverseTimesteps(int numSteps) const;
    std::vector<ScheduleRow> table(int numSteps, bool inverse) const;

    // x_t → x_{t−stride}. `noise` is used only when eta > 0 (diffusers' variance_noise) and must
    // then be given. CogVideoX's step has no η: eta > 0 throws InvalidArgument.
    StepOutput step(const at::Tensor& modelOutput,
                    std::int64_t timestep,
                    int numSteps,
                    const at::Tensor& sample,
                    double eta = 0.0,
                    const at::Tensor& noise = {}) const;
    // x_{t−stride} → x_t (the model was evaluated on `sample` at the target `timestep`).
    StepOutput inverseStep(const at::Tensor& modelOutput,
                           std::int64_t timestep,
                           int numSteps,
                           const at::Tensor& sample) const;

    // q(x_t | x_0): √ᾱ_t·x0 + √(1−ᾱ_t)·noise, one timestep per batch item.
    at::Tensor addNoise(const at::Tensor& x0,
                        const at::Tensor& noise,
                        const std::vector<std::int64_t>& timesteps) const;
    // The training target for the config's prediction type (ε, v = √ᾱ·ε − √(1−ᾱ)·x0, or x0).
    at::Tensor trainingTarget(const at::Tensor& x0,
                              const at::Tensor& noise,
                              const std::vector<std::int64_t>& timesteps) const;

private:
    struct Prediction {
        at::Tensor x0;
        at::Tensor eps;
    };
    // ε̂ is computed only when `needEps` (CogVideoX's step does without it).
    Prediction predict(const at::Tensor& modelOutput,
                       const at::Tensor& sample,
                       double alphaProd,
                       bool needEps = true) const;
    void checkTimestep(std::int64_t t, const char* what) const;
    struct NoiseLevels {
        at::Tensor sqrtAlpha, sqrtOneMinusAlpha;  // (B, 1, …) in x0's dtype and device
    };
    NoiseLevels noiseLevels(const at::Tensor& x0,
                            const at::Tensor& noise,
                            const std::vector<std::int64_t>& timesteps,
                            const char* what) const;
    // Rounds a step coefficient to the table's precision. diffusers computes the coefficients
    // as 0-dim tensors of the table's dtype (float32 for DDIM), and at small ᾱ (x̂0 divides by
    // √ᾱ) a coefficient one float32 ulp away moves x̂0 by ~1e-5, so we round after each
    // operation as float32 arithmetic would (double has enough bits for that to be exact).
    double rd(double v) const { return m_singlePrecision ? double(float(v)) : v; }

    SchedulerConfig m_config;
    std::vector<double> m_alphasCumprod;
    double m_finalAlphaCumprod = 1.0;
    bool m_singlePrecision = true;
};

}  // namespace mp::sampling
