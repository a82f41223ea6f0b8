#include "commands.h"
#include "video_args.h"

#include "core/strings.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace mp::cli {

Command videoInfoCommand() {
    std::vector<OptionSpec> options = {{"json", "", "print the report as JSON on stdout"}};
    for (auto& o : sourceOptionSpecs())
        options.push_back(std::move(o));
    CommandSpec spec{
        "video-info",
        "Describe a video file or a folder of frames. Prints container, codec, pixel format, "
        "size, rotation, frame rate, duration and the exact frame count (every frame is "
        "decoded, so a corrupt or truncated stream is reported).",
        {"PATH"},
        std::move(options),
        "Exits 1 when the input cannot be read; the message says why."};
    return {spec, [](const ParsedArgs& args) {
                const auto o = sourceOptionsFrom(args);
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
                              << "fps:       " << str::fixed(s.fps, 3) << "\n"
                              << "duration:  " << str::fixed(s.durationSeconds, 3) << " s\n"
                              << "frames:    " << s.frameCount << "\n";
                }
                if (s.partial)
                    std::cerr << "warning: " << s.warning << "\n";
                return kExitOk;
            }};
}

}  // namespace mp::cli
