#include "sampling/scheduler_config.h"

#include "core/error.h"
#include "io/config.h"
#include "io/json_util.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

namespace mp::sampling {

namespace {

// Classes whose config describes the same discrete-time ᾱ table as DDIMScheduler. We sample
// them with DDIM because the method rests on DDIM inversion; the note says so.
constexpr std::array kDdimCompatible = {
    "DDPMScheduler",
    "PNDMScheduler",
    "DPMSolverMultistepScheduler",
    "DPMSolverSinglestepScheduler",
    "EulerDiscreteScheduler",
    "EulerAncestralDiscreteScheduler",
    "LMSDiscreteScheduler",
    "HeunDiscreteScheduler",
    "KDPM2DiscreteScheduler",
    "KDPM2AncestralDiscreteScheduler",
    "UniPCMultistepScheduler",
    "DEISMultistepScheduler",
    "DDIMParallelScheduler",
    "DDPMParallelScheduler",
};

template <class Enum, std::size_t N>
Enum readEnum(const JsonConfig& json,
              std::string_view key,
              Enum fallback,
              const std::array<std::pair<const char*, Enum>, N>& names) {
    if (json.isNull(key)) {
        json.raw(key);  // mark read
        return fallback;
    }
    const std::string value = json.requireString(key);
    for (const auto& [name, e] : names)
        if (value == name)
            return e;
    std::string expected;
    for (const auto& [name, e] : names)
        expected += (expected.empty() ? "" : ", ") + std::string(name);
    json.fail(key, "expected one of " + expected + ", got '" + printable(value) + "'");
}

SchedulerKind kindForClass(const std::string& className,
                           std::vector<std::string>& notes,
                           const std::string& label) {
    if (className == "DDIMScheduler" || className == "DDIMInverseScheduler")
        return SchedulerKind::Ddim;
    if (className == "CogVideoXDDIMScheduler")
        return SchedulerKind::CogVideoXDdim;
    if (className == "CogVideoXDPMScheduler") {
        notes.push_back(className +
                        " is run as CogVideoXDDIMScheduler on the same ᾱ table (DDIM inversion "
                        "needs DDIM)");
        return SchedulerKind::CogVideoXDdim;
    }
    if (std::find(kDdimCompatible.begin(), kDdimCompatible.end(), className) !=
        kDdimCompatible.end()) {
        notes.push_back(className +
                        " is run as DDIMScheduler on the same ᾱ table (DDIM inversion needs DDIM); "
                        "options DDIM lacks are listed as unknown keys");
        return SchedulerKind::Ddim;
    }
    if (className.find("FlowMatch") != std::string::npos)
        throw EngineError(ErrorCode::Unsupported,
                          label + ": " + printable(className) +
                              " is a flow-matching scheduler; DDIM sampling and inversion need a "
                              "discrete ᾱ table (DDIMScheduler, CogVideoXDDIMScheduler, ...)");
    throw EngineError(ErrorCode::Unsupported,
                      label + ": key '_class_name' names " + printable(className) +
                          ", which is not a scheduler this build knows (expected DDIMScheduler, "
                          "CogVideoXDDIMScheduler or another diffusers discrete-time scheduler)");
}

SchedulerConfig fromJson(const JsonConfig& json) {
    std::vector<std::string> notes;
    std::string className;
    if (json.isNull("_class_name")) {
        className = "DDIMScheduler";
        notes.push_back("no '_class_name': read as DDIMScheduler");
    } else {
        className = json.requireString("_class_name");
    }
    SchedulerConfig c = SchedulerConfig::defaults(kindForClass(className, notes, json.label()));
    c.className = className;
    c.notes = std::move(notes);
    c.source = json.label();
    c.raw = json.json();

    c.numTrainTimesteps = json.getInt("num_train_timesteps", c.numTrainTimesteps);
    if (c.numTrainTimesteps < 2 || c.numTrainTimesteps > 100000)
        json.fail("num_train_timesteps",
                  "must be between 2 and 100000, got " + std::to_string(c.numTrainTimesteps));
    c.betaStart = json.getDouble("beta_start", c.betaStart);
    c.betaEnd = json.getDouble("beta_end", c.betaEnd);
    c.betaSchedule =
        readEnum<BetaSchedule, 3>(json, "beta_schedule", c.betaSchedule,
                                  {{{"linear", BetaSchedule::Linear},
                                    {"scaled_linear", BetaSchedule::ScaledLinear},
                                    {"squaredcos_cap_v2", BetaSchedule::SquaredCosCapV2}}});
    if (!json.isNull("trained_betas")) {
        const auto& list = json.raw("trained_betas");
        if (!list.is_array() || static_cast<std::int64_t>(list.size()) != c.numTrainTimesteps)
            json.fail("trained_betas", "expected a list of num_train_timesteps (" +
                                           std::to_string(c.numTrainTimesteps) + ") numbers");
        for (const auto& b : list) {
            if (!b.is_number() || !(b.get<double>() >= 0.0 && b.get<double>() < 1.0))
                json.fail("trained_betas", "expected numbers in [0, 1)");
            c.trainedBetas.push_back(b.get<double>());
        }
        c.betaSchedule = BetaSchedule::Trained;
    } else {
        json.raw("trained_betas");
        const bool rangeOk = c.betaStart > 0.0 && c.betaEnd < 1.0 && c.betaStart <= c.betaEnd;
        if (!rangeOk && c.betaSchedule != BetaSchedule::SquaredCosCapV2)
            json.fail("beta_start", "and beta_end must satisfy 0 < beta_start <= beta_end < 1");
    }
    c.predictionType = readEnum<PredictionType, 3>(json, "prediction_type", c.predictionType,
                                                   {{{"epsilon", PredictionType::Epsilon},
                                                     {"v_prediction", PredictionType::VPrediction},
                                                     {"sample", PredictionType::Sample}}});
    c.clipSample = json.getBool("clip_sample", c.clipSample);
    c.clipSampleRange = json.getDouble("clip_sample_range", c.clipSampleRange);
    if (!(c.clipSampleRange > 0.0))
        json.fail("clip_sample_range", "must be positive");
    c.setAlphaToOne = json.getBool("set_alpha_to_one", c.setAlphaToOne);
    c.stepsOffset = json.getInt("steps_offset", c.stepsOffset);
    if (c.stepsOffset < 0 || c.stepsOffset >= c.numTrainTimesteps)
        json.fail("steps_offset", "must be between 0 and num_train_timesteps - 1");
    c.timestepSpacing = readEnum<TimestepSpacing, 3>(json, "timestep_spacing", c.timestepSpacing,
                                                     {{{"leading", TimestepSpacing::Leading},
                                                       {"trailing", TimestepSpacing::Trailing},
                                                       {"linspace", TimestepSpacing::Linspace}}});
    c.rescaleBetasZeroSnr = json.getBool("rescale_betas_zero_snr", c.rescaleBetasZeroSnr);
    if (c.kind == SchedulerKind::CogVideoXDdim) {
        c.snrShiftScale = json.getDouble("snr_shift_scale", c.snrShiftScale);
        if (!(c.snrShiftScale > 0.0))
            json.fail("snr_shift_scale", "must be positive");
    }
    // Dynamic thresholding is for pixel-space models; none of our families uses it.
    if (json.getBool("thresholding", false))
        throw EngineError(ErrorCode::Unsupported,
                          json.label() +
                              ": key 'thresholding' is true; dynamic thresholding is not "
                              "supported (it is meant for pixel-space models)");
    json.raw("dynamic_thresholding_ratio");
    json.raw("sample_max_value");
    c.unknownKeys = json.unreadKeys();
    return c;
}

}  // namespace

const char* toString(BetaSchedule v) {
    switch (v) {
        case BetaSchedule::Linear:
            return "linear";
        case BetaSchedule::ScaledLinear:
            return "scaled_linear";
        case BetaSchedule::SquaredCosCapV2:
            return "squaredcos_cap_v2";
        case BetaSchedule::Trained:
            return "trained_betas";
    }
    return "?";
}

const char* toString(PredictionType v) {
    switch (v) {
        case PredictionType::Epsilon:
            return "epsilon";
        case PredictionType::VPrediction:
            return "v_prediction";
        case PredictionType::Sample:
            return "sample";
    }
    return "?";
}

const char* toString(TimestepSpacing v) {
    switch (v) {
        case TimestepSpacing::Leading:
            return "leading";
        case TimestepSpacing::Trailing:
            return "trailing";
        case TimestepSpacing::Linspace:
            return "linspace";
    }
    return "?";
}

const char* toString(SchedulerKind v) {
    return v == SchedulerKind::Ddim ? "ddim" : "cogvideox-ddim";
}

SchedulerConfig SchedulerConfig::defaults(SchedulerKind kind) {
    SchedulerConfig c;
    c.kind = kind;
    if (kind == SchedulerKind::CogVideoXDdim) {
        c.className = "CogVideoXDDIMScheduler";
        c.betaStart = 0.00085;
        c.betaEnd = 0.0120;
        c.betaSchedule = BetaSchedule::ScaledLinear;
        c.snrShiftScale = 3.0;
    }
    return c;
}

SchedulerConfig SchedulerConfig::fromFile(const std::filesystem::path& path) {
    return fromJson(JsonConfig::load(path));
}

SchedulerConfig SchedulerConfig::parse(std::string_view text, const std::string& label) {
    return fromJson(JsonConfig::parse(text, label));
}

std::filesystem::path SchedulerConfig::locate(const std::filesystem::path& dirOrFile) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_regular_file(dirOrFile, ec))
        return dirOrFile;
    if (!fs::is_directory(dirOrFile, ec))
        throw EngineError(ErrorCode::NotFound,
                          printable(dirOrFile.string()) + ": no such file or folder");
    for (const auto& candidate :
         {dirOrFile / "scheduler" / "scheduler_config.json", dirOrFile / "scheduler_config.json"})
        if (fs::is_regular_file(candidate, ec))
            return candidate;
    throw EngineError(ErrorCode::NotFound,
                      printable(dirOrFile.string()) +
                          ": no scheduler/scheduler_config.json (pipeline folder) and no "
                          "scheduler_config.json");
}

std::string SchedulerConfig::toString() const {
    std::ostringstream s;
    s << className << " (" << sampling::toString(kind) << "): " << numTrainTimesteps
      << " train steps, " << sampling::toString(betaSchedule);
    if (betaSchedule != BetaSchedule::Trained && betaSchedule != BetaSchedule::SquaredCosCapV2)
        s << " " << betaStart << "→" << betaEnd;
    s << ", " << sampling::toString(predictionType) << ", spacing "
      << sampling::toString(timestepSpacing) << ", steps_offset " << stepsOffset
      << ", set_alpha_to_one " << (setAlphaToOne ? "true" : "false") << ", clip_sample "
      << (clipSample ? "true" : "false");
    if (clipSample)
        s << " (±" << clipSampleRange << ")";
    if (rescaleBetasZeroSnr)
        s << ", zero terminal SNR";
    if (kind == SchedulerKind::CogVideoXDdim)
        s << ", snr_shift_scale " << snrShiftScale;
    return s.str();
}

}  // namespace mp::sampling
