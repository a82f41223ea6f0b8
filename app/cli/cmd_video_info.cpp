#include "commands.h"
#include "video_args.h"

#include "core/strings.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace mp::cli {

Command videoInfoCommand() {
    std::vector<OptionSpec> options = {
        {"json", "", "print the report as JSON on stdout"},
        {"count-frames", "",
         "decode every frame for an exact count (and to find damage anywhere in the stream)"}};
    for (auto& o : sourceOptionSpecs())
        options.push_back(std::move(o));
    CommandSpec spec{
        "video-info",
        "Describe a video file or a folder of frames. Prints container, codec, pixel format, "
        "display and stored size, rotation, sample aspect ratio, frame rate, duration and the "
        "frame count. Reads the container's metadata plus the first frame and checks that the "
        "data reaches the declared end; --count-frames decodes every frame for an exact count.",
        {"PATH"},
        std::move(options),
        "Exits 1 when the input cannot be read; the message says why."};
    return {spec, [](const ParsedArgs& args) {
                auto o = sourceOptionsFrom(args);
                o.countFrames = args.flag("count-frames");
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
                    j["mirrored"] = s.mirrored;
                    j["sample_aspect_ratio"] =
                        std::to_string(s.sampleAspectNum) + ":" + std::to_string(s.sampleAspectDen);
                    j["field_order"] = s.fieldOrder;
                    j["alpha"] = s.alpha;
                    j["frames_estimated"] = s.frameCountEstimated;
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
                              << "size:      " << info.width << "x" << info.height
                              << " (as shown)\n"
                              << "stored:    " << s.codedWidth << "x" << s.codedHeight << "\n"
                              << "rotation:  " << s.rotation << " degrees clockwise"
                              << (s.mirrored ? ", then mirrored" : "") << "\n"
                              << "aspect:    " << s.sampleAspectNum << ":" << s.sampleAspectDen
                              << " (sample aspect ratio)\n";
                    if (!s.fieldOrder.empty())
                        std::cout << "fields:    " << s.fieldOrder << "\n";
                    if (s.alpha)
                        std::cout << "alpha:     yes (composited over the background)\n";
                    std::cout << "fps:       " << str::fixed(s.fps, 3) << "\n"
                              << "duration:  " << str::fixed(s.durationSeconds, 3) << " s\n"
                              << "frames:    " << s.frameCount
                              << (s.frameCountEstimated ? " (estimated from duration x fps)" : "")
                              << "\n";
                }
                if (s.partial)
                    std::cerr << "warning: " << s.warning << "\n";
                return kExitOk;
            }};
}

}  // namespace mp::cli
