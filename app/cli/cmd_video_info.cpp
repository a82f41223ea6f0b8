#include "commands.h"
#include "video_args.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace mp::cli {

namespace {

std::string fixed(double v, int digits = 3) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

}  // namespace

Command videoInfoCommand() {
    CommandSpec spec{
        "video-info",
        "Describe a video file or a folder of frames. Prints container, codec, pixel format, "
        "size, rotation, frame rate, duration and the exact frame count (every frame is "
        "decoded, so a corrupt or truncated stream is reported).",
        {"PATH"},
        {{"json", "", "print the report as JSON on stdout"},
         {"sequence-fps", "F", "frame rate of a folder of frames", false, "8"},
         {"allow-partial", "", "report a stream that breaks off instead of failing"}},
        "Exits 1 when the input cannot be read; the message says why."};
    return {spec, [](const ParsedArgs& args) {
                video::DecodeOptions o;
                o.sequenceFps = parseNumber("sequence-fps", args.value("sequence-fps"), 1e-3, 1000);
                o.allowPartial = args.flag("allow-partial");
                const auto info = video::probeVideo(args.positional(0), o).value();
                const auto& s = info.source;
                if (args.flag("json")) {
                    nlohmann::json j;
                    j["path"] = s.path;
                    j["container"] = s.container;
                    j["codec"] = s.codec;
                    j["pixel_format"] = s.pixelFormat;
                    j["width"] = info.width;
                    j["height"] = info.height;
                    j["coded_width"] = s.codedWidth;
                    j["coded_height"] = s.codedHeight;
                    j["rotation"] = s.rotation;
                    j["fps"] = s.fps;
                    j["duration"] = s.durationSeconds;
                    j["frames"] = s.frameCount;
                    j["bit_rate"] = info.bitRate;
                    j["partial"] = s.partial;
                    if (s.partial)
                        j["warning"] = s.warning;
                    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                              << "\n";
                } else {
                    std::cout << "path:      " << s.path << "\n"
                              << "container: " << s.container << "\n"
                              << "codec:     " << s.codec << " (" << s.pixelFormat << ")\n"
                              << "size:      " << info.width << "x" << info.height;
                    if (s.rotation)
                        std::cout << " (stored " << s.codedWidth << "x" << s.codedHeight
                                  << ", rotated " << s.rotation << " degrees clockwise)";
                    std::cout << "\n"
                              << "fps:       " << fixed(s.fps) << "\n"
                              << "duration:  " << fixed(s.durationSeconds) << " s\n"
                              << "frames:    " << s.frameCount << "\n";
                }
                if (s.partial)
                    std::cerr << "warning: " << s.warning << "\n";
                return kExitOk;
            }};
}

}  // namespace mp::cli
