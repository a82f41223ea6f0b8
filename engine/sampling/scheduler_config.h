#pragma once
// A diffusers scheduler_config.json, read into the options DDIM sampling and inversion need.
// Torch-free. Keys are read with the defaults of the class that will run them (see kind), so a
// key left out of the file means what it means in diffusers' from_config. Keys we do not use are
// kept (raw json) and listed (unknownKeys) so that a user sees what was ignored.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mp::sampling {

enum class BetaSchedule { Linear, ScaledLinear, SquaredCosCapV2, Trained };
enum class PredictionType { Epsilon, VPrediction, Sample };
enum class TimestepSpacing { Leading, Trailing, Linspace };

// How the ᾱ table is built and how a forward step is written.
//   Ddim:          diffusers DDIMScheduler / DDIMInverseScheduler (float32 table; zero terminal SNR
//                  rescales the betas).
//   CogVideoXDdim: CogVideoXDDIMScheduler (scaled_linear betas in float64, ᾱ shifted by
//                  snr_shift_scale, zero terminal SNR rescales ᾱ itself; step x' = a·x + b·x̂0).
enum class SchedulerKind { Ddim, CogVideoXDdim };

const char* toString(BetaSchedule v);
const char* toString(PredictionType v);
const char* toString(TimestepSpacing v);
const char* toString(SchedulerKind v);

struct SchedulerConfig {
    std::string className = "DDIMScheduler";  // "_class_name" as written in the file
    SchedulerKind kind = SchedulerKind::Ddim;
    std::int64_t numTrainTimesteps = 1000;
    double betaStart = 0.0001;
    double betaEnd = 0.02;
    BetaSchedule betaSchedule = BetaSchedule::Linear;
    std::vector<double> trainedBetas;  // only for BetaSchedule::Trained
    PredictionType predictionType = PredictionType::Epsilon;
    bool clipSample = true;
    double clipSampleRange = 1.0;
    bool setAlphaToOne = true;
    std::int64_t stepsOffset = 0;
    TimestepSpacing timestepSpacing = TimestepSpacing::Leading;
    bool rescaleBetasZeroSnr = false;
    double snrShiftScale = 1.0;  // CogVideoXDdim only (class default 3.0 when the key is absent)

    std::string source;                    // file the config came from ("" for built-in defaults)
    nlohmann::json raw;                    // the whole file, unknown keys included
    std::vector<std::string> unknownKeys;  // keys read by no option above
    std::vector<std::string> notes;        // e.g. "PNDMScheduler is run as DDIM on its ᾱ table"

    // Defaults of the diffusers class that `kind` stands for.
    static SchedulerConfig defaults(SchedulerKind kind);
    // Throws EngineError{NotFound|Config|Unsupported} naming the file and key.
    static SchedulerConfig fromFile(const std::filesystem::path& path);
    static SchedulerConfig parse(std::string_view text, const std::string& label);
    // A model folder: <dir>/scheduler/scheduler_config.json (pipeline layout), or
    // <dir>/scheduler_config.json, or `dir` itself if it is a json file.
    static std::filesystem::path locate(const std::filesystem::path& dirOrFile);

    std::string toString() const;
};

}  // namespace mp::sampling
