#include "commands.h"
#include "video_args.h"

#include "video/compose.h"

#include <iostream>

namespace mp::cli {

Command composeCommand() {
    std::vector<OptionSpec> options = {
        {"video", "PATH", "an input video or frame folder (give one per cell, in order)", true, "",
         true},
        {"label", "TEXT",
         "the label of the matching --video (the i-th label goes with the i-th "
         "video)",
         false, "", true},
        {"out", "OUT", "OUT.mp4, .mov, .webm, .mkv, .gif or DIR/", true},
        {"columns", "N", "cells per row (0: all in one row)", false, "0"},
        {"cell", "WxH", "cell size (default: the first input's size)", false, ""},
        {"gap", "PX", "pixels between cells", false, "4"},
        {"length", "MODE", "hold (shorter inputs hold their last frame) or shortest", false,
         "hold"},
    };
    for (auto& o : decodeOptionSpecs())
        options.push_back(o);
    for (auto& o : encodeOptionSpecs())
        options.push_back(o);
    options.push_back(progressOptionSpec());
    CommandSpec spec{
        "compose",
        "Put videos side by side or in a grid with labels, as one watchable file. Each label "
        "sits over a dark band, as in: original | reconstruction | resample t=600.",
        {},
        options,
        "Inputs of another size are fitted into the cell keeping their aspect ratio. Frames pair\n"
        "by index; --select fps:F resamples every input to one rate first. Labels use printable\n"
        "ASCII (others draw as '?').\n" +
            std::string(kSelectHelp) + "\n" + kOutputHelp};
    return {
        spec, [](const ParsedArgs& args) {
            const auto videos = args.values("video");
            const auto labels = args.values("label");
            if (labels.size() > videos.size())
                throw UsageError("more --label options (" + std::to_string(labels.size()) +
                                 ") than --video inputs (" + std::to_string(videos.size()) + ")");
            const auto decode = decodeOptionsFrom(args);
            const auto encode = encodeOptionsFrom(args);
            video::ComposeOptions compose;
            compose.columns =
                static_cast<int>(parseInteger("columns", args.value("columns"), 0, 64));
            compose.gap = static_cast<int>(parseInteger("gap", args.value("gap"), 0, 256));
            if (!args.value("cell").empty())
                std::tie(compose.cellWidth, compose.cellHeight) =
                    parseSize("cell", args.value("cell"));
            const auto length = args.value("length");
            if (length == "hold")
                compose.length = video::LengthPolicy::HoldLast;
            else if (length == "shortest")
                compose.length = video::LengthPolicy::Shortest;
            else
                throw UsageError("--length expects hold or shortest, got '" + length + "'");
            const auto job = commandJob(args);
            std::vector<video::Clip> clips;
            clips.reserve(videos.size());
            for (const auto& v : videos) {
                clips.push_back(forOption("video", v, [&] {
                                    return video::decodeVideo(v, decode, job);
                                }).value());
                if (clips.back().source.partial)
                    std::cerr << "warning: " << clips.back().source.warning << "\n";
            }
            std::vector<video::LabeledClip> inputs;
            for (std::size_t i = 0; i < clips.size(); ++i)
                inputs.push_back({&clips[i], i < labels.size() ? labels[i] : std::string()});
            const auto grid = video::composeClips(inputs, compose, job).value();
            const auto report = video::encodeVideo(grid, args.value("out"), encode, job).value();
            printEncodeReport(report, std::to_string(clips.size()) + " inputs, ");
            return kExitOk;
        }};
}

}  // namespace mp::cli
