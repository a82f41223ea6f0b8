#pragma once
// FFmpeg sub-target: only this folder includes FFmpeg, so an engine-only build needs no FFmpeg.

#include <string>

namespace mp::video {

// "libavformat 59.27.100, libavcodec 59.37.100, libswscale 6.7.100, libavutil 57.28.100"
std::string backendVersions();

}  // namespace mp::video
