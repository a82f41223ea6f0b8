#include "commands.h"
#include "video_args.h"

#include "io/tensor_io.h"
#include "video/video_tensor.h"

#include <iostream>

namespace mp::cli {

Command tensorToVideoCommand() {
    std::vector<OptionSpec> options = {
        {"tensor", "IN.safetensors", "file holding the video tensor", true},
        {"out", "OUT", "OUT.mp4, .mov, .webm, .mkv, .gif or DIR/ for PNG frames", true},
        {"name", "NAME", "tensor name (default: video, or the file's only tensor)", false, ""},
        {"layout", "L", "bcfhw or bfchw (default: the file's metadata, else bcfhw)", false, ""},
        {"range", "R", "-1,1 or 0,1 (default: the file's metadata, else -1,1)", false, ""},
        {"batch", "I", "which batch entry of a 5-d tensor", false, "0"},
    };
    for (auto& o : encodeOptionSpecs())
        options.push_back(o);
    options.push_back(progressOptionSpec());
    CommandSpec spec{"tensor-to-video",
                     "Write a float video tensor as a file people can watch, or as PNG frames. "
                     "Values in [-1, 1] or [0, 1] are rounded and clamped to bytes.",
                     {},
                     options,
                     kOutputHelp};
    return {spec, [](const ParsedArgs& args) {
                const std::string path = args.value("tensor");
                const auto tensors = loadTensorFile(path);
                const auto meta = loadTensorFileMetadata(path);
                auto metaOr = [&](const std::string& key, const std::string& fallback) {
                    auto it = meta.find(key);
                    return it != meta.end() ? it->second : fallback;
                };
                std::string name = args.value("name");
                if (name.empty())
                    name = tensors.size() == 1 ? tensors.front().first : "video";
                const at::Tensor* tensor = nullptr;
                for (const auto& [n, t] : tensors)
                    if (n == name)
                        tensor = &t;
                if (!tensor) {
                    std::string names;
                    for (const auto& [n, t] : tensors)
                        names += (names.empty() ? "" : ", ") + n;
                    throw EngineError(ErrorCode::NotFound, path + ": no tensor '" + name +
                                                               "' (it holds: " + names + ")");
                }
                video::TensorLayout layout;
                video::ValueRange range;
                try {
                    layout =
                        video::parseLayout(args.value("layout").empty() ? metaOr("layout", "bcfhw")
                                                                        : args.value("layout"));
                    range = video::parseRange(args.value("range").empty() ? metaOr("range", "-1,1")
                                                                          : args.value("range"));
                } catch (const EngineError& e) {
                    throw UsageError(e.what());
                }
                auto encode = encodeOptionsFrom(args);
                double fps = video::kDefaultFps;
                if (auto it = meta.find("fps"); it != meta.end()) {
                    char* end = nullptr;
                    const double v = std::strtod(it->second.c_str(), &end);
                    if (end && *end == '\0' && v > 0)
                        fps = v;
                }
                const int batch =
                    static_cast<int>(parseInteger("batch", args.value("batch"), 0, 1 << 20));
                const auto clip = video::tensorToClip(*tensor, layout, range, fps, batch);
                const auto report =
                    video::encodeVideo(clip, args.value("out"), encode, commandJob(args)).value();
                printEncodeReport(report);
                return kExitOk;
            }};
}

}  // namespace mp::cli
