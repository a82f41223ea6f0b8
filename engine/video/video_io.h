#pragma once
// Video files and frame folders <-> Clip, through FFmpeg's libraries (never the ffmpeg program).
// Torch-free and FFmpeg-free header: only engine/video/*.cpp include FFmpeg.
//
// Reads any container/codec the installed FFmpeg reads, plus folders of .jpg/.jpeg/.png/.bmp
// frames in natural order. Writes .mp4/.mov (H.264 via libx264, else MPEG-4 part 2), .webm (VP9,
// else VP8), .mkv (FFV1, lossless), .gif (own median-cut palette) and PNG frame folders, always
// atomically. docs/video.md describes every option and error.

#include "core/job.h"
#include "video/clip.h"
#include "video/frame_select.h"

#include <filesystem>
#include <string>
#include <vector>

namespace mp::video {

// Whether uniform, fps:F and time-range selections seek to keyframes (reading only what the
// wanted frames need) or read the whole stream. Auto seeks in files long enough for it to pay
// (docs/video.md).
enum class SeekMode { Auto, Always, Never };

// Interlaced sources. Auto, as players do: every frame of a stream whose field order says
// interlaced (tt, bb, tb, bt), else the frames the decoder flags interlaced; On: every frame;
// Off: frames as decoded, both fields woven into one picture.
enum class DeinterlaceMode { Auto, Off, On };

// The colour a picture with an alpha channel is composited over (straight alpha, in the stored
// sRGB values): out = (colour * a + background * (255 - a)) / 255.
struct Background {
    std::uint8_t r = 0;
    std::uint8_t g = 0;
    std::uint8_t b = 0;
    bool operator==(const Background&) const = default;
};

struct DecodeOptions {
    FrameSelection select;
    // Target size; 0 x 0 keeps the source size (after rotation). Both or neither must be set.
    int width = 0;
    int height = 0;
    FitMode fit = FitMode::Crop;
    image::ResampleFilter filter = image::ResampleFilter::Bicubic;
    double sequenceFps =
        kDefaultFps;  // frame rate given to image-sequence folders (they carry none)
    // Show frames as players do: turn and mirror by the display matrix (or the legacy `rotate`
    // tag), and stretch non-square pixels to the display size.
    bool applyRotation = true;
    bool applyAspect = true;
    SeekMode seek = SeekMode::Auto;
    DeinterlaceMode deinterlace = DeinterlaceMode::Auto;
    // Black by default: what a player shows around and behind a picture when it draws no
    // checkerboard, and what FFmpeg gives for transparent pixels stored as zeros
    // (docs/video.md). Transparent areas never show colours their author hid.
    Background background;
    // probeVideo only: decode every frame for an exact count (and to find damage anywhere).
    // Without it the count comes from the container and only the start and end are read.
    bool countFrames = false;
    // A stream that breaks off mid-file is an error by default (saying how many frames decode);
    // with allowPartial the frames before the break are kept and SourceInfo::partial is set.
    bool allowPartial = false;
};

// Container-level facts. The frame count is exact with countFrames (a decoding pass, no colour
// conversion); otherwise it is the container's (source.frameCountEstimated says when it is
// duration x rate).
struct VideoInfo {
    SourceInfo source;  // frameIndices/timestamps empty
    int width = 0;      // display size: after the sample aspect ratio and the rotation
    int height = 0;
    std::int64_t bitRate = 0;
};

// Missing path -> NotFound; unreadable/not a video/no video stream/zero frames/corrupt -> Format;
// no decoder or an unconvertible pixel format -> Unsupported; too few frames -> InvalidArgument.
// Progress: stage "decode", step = source frames read (total 0 while unknown).
Result<VideoInfo> probeVideo(const std::filesystem::path& path,
                             const DecodeOptions& options = {},
                             const JobContext& job = {});
Result<Clip> decodeVideo(const std::filesystem::path& path,
                         const DecodeOptions& options = {},
                         const JobContext& job = {});

enum class OutputKind { Mp4, Mov, Webm, Mkv, Gif, PngFolder };

// From the name: .mp4/.m4v, .mov, .webm, .mkv, .gif; a trailing '/' or no extension is a PNG
// folder. Throws EngineError{InvalidArgument} for anything else.
OutputKind outputKindFor(const std::filesystem::path& path);
const char* outputKindName(OutputKind kind);

struct EncodeOptions {
    double fps = 0;    // 0: the clip's fps, or kDefaultFps when it has none
    int quality = 70;  // 0..100, higher is better; per-codec mapping in docs/video.md
    // Encoder override (an FFmpeg encoder name valid for the container), e.g. "mpeg4",
    // "libx264rgb" (lossless RGB at quality 100), "libvpx", "png" (in .mov/.mkv).
    std::string codec;
    // Display-matrix rotation written on the stream: players (and decodeVideo) turn the frames
    // this many degrees clockwise. 0/90/180/270.
    int displayRotation = 0;
};

struct EncodeReport {
    std::filesystem::path path;
    OutputKind kind = OutputKind::Mp4;
    std::string codec;        // encoder used: "libx264", "mpeg4", "libvpx-vp9", "ffv1", ...
    std::string pixelFormat;  // what it was given: "yuv420p", "gbrp", "pal8", "rgb24"
    int width = 0;            // stored size (odd sizes padded to even for 4:2:0 codecs)
    int height = 0;
    int frames = 0;
    double fps = 0;
};

// Writes to a temporary name beside `path` (a temporary folder for PNG folders) and renames it
// into place; on any error or cancel the temporary is removed and `path` is untouched. An
// existing PNG folder is replaced only if it holds nothing but numbered .png frames.
// Progress: stage "encode", step = frames written.
Result<EncodeReport> encodeVideo(const Clip& clip,
                                 const std::filesystem::path& path,
                                 const EncodeOptions& options = {},
                                 const JobContext& job = {});

// Whether the installed FFmpeg has this encoder ("libx264", "libvpx-vp9", "gif", "ffv1", ...).
bool hasEncoder(const std::string& name);
// The encoder encodeVideo() picks for a kind when no override is given.
std::string defaultEncoder(OutputKind kind);

// Throws EngineError{Unsupported} naming `label` when FFmpeg's scaler cannot convert frames of
// this pixel format (FFmpeg's name, e.g. "yuv420p") to RGB24, or the name is unknown. The
// decoder runs this check on every stream before reading frames.
void requireConvertibleToRgb(const std::string& pixelFormat, const std::string& label);

}  // namespace mp::video
