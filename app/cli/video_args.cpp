#include "video_args.h"

#include "core/error.h"
#include "core/strings.h"

#include <iostream>

namespace mp::cli {

const char* const kSelectHelp =
    "Frame selection (--select with --frames N): first (N frames from the start; all when N is\n"
    "0), uniform (N frames spread evenly in time over the whole video), stride:K or\n"
    "stride:K:START (every K-th frame), fps:F (resampled to F fps, nearest frame in time), all.\n"
    "--from/--to (seconds) limit any mode to a time range. Frames come out as a player shows\n"
    "them: turned and mirrored by the display matrix, non-square pixels stretched, interlaced\n"
    "frames deinterlaced, pictures with alpha composited over a background (black).\n"
    "Inputs: any video FFmpeg reads, or a folder of .jpg/.png/.bmp frames in natural order.";

const char* const kOutputHelp =
    "Outputs by name: .mp4/.mov (H.264, else MPEG-4 part 2), .webm (VP9, else VP8), .mkv (FFV1,\n"
    "lossless), .gif, or a folder (a name ending in / or without extension: 00000.png, ...).\n"
    "Files are written under a temporary name and renamed when complete.";

std::vector<OptionSpec> sourceOptionSpecs() {
    return {
        {"sequence-fps", "F", "frame rate of a folder of frames", false,
         str::number(video::kDefaultFps)},
        {"allow-partial", "", "keep the frames before a corrupt or truncated part"},
    };
}

std::vector<OptionSpec> decodeOptionSpecs() {
    std::vector<OptionSpec> specs = {
        {"frames", "N", "how many frames to keep (0: every frame the selection yields)", false,
         "0"},
        {"select", "MODE", "first, uniform, stride:K[:START], fps:F or all", false, "first"},
        {"size", "WxH", "resize (antialiased bicubic) to this size", false, ""},
        {"fit", "MODE", "crop (resize the short side, centre crop) or stretch", false, "crop"},
        {"filter", "NAME", "bicubic, bilinear, lanczos or box", false, "bicubic"},
        {"no-rotate", "",
         "ignore rotation metadata (display matrix turns and mirrors, rotate tag)"},
        {"no-aspect", "", "keep non-square pixels as stored (no stretch to the display size)"},
        {"from", "SECONDS", "only frames at or after this time (from the first frame)", false, "0"},
        {"to", "SECONDS", "only frames before this time (0: to the end)", false, "0"},
        {"seek", "MODE",
         "uniform, fps:F and --from/--to: auto (seek to keyframes in long files), always or "
         "never (read everything)",
         false, "auto"},
        {"deinterlace", "MODE",
         "auto (interlaced streams and frames, as players do), on (every frame) or off (fields "
         "woven as stored)",
         false, "auto"},
        {"background", "COLOR",
         "what pictures with alpha are composited over: black, white, gray or #RRGGBB", false,
         "black"},
    };
    for (auto& o : sourceOptionSpecs())
        specs.push_back(std::move(o));
    return specs;
}

std::vector<OptionSpec> encodeOptionSpecs() {
    return {
        {"fps", "F",
         "output frame rate (default: the clip's, else " + str::number(video::kDefaultFps) + ")",
         false, ""},
        {"quality", "Q", "0..100, higher is better (see docs/video.md)", false, "70"},
        {"codec", "NAME", "encoder override, e.g. mpeg4, libvpx, libx264rgb, mjpeg", false, ""},
    };
}

std::pair<int, int> parseSize(const std::string& option, const std::string& text) {
    const auto x = text.find_first_of("xX");
    if (x == std::string::npos)
        throw UsageError("--" + option + " expects WxH, e.g. 256x256, got '" + text + "'");
    const int w = static_cast<int>(parseInteger(option + " (width)", text.substr(0, x), 1, 16384));
    const int h =
        static_cast<int>(parseInteger(option + " (height)", text.substr(x + 1), 1, 16384));
    return {w, h};
}

video::DecodeOptions sourceOptionsFrom(const ParsedArgs& args) {
    video::DecodeOptions o;
    o.sequenceFps = parseNumber("sequence-fps", args.value("sequence-fps"), 1e-3, 1000);
    o.allowPartial = args.flag("allow-partial");
    return o;
}

video::Background parseBackground(const std::string& option, const std::string& text) {
    const auto t = str::toLower(text);
    if (t == "black")
        return {0, 0, 0};
    if (t == "white")
        return {255, 255, 255};
    if (t == "gray" || t == "grey")
        return {128, 128, 128};
    const std::string hex = !t.empty() && t[0] == '#' ? t.substr(1) : t;
    if (hex.size() == 6 && hex.find_first_not_of("0123456789abcdef") == std::string::npos) {
        const auto v = std::stoul(hex, nullptr, 16);
        return {static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
                static_cast<std::uint8_t>(v)};
    }
    throw UsageError("--" + option + " expects black, white, gray or #RRGGBB, got '" + text + "'");
}

video::DecodeOptions decodeOptionsFrom(const ParsedArgs& args) {
    video::DecodeOptions o = sourceOptionsFrom(args);
    const int frames = static_cast<int>(parseInteger("frames", args.value("frames"), 0, 1 << 20));
    try {
        o.select = video::parseFrameSelection(args.value("select"), frames);
    } catch (const EngineError& e) {
        throw UsageError(std::string("--select/--frames: ") + e.what());
    }
    if (!args.value("size").empty())
        std::tie(o.width, o.height) = parseSize("size", args.value("size"));
    const auto fit = args.value("fit");
    if (fit == "crop")
        o.fit = video::FitMode::Crop;
    else if (fit == "stretch")
        o.fit = video::FitMode::Stretch;
    else
        throw UsageError("--fit expects crop or stretch, got '" + fit + "'");
    const auto filter = args.value("filter");
    if (filter == "bicubic")
        o.filter = image::ResampleFilter::Bicubic;
    else if (filter == "bilinear")
        o.filter = image::ResampleFilter::Bilinear;
    else if (filter == "lanczos")
        o.filter = image::ResampleFilter::Lanczos;
    else if (filter == "box")
        o.filter = image::ResampleFilter::Box;
    else
        throw UsageError("--filter expects bicubic, bilinear, lanczos or box, got '" + filter +
                         "'");
    o.applyRotation = !args.flag("no-rotate");
    o.applyAspect = !args.flag("no-aspect");
    o.select.from = parseNumber("from", args.value("from"), 0, 1e9);
    o.select.to = parseNumber("to", args.value("to"), 0, 1e9);
    if (o.select.to > 0 && o.select.to <= o.select.from)
        throw UsageError("--to must be after --from (or 0 for the end)");
    const auto seek = args.value("seek");
    if (seek == "auto")
        o.seek = video::SeekMode::Auto;
    else if (seek == "always")
        o.seek = video::SeekMode::Always;
    else if (seek == "never")
        o.seek = video::SeekMode::Never;
    else
        throw UsageError("--seek expects auto, always or never, got '" + seek + "'");
    const auto deinterlace = args.value("deinterlace");
    if (deinterlace == "auto")
        o.deinterlace = video::DeinterlaceMode::Auto;
    else if (deinterlace == "on")
        o.deinterlace = video::DeinterlaceMode::On;
    else if (deinterlace == "off")
        o.deinterlace = video::DeinterlaceMode::Off;
    else
        throw UsageError("--deinterlace expects auto, on or off, got '" + deinterlace + "'");
    o.background = parseBackground("background", args.value("background"));
    return o;
}

video::EncodeOptions encodeOptionsFrom(const ParsedArgs& args) {
    video::EncodeOptions o;
    if (!args.value("fps").empty())
        o.fps = parseNumber("fps", args.value("fps"), 1e-3, 1000);
    o.quality = static_cast<int>(parseInteger("quality", args.value("quality"), 0, 100));
    o.codec = args.value("codec");
    return o;
}

void printEncodeReport(const video::EncodeReport& report, const std::string& extra) {
    std::cout << "wrote " << report.path.string() << ": " << extra << report.frames << " frames "
              << report.width << "x" << report.height << " at " << report.fps << " fps ("
              << report.codec << ", " << report.pixelFormat << ")\n";
}

}  // namespace mp::cli
