#include "commands.h"
#include "video_args.h"

#include "core/strings.h"
#include "io/safetensors.h"
#include "video/video_layout.h"

#include <cstdio>
#include <iostream>

namespace mp::cli {

Command videoToTensorCommand() {
    std::vector<OptionSpec> options = {
        {"video", "PATH", "video file or folder of frames", true},
        {"out", "OUT.safetensors", "where to write the tensor (atomically)", true},
        {"layout", "L", "bcfhw (modelscope, latte) or bfchw (cogvideox)", false, "bcfhw"},
        {"range", "R", "-1,1 or 0,1", false, "-1,1"},
        {"name", "NAME", "tensor name in the file", false, "video"},
    };
    for (auto& o : decodeOptionSpecs())
        options.push_back(o);
    options.push_back(progressOptionSpec());
    CommandSpec spec{
        "video-to-tensor",
        "Decode a video or frame folder into the float32 tensor a model takes. Frames are "
        "selected, resized and centre-cropped, values are in [-1, 1], laid out [B, C, F, H, W] "
        "or [B, F, C, H, W]; the file's metadata records the source, fps and selected frames.",
        {},
        options,
        std::string(kSelectHelp) +
            "\nMetadata keys: source, source_fps, source_frames, fps, frame_indices, selection,\n"
            "layout, range."};
    return {spec, [](const ParsedArgs& args) {
                const auto decode = decodeOptionsFrom(args);
                video::TensorLayout layout;
                video::ValueRange range;
                try {
                    layout = video::parseLayout(args.value("layout"));
                    range = video::parseRange(args.value("range"));
                } catch (const EngineError& e) {
                    throw UsageError(e.what());
                }
                const auto clip =
                    video::decodeVideo(args.value("video"), decode, commandJob(args)).value();
                if (clip.source.partial)
                    std::cerr << "warning: " << clip.source.warning << "\n";
                // Torch-free (video_layout.h): this command runs in the CLI's quick front.
                const auto video = video::clipToFloats(clip, layout, range);
                const std::map<std::string, std::string> meta = {
                    {"source", clip.source.path},
                    {"source_fps", str::number(clip.source.fps)},
                    {"source_frames", std::to_string(clip.source.frameCount)},
                    {"fps", str::number(clip.fps)},
                    {"frame_indices", str::join(clip.source.frameIndices, ",")},
                    {"selection", video::describeSelection(decode.select)},
                    {"layout", video::layoutName(layout)},
                    {"range", video::rangeName(range)},
                };
                const TensorWrite tensor{args.value("name"), DType::F32, video.shape,
                                         std::as_bytes(std::span<const float>(
                                             video.values.data(), video.values.size()))};
                writeSafetensors(args.value("out"), std::span<const TensorWrite>(&tensor, 1), meta);
                std::cout << args.value("name") << ": [";
                for (std::size_t i = 0; i < video.shape.size(); ++i)
                    std::cout << (i ? ", " : "") << video.shape[i];
                std::cout << "] float32 " << video::layoutName(layout) << " in ["
                          << video::rangeName(range) << "], " << clip.frameCount() << " frames at "
                          << str::number(clip.fps) << " fps -> " << args.value("out") << "\n";
                return kExitOk;
            }};
}

}  // namespace mp::cli
