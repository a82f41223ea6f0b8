#pragma once
// Small previews of a video for the GUI: N frames spread over the whole video at a small size,
// read by seeking to keyframes (the uniform selection's path) and scaled straight from the
// decoder's pixels. Torch-free, Qt-free and FFmpeg-free; safe to call on a worker thread, and
// the JobContext's cancel token stops it between frames.

#include "core/job.h"
#include "video/clip.h"

#include <filesystem>

namespace mp::video {

struct ThumbnailOptions {
    int count = 8;  // frames, spread evenly in time from the first to the last
    // Each frame fits inside maxWidth x maxHeight with its display aspect ratio kept (after
    // rotation and sample aspect), and is never enlarged.
    int maxWidth = 160;
    int maxHeight = 160;
};

// A clip of `count` frames (fewer if the video has fewer), in display orientation. A folder of
// frames works too. Errors as decodeVideo(); cancel gives ErrorCode::Cancelled.
Result<Clip> decodeThumbnails(const std::filesystem::path& path,
                              const ThumbnailOptions& options = {},
                              const JobContext& job = {});

}  // namespace mp::video
