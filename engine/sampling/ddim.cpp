#include "sampling/ddim.h"

#include "core/error.h"

#include <ATen/ATen.h>

#include <cfenv>
#include <cmath>
#include <string>

namespace mp::sampling {

namespace {

// numpy's round (half to even) under the default rounding mode.
std::int64_t roundHalfEven(double v) {
    return static_cast<std::int64_t>(std::nearbyint(v));
}

// diffusers' rescale_zero_terminal_snr on ᾱ: shift √ᾱ so the last entry is 0 and scale it so
// the first is unchanged.
at::Tensor zeroTerminalSnrOnAlphaBar(const at::Tensor& alphasCumprod) {
    auto s = alphasCumprod.sqrt();
    auto s0 = s[0].clone();
    auto sT = s[-1].clone();
    s = s - sT;
    s = s * (s0 / (s0 - sT));
    return s * s;
}

// The scheduling_ddim variant rescales the betas (through ᾱ and back).
at::Tensor zeroTerminalSnrOnBetas(const at::Tensor& betas) {
    auto alphaBar = zeroTerminalSnrOnAlphaBar(at::cumprod(1.0 - betas, 0));
    auto alphas =
        at::cat({alphaBar.slice(0, 0, 1), alphaBar.slice(0, 1) / alphaBar.slice(0, 0, -1)});
    return 1.0 - alphas;
}

// betas_for_alpha_bar with the cosine transform, as diffusers builds it in Python floats.
at::Tensor cosineBetas(std::int64_t n) {
    auto alphaBar = [](double t) {
        const double c = std::cos((t + 0.008) / 1.008 * M_PI / 2);
        return c * c;
    };
    std::vector<float> betas(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        const double t1 = double(i) / double(n), t2 = double(i + 1) / double(n);
        betas[static_cast<std::size_t>(i)] =
            static_cast<float>(std::min(1.0 - alphaBar(t2) / alphaBar(t1), 0.999));
    }
    return at::tensor(betas, at::kFloat);
}

at::Tensor buildAlphasCumprod(const SchedulerConfig& c) {
    const bool cog = c.kind == SchedulerKind::CogVideoXDdim;
    at::Tensor betas;
    switch (c.betaSchedule) {
        case BetaSchedule::Trained: {
            std::vector<float> b(c.trainedBetas.begin(), c.trainedBetas.end());
            betas = at::tensor(b, at::kFloat);
            break;
        }
        case BetaSchedule::Linear:
            betas = at::linspace(c.betaStart, c.betaEnd, c.numTrainTimesteps, at::kFloat);
            break;
        case BetaSchedule::ScaledLinear: {
            // CogVideoX builds this one table in float64; DDIM in float32.
            auto lin = at::linspace(std::sqrt(c.betaStart), std::sqrt(c.betaEnd),
                                    c.numTrainTimesteps, cog ? at::kDouble : at::kFloat);
            betas = lin * lin;
            break;
        }
        case BetaSchedule::SquaredCosCapV2:
            betas = cosineBetas(c.numTrainTimesteps);
            break;
    }
    if (!cog && c.rescaleBetasZeroSnr)
        betas = zeroTerminalSnrOnBetas(betas);
    auto alphasCumprod = at::cumprod(1.0 - betas, 0);
    if (cog) {
        const double s = c.snrShiftScale;
        alphasCumprod = alphasCumprod / (s + (1.0 - s) * alphasCumprod);
        if (c.rescaleBetasZeroSnr)
            alphasCumprod = zeroTerminalSnrOnAlphaBar(alphasCumprod);
    }
    return alphasCumprod;
}

constexpr std::string_view kCogVideoXClipNote =
    "clip_sample applies to inversion only: CogVideoXDDIMScheduler's step never clips x̂0";

constexpr std::string_view kZeroSnrEpsilonNote =
    "ᾱ reaches 0 at the last train timestep and prediction_type is epsilon: x̂0 = (x − √(1−ᾱ)ε)/√ᾱ "
    "is undefined there (diffusers gives inf/NaN too); zero terminal SNR needs v_prediction";

std::string stepsText(int numSteps) {
    return std::to_string(numSteps) + (numSteps == 1 ? " step" : " steps");
}

}  // namespace

DdimScheduler::DdimScheduler(SchedulerConfig config) : m_config(std::move(config)) {
    const auto built = buildAlphasCumprod(m_config);
    auto table = built.to(at::kDouble).contiguous();
    const double* p = table.data_ptr<double>();
    m_alphasCumprod.assign(p, p + table.numel());
    m_singlePrecision = built.scalar_type() == at::kFloat;
    for (std::size_t i = 0; i < m_alphasCumprod.size(); ++i)
        if (!std::isfinite(m_alphasCumprod[i]) || m_alphasCumprod[i] < 0.0 ||
            m_alphasCumprod[i] > 1.0)
            throw EngineError(
                ErrorCode::Config,
                (m_config.source.empty() ? std::string("scheduler config") : m_config.source) +
                    ": the betas give ᾱ[" + std::to_string(i) +
                    "] = " + std::to_string(m_alphasCumprod[i]) + ", outside [0, 1]");
    // diffusers: torch.tensor(1.0) or alphas_cumprod[0].
    m_finalAlphaCumprod = m_config.setAlphaToOne ? 1.0 : m_alphasCumprod.front();
    if (m_alphasCumprod.back() == 0.0 && m_config.predictionType == PredictionType::Epsilon)
        m_config.notes.emplace_back(kZeroSnrEpsilonNote);
    if (m_config.kind == SchedulerKind::CogVideoXDdim && m_config.clipSample)
        m_config.notes.emplace_back(kCogVideoXClipNote);
}

DdimScheduler DdimScheduler::fromModel(const std::filesystem::path& dirOrFile) {
    return DdimScheduler(SchedulerConfig::fromFile(SchedulerConfig::locate(dirOrFile)));
}

void DdimScheduler::checkTimestep(std::int64_t t, const char* what) const {
    if (t < 0 || t >= m_config.numTrainTimesteps)
        throw EngineError(ErrorCode::InvalidArgument,
                          std::string(what) + " timestep " + std::to_string(t) +
                              " is outside the scheduler's table [0, " +
                              std::to_string(m_config.numTrainTimesteps - 1) + "]");
}

double DdimScheduler::alphaCumprodAt(std::int64_t t) const {
    if (t < 0)
        return m_finalAlphaCumprod;
    checkTimestep(t, "ᾱ lookup:");
    return m_alphasCumprod[static_cast<std::size_t>(t)];
}

std::int64_t DdimScheduler::stride(int numSteps) const {
    if (numSteps < 1 || numSteps > m_config.numTrainTimesteps)
        throw EngineError(ErrorCode::InvalidArgument,
                          "number of inference steps must be between 1 and " +
                              std::to_string(m_config.numTrainTimesteps) +
                              " (num_train_timesteps), got " + std::to_string(numSteps));
    return m_config.numTrainTimesteps / numSteps;
}

std::vector<std::int64_t> DdimScheduler::timesteps(int numSteps) const {
    const std::int64_t ratio = stride(numSteps);
    const std::int64_t T = m_config.numTrainTimesteps;
    std::vector<std::int64_t> ts;
    switch (m_config.timestepSpacing) {
        case TimestepSpacing::Leading:
            for (std::int64_t i = numSteps - 1; i >= 0; --i)
                ts.push_back(i * ratio + m_config.stepsOffset);
            break;
        case TimestepSpacing::Trailing: {
            // np.round(np.arange(T, 0, -T/N)) - 1, with numpy's arange arithmetic: the length is
            // ceil(-T/delta) and element i is T + i·(a1 − T), a1 = T + delta.
            const double delta = -double(T) / double(numSteps);
            const auto count = static_cast<std::int64_t>(std::ceil((0.0 - double(T)) / delta));
            const double d = (double(T) + delta) - double(T);
            for (std::int64_t i = 0; i < count; ++i)
                ts.push_back(roundHalfEven(double(T) + double(i) * d) - 1);
            break;
        }
        case TimestepSpacing::Linspace: {
            // np.linspace(0, T-1, N).round()[::-1]; the last element is exactly T-1.
            std::vector<std::int64_t> up;
            if (numSteps == 1) {
                up.push_back(0);
            } else {
                const double step = double(T - 1) / double(numSteps - 1);
                for (int i = 0; i < numSteps - 1; ++i)
                    up.push_back(roundHalfEven(double(i) * step));
                up.push_back(T - 1);
            }
            ts.assign(up.rbegin(), up.rend());
            break;
        }
    }
    for (auto t : ts)
        if (t < 0 || t >= T)
            throw EngineError(ErrorCode::InvalidArgument,
                              stepsText(numSteps) + " with " + toString(m_config.timestepSpacing) +
                                  " spacing and steps_offset " +
                                  std::to_string(m_config.stepsOffset) + " give timestep " +
                                  std::to_string(t) + ", outside the table [0, " +
                                  std::to_string(T - 1) + "]");
    return ts;
}

std::vector<std::int64_t> DdimScheduler::inverseTimesteps(int numSteps) const {
    // leading: arange(N)·ratio + offset; trailing: the forward trailing list reversed. Both are
    // the forward list reversed, which is also how linspace inverts.
    auto ts = timesteps(numSteps);
    return {ts.rbegin(), ts.rend()};
}

std::vector<ScheduleRow> DdimScheduler::table(int numSteps, bool inverse) const {
    const std::int64_t ratio = stride(numSteps);
    std::vector<ScheduleRow> rows;
    for (auto t : inverse ? inverseTimesteps(numSteps) : timesteps(numSteps)) {
        ScheduleRow r;
        r.timestep = t;
        if (inverse) {
            r.fromTimestep = std::min(t - ratio, m_config.numTrainTimesteps - 1);
            r.toTimestep = t;
        } else {
            r.fromTimestep = t;
            r.toTimestep = t - ratio;
        }
        r.fromTimestep = std::max<std::int64_t>(r.fromTimestep, -1);
        r.toTimestep = std::max<std::int64_t>(r.toTimestep, -1);
        r.alphaFrom = alphaCumprodAt(r.fromTimestep);
        r.alphaTo = alphaCumprodAt(r.toTimestep);
        rows.push_back(r);
    }
    return rows;
}

DdimScheduler::Prediction DdimScheduler::predict(const at::Tensor& modelOutput,
                                                 const at::Tensor& sample,
                                                 double alphaProd,
                                                 bool needEps) const {
    if (!modelOutput.defined() || !sample.defined() || modelOutput.sizes() != sample.sizes())
        throw EngineError(ErrorCode::InvalidArgument,
                          "scheduler step: the model output and the sample must have the same "
                          "shape");
    const double sa = rd(std::sqrt(alphaProd)), sb = rd(std::sqrt(rd(1.0 - alphaProd)));
    Prediction p;
    switch (m_config.predictionType) {
        case PredictionType::Epsilon:
            p.x0 = (sample - modelOutput * sb) / sa;
            p.eps = modelOutput;
            break;
        case PredictionType::Sample:
            p.x0 = modelOutput;
            if (needEps)
                p.eps = (sample - p.x0 * sa) / sb;
            break;
        case PredictionType::VPrediction:
            p.x0 = sample * sa - modelOutput * sb;
            if (needEps)
                p.eps = modelOutput * sa + sample * sb;
            break;
    }
    return p;
}

StepOutput DdimScheduler::step(const at::Tensor& modelOutput,
                               std::int64_t timestep,
                               int numSteps,
                               const at::Tensor& sample,
                               double eta,
                               const at::Tensor& noise) const {
    checkTimestep(timestep, "DDIM step:");
    const std::int64_t prev = timestep - stride(numSteps);
    const double aT = m_alphasCumprod[static_cast<std::size_t>(timestep)];
    const double aP = alphaCumprodAt(prev);
    if (eta < 0.0 || !std::isfinite(eta))
        throw EngineError(ErrorCode::InvalidArgument, "DDIM step: eta must be >= 0");

    if (m_config.kind == SchedulerKind::CogVideoXDdim) {
        if (eta > 0.0)
            throw EngineError(ErrorCode::InvalidArgument,
                              "CogVideoXDDIMScheduler has no eta (its step is deterministic); "
                              "use eta 0");
        // Written as diffusers does, so that ᾱ_t = 0 (zero terminal SNR) stays finite.
        auto p = predict(modelOutput, sample, aT, /*needEps=*/false);
        const double a = rd(std::sqrt(rd(rd(1.0 - aP) / rd(1.0 - aT))));
        const double b = rd(rd(std::sqrt(aP)) - rd(rd(std::sqrt(aT)) * a));
        return {sample * a + p.x0 * b, p.x0};
    }

    auto p = predict(modelOutput, sample, aT);
    if (m_config.clipSample)
        p.x0 = p.x0.clamp(-m_config.clipSampleRange, m_config.clipSampleRange);
    const double variance = rd(rd(rd(1.0 - aP) / rd(1.0 - aT)) * rd(1.0 - rd(aT / aP)));
    const double stdDev = rd(rd(eta) * rd(std::sqrt(variance)));
    auto direction = p.eps * rd(std::sqrt(rd(rd(1.0 - aP) - rd(stdDev * stdDev))));
    auto prevSample = p.x0 * rd(std::sqrt(aP)) + direction;
    if (eta > 0.0) {
        if (!noise.defined() || noise.sizes() != sample.sizes())
            throw EngineError(ErrorCode::InvalidArgument,
                              "DDIM step: eta > 0 needs a noise tensor shaped like the sample");
        prevSample = prevSample + noise * stdDev;
    }
    return {prevSample, p.x0};
}

StepOutput DdimScheduler::inverseStep(const at::Tensor& modelOutput,
                                      std::int64_t timestep,
                                      int numSteps,
                                      const at::Tensor& sample) const {
    checkTimestep(timestep, "DDIM inverse step:");
    const std::int64_t source = std::min(timestep - stride(numSteps), numTrainTimesteps() - 1);
    const double aS = alphaCumprodAt(source);
    const double aT = m_alphasCumprod[static_cast<std::size_t>(timestep)];
    auto p = predict(modelOutput, sample, aS);
    if (m_config.clipSample)  // DDIMInverseScheduler clips for every table
        p.x0 = p.x0.clamp(-m_config.clipSampleRange, m_config.clipSampleRange);
    auto direction = p.eps * rd(std::sqrt(rd(1.0 - aT)));
    return {p.x0 * rd(std::sqrt(aT)) + direction, p.x0};
}

DdimScheduler::NoiseLevels DdimScheduler::noiseLevels(const at::Tensor& x0,
                                                      const at::Tensor& noise,
                                                      const std::vector<std::int64_t>& timesteps,
                                                      const char* what) const {
    if (x0.dim() < 1 || static_cast<std::size_t>(x0.size(0)) != timesteps.size() ||
        noise.sizes() != x0.sizes())
        throw EngineError(
            ErrorCode::InvalidArgument,
            std::string(what) + ": need one timestep per batch item and noise shaped like x0");
    std::vector<double> sa, sb;
    for (auto t : timesteps) {
        checkTimestep(t, what);
        sa.push_back(std::sqrt(m_alphasCumprod[static_cast<std::size_t>(t)]));
        sb.push_back(std::sqrt(1.0 - m_alphasCumprod[static_cast<std::size_t>(t)]));
    }
    // One value per batch item, broadcast over the other dimensions.
    std::vector<std::int64_t> shape(static_cast<std::size_t>(x0.dim()), 1);
    shape[0] = static_cast<std::int64_t>(timesteps.size());
    auto column = [&](const std::vector<double>& v) {
        return at::tensor(v, at::kDouble).to(x0.options()).reshape(shape);
    };
    return {column(sa), column(sb)};
}

at::Tensor DdimScheduler::addNoise(const at::Tensor& x0,
                                   const at::Tensor& noise,
                                   const std::vector<std::int64_t>& timesteps) const {
    const auto [sa, sb] = noiseLevels(x0, noise, timesteps, "addNoise");
    return sa * x0 + sb * noise;
}

at::Tensor DdimScheduler::trainingTarget(const at::Tensor& x0,
                                         const at::Tensor& noise,
                                         const std::vector<std::int64_t>& timesteps) const {
    const auto [sa, sb] = noiseLevels(x0, noise, timesteps, "trainingTarget");
    switch (m_config.predictionType) {
        case PredictionType::Epsilon:
            return noise;
        case PredictionType::Sample:
            return x0;
        case PredictionType::VPrediction:
            return sa * noise - sb * x0;
    }
    return noise;
}

}  // namespace mp::sampling
