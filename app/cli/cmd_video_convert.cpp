#include "commands.h"
#include "video_args.h"

#include <iostream>

namespace mp::cli {

Command videoConvertCommand() {
    std::vector<OptionSpec> options = {
        {"out", "OUT", "OUT.mp4, .mov, .webm, .mkv, .gif or DIR/", true},
    };
    for (auto& o : decodeOptionSpecs())
        options.push_back(o);
    for (auto& o : encodeOptionSpecs())
        options.push_back(o);
    options.push_back(progressOptionSpec());
    CommandSpec spec{"video-convert",
                     "Turn any readable video or frame folder into a watchable file or PNG "
                     "frames. Frame selection and resizing work as in video-to-tensor.",
                     {"INPUT"},
                     options,
                     std::string(kSelectHelp) + "\n" + kOutputHelp};
    return {spec, [](const ParsedArgs& args) {
                const auto decode = decodeOptionsFrom(args);
                const auto encode = encodeOptionsFrom(args);
                const auto job = commandJob(args);
                const auto clip = video::decodeVideo(args.positional(0), decode, job).value();
                if (clip.source.partial)
                    std::cerr << "warning: " << clip.source.warning << "\n";
                const auto report =
                    video::encodeVideo(clip, args.value("out"), encode, job).value();
                printEncodeReport(report);
                return kExitOk;
            }};
}

}  // namespace mp::cli
