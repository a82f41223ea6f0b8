#pragma once
// Per-timestep choices as data, read by the one denoise loop: which prompt embedding a step uses
// and which adapter scale it hands the model (ModelInput::adapterScale). Torch-free.
//
// Boundary rule (both schedules): a step belongs to the timestep the model is evaluated at. In
// the forward direction that is the step's own (noisier) timestep t, which moves x_t to
// x_{t−stride}; in inversion it is the target timestep. Windows are closed on both ends.
//   ConditionSchedule::window(inside, outside, τ_start, τ_end): `inside` when
//     τ_end ≤ t ≤ τ_start, else `outside` — the paper's c''_t = c' for t ∈ [τ_end, τ_start].
//   AdapterSchedule::from(τ): scale 1 when t ≥ τ, else 0 — the paper's gate for an adapter on
//     the motion-dominant (early, noisy) timesteps. τ = 0 applies it everywhere; τ = T (1000)
//     nowhere. No model applies an adapter yet; the ModelFn receives the scale.

#include <cstdint>
#include <string>
#include <vector>

namespace mp::sampling {

class ConditionSchedule {
public:
    // Every timestep uses condition `index`.
    static ConditionSchedule constant(int index = 0);
    // `inside` for τ_end ≤ t ≤ τ_start, `outside` elsewhere. Throws InvalidArgument if
    // τ_end > τ_start or an index is negative.
    static ConditionSchedule window(int inside, int outside, double tauStart, double tauEnd);

    int conditionAt(std::int64_t timestep) const;
    // Largest index used (to check it against the conditions a caller passes).
    int maxIndex() const;
    // "c1 for 0 ≤ t ≤ 600, else c0"
    std::string describe() const;

private:
    struct Window {
        double lo, hi;
        int index;
    };
    int m_default = 0;
    std::vector<Window> m_windows;  // first match wins
};

class AdapterSchedule {
public:
    // No adapter at any timestep.
    static AdapterSchedule none();
    static AdapterSchedule constant(double scale);
    // `scale` for t ≥ τ, 0 below.
    static AdapterSchedule from(double tau, double scale = 1.0);

    double scaleAt(std::int64_t timestep) const;
    std::string describe() const;

private:
    double m_threshold = 0.0;
    double m_above = 0.0;  // scale for t ≥ threshold
    double m_below = 0.0;  // scale for t < threshold
};

// Classifier-free guidance. Off when scale ≤ 1 (as diffusers: do_classifier_free_guidance is
// guidance_scale > 1). With `dynamic` (CogVideoX's use_dynamic_cfg) the scale at raw timestep t
// of an N-step run is 1 + g·(1 − cos(π·((N − t)/N)^5))/2.
struct Guidance {
    double scale = 1.0;
    bool dynamic = false;

    bool enabled() const { return scale > 1.0; }
    double scaleAt(std::int64_t timestep, int numSteps) const;
};

}  // namespace mp::sampling
