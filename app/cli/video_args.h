#pragma once
// Options shared by the video commands (video-info, video-to-tensor, tensor-to-video, compose,
// video-convert): frame selection, size and fit, encoder settings. Built only with FFmpeg.

#include "cli_args.h"

#include "video/video_io.h"

#include <string>
#include <vector>

namespace mp::cli {

// --sequence-fps --allow-partial: how the source is read (video-info takes only these)
std::vector<OptionSpec> sourceOptionSpecs();
// the source options plus --frames --select --size --fit --filter --no-rotate --no-aspect
// --from --to --seek --deinterlace --background
std::vector<OptionSpec> decodeOptionSpecs();
// --fps --quality --codec
std::vector<OptionSpec> encodeOptionSpecs();

// Throw UsageError (exit 2) on malformed values.
video::DecodeOptions sourceOptionsFrom(const ParsedArgs& args);
video::DecodeOptions decodeOptionsFrom(const ParsedArgs& args);
video::EncodeOptions encodeOptionsFrom(const ParsedArgs& args);
// "black", "white", "gray" or "#RRGGBB" (the '#' optional); throws UsageError naming the option.
video::Background parseBackground(const std::string& option, const std::string& text);
// "WxH" -> {W, H}; throws UsageError naming the option.
std::pair<int, int> parseSize(const std::string& option, const std::string& text);

// "wrote OUT: N frames WxH at F fps (codec, pixel format)" plus `extra` before the frame count.
void printEncodeReport(const video::EncodeReport& report, const std::string& extra = {});

// Text shared by the commands' help.
extern const char* const kSelectHelp;
extern const char* const kOutputHelp;

}  // namespace mp::cli
