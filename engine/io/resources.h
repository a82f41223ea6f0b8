#pragma once
// Where the files MotionProbe ships (resources/: the toy world's models, examples) are found at
// run time, in this order: $MOTIONPROBE_RESOURCES; ../share/motionprobe/resources beside the
// executable (an install); the source tree the build came from (a build folder). Torch-free.

#include <filesystem>
#include <string>
#include <vector>

namespace mp {

// Every folder searched, in order (the ones that do not exist included, for error messages).
std::vector<std::filesystem::path> resourceSearchPath();

// The first folder of the search path holding `relative`; throws EngineError{NotFound} naming
// every place searched when none does.
std::filesystem::path findResource(const std::filesystem::path& relative);

// The embedded default model: the toy world's TextToVideoSDPipeline folder, and its CLIP scorer.
inline constexpr const char* kToyPipelineResource = "models/toy/t2v";
inline constexpr const char* kToyClipResource = "models/toy/clip";

}  // namespace mp
