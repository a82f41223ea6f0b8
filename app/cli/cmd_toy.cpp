// motionprobe-cli toy-world and toy-oracle: the toy world's clips as a TGVE-layout dataset, and
// the oracle on any video (docs/toy-world.md).

#include "commands.h"
#include "video_args.h"

#include "io/file_util.h"
#include "io/json_util.h"
#include "toy/oracle.h"
#include "toy/vocabulary.h"
#include "toy/world.h"
#include "video/video_io.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

namespace mp::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::array<toy::EditKind, 4> kEditColumns = {toy::EditKind::Style, toy::EditKind::Object,
                                                       toy::EditKind::Background,
                                                       toy::EditKind::Multiple};

nlohmann::json subjectJson(const toy::Subject& s) {
    return {{"shape", toy::shapeName(s.shape)}, {"colour", toy::colourName(s.colour)},
            {"size", toy::sizeName(s.size)},    {"path", toy::pathName(s.path)},
            {"speed", toy::speedName(s.speed)}, {"style", toy::styleName(s.style)},
            {"jitter", {s.jitterA, s.jitterB}}, {"radius", toy::sizeRadius(s.size)}};
}

nlohmann::json specJson(const toy::ClipSpec& spec) {
    nlohmann::json subjects = nlohmann::json::array();
    for (std::size_t i = 0; i < spec.subjects.size(); ++i) {
        auto j = subjectJson(spec.subjects[i]);
        auto track = nlohmann::json::array();
        for (int t = 0; t < spec.frames; ++t) {
            const auto p =
                toy::placement(spec.subjects[i], t, spec.frames, spec.width, spec.height);
            track.push_back({p.x, p.y, p.scale});
        }
        j["track"] = track;  // per frame: centre x, y (pixels) and scale
        subjects.push_back(j);
    }
    return {{"background", toy::backgroundName(spec.background)},
            {"frames", spec.frames},
            {"width", spec.width},
            {"height", spec.height},
            {"subjects", subjects}};
}

// A CSV field, quoted when it holds a comma or a quote.
std::string csv(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

int runWorld(const ParsedArgs& args) {
    const fs::path out = args.value("out");
    const int clips = static_cast<int>(parseInteger("clips", args.value("clips"), 1, 100000));
    const auto seed =
        static_cast<std::uint64_t>(parseInteger("seed", args.value("seed"), 0, 1LL << 62));
    toy::WorldOptions o;
    o.frames = static_cast<int>(parseInteger("frames", args.value("frames"), 2, 1024));
    o.width = o.height = static_cast<int>(parseInteger("size", args.value("size"), 32, 1024));
    o.styles = args.flag("styles");
    o.twoSubjects = parseNumber("two-subjects", args.value("two-subjects"), 0, 1);
    std::error_code ec;
    if (fs::exists(out, ec))
        throw UsageError("--out " + out.string() +
                         ": already exists; give a new folder (nothing is overwritten)");
    const auto job = commandJob(args);

    // Everything goes into a temporary folder beside the target, renamed when complete.
    const fs::path tmp = out.string() + ".partial-" + std::to_string(std::random_device{}());
    try {
        fs::create_directories(tmp / "480p_frames");
        fs::create_directories(tmp / "ground_truth");
        std::ofstream table(tmp / "LOVEU-TGVE-2023_Dataset.csv", std::ios::binary);
        table << "Video name,Our GT caption,Style Change Caption,Object Change Caption,"
                 "Background Change Caption,Multiple Changes Caption\n";
        table << "toy world (seed " << seed << "),,,,,\n";  // a group header row, as TGVE's
        video::EncodeOptions encode;
        encode.codec = "png";
        encode.fps = video::kDefaultFps;
        for (int i = 0; i < clips; ++i) {
            job.report("toy-world", i, clips);
            const std::uint64_t clipSeed = seed + static_cast<std::uint64_t>(i);
            const auto spec = toy::randomClip(clipSeed, o);
            char name[32];
            std::snprintf(name, sizeof name, "toy-%04d", i);
            const auto text = toy::caption(spec, i);
            nlohmann::json truth = specJson(spec);
            truth["video"] = name;
            truth["seed"] = clipSeed;
            truth["caption"] = text;
            table << name << "," << csv(text);
            for (auto kind : kEditColumns) {
                const auto edited = toy::edit(spec, kind, clipSeed);
                const auto editText = toy::caption(edited, i);
                table << "," << csv(editText);
                truth["edits"][toy::editKindName(kind)] = {{"caption", editText},
                                                           {"spec", specJson(edited)}};
            }
            table << "\n";
            auto frames = toy::render(spec);
            video::Clip clip;
            clip.width = frames.width;
            clip.height = frames.height;
            clip.fps = video::kDefaultFps;
            clip.frames = std::move(frames.frames);
            video::encodeVideo(clip, (tmp / "480p_frames" / name).string() + "/", encode).value();
            writeJsonAtomically(tmp / "ground_truth" / (std::string(name) + ".json"), truth);
        }
        table.close();
        if (!table)
            throw EngineError(ErrorCode::Io, (tmp / "LOVEU-TGVE-2023_Dataset.csv").string() +
                                                 ": could not be written");
        job.report("toy-world", clips, clips);
        fs::rename(tmp, out);
    } catch (...) {
        removeTree(tmp);
        throw;
    }
    std::cout << "wrote " << out.string() << ": " << clips << " clips of " << o.frames
              << " frames at " << o.width << "x" << o.height
              << " with captions, four edit captions each and ground truth\n";
    return kExitOk;
}

nlohmann::json estimateJson(const toy::ClipEstimate& e) {
    nlohmann::json subjects = nlohmann::json::array();
    for (const auto& s : e.subjects) {
        auto track = nlohmann::json::array();
        for (std::size_t t = 0; t < s.visible.size(); ++t)
            track.push_back(s.visible[t] ? nlohmann::json{s.x[t], s.y[t], s.radius[t]}
                                         : nlohmann::json(nullptr));
        subjects.push_back({{"colour", toy::colourName(s.colour)},
                            {"shape", toy::shapeName(s.shape)},
                            {"style", toy::styleName(s.style)},
                            {"size", toy::sizeName(s.size)},
                            {"path", toy::pathName(s.path)},
                            {"speed", toy::speedName(s.speed)},
                            {"shape_fit", s.shapeFit},
                            {"track", track}});
    }
    return {{"background", toy::backgroundName(e.background)},
            {"background_error", e.backgroundError},
            {"subjects", subjects}};
}

// The decoded frames handed over, not copied.
toy::Frames framesOf(video::Clip&& clip) {
    return {clip.width, clip.height, std::move(clip.frames)};
}

int runOracle(const ParsedArgs& args) {
    const auto decode = decodeOptionsFrom(args);
    const auto job = commandJob(args);
    const auto videoPath = args.value("video");
    auto clip = forOption("video", videoPath, [&] {
                    return video::decodeVideo(videoPath, decode, job);
                }).value();
    const auto estimate = toy::analyse(framesOf(std::move(clip)));
    nlohmann::json j = estimateJson(estimate);
    j["video"] = videoPath;
    if (args.has("caption")) {
        const auto check = toy::checkAppearance(estimate, toy::parseCaption(args.value("caption")));
        nlohmann::json c;
        const auto put = [&](const char* key, const std::optional<bool>& v) {
            c[key] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
        };
        put("colour", check.colour);
        put("shape", check.shape);
        put("size", check.size);
        put("style", check.style);
        put("background", check.background);
        j["caption"] = args.value("caption");
        j["appearance_follows_caption"] = c;
    }
    if (args.has("reference")) {
        const auto refPath = args.value("reference");
        auto ref = forOption("reference", refPath, [&] {
                       return video::decodeVideo(refPath, decode, job);
                   }).value();
        const auto motion = toy::checkMotion(estimate, toy::analyse(framesOf(std::move(ref))));
        j["motion_preserved"] = {{"trajectory_similarity", motion.similarity},
                                 {"same_path", motion.samePath},
                                 {"frame_pairs", motion.pairs}};
    }
    if (args.flag("json")) {
        std::cout << j.dump(2) << "\n";
        return kExitOk;
    }
    std::cout << "background: " << j["background"].get<std::string>() << "\n";
    for (const auto& s : j["subjects"])
        std::cout << "subject:    " << s["size"].get<std::string>() << " "
                  << s["style"].get<std::string>() << " " << s["colour"].get<std::string>() << " "
                  << s["shape"].get<std::string>() << ", path " << s["path"].get<std::string>()
                  << " (" << s["speed"].get<std::string>() << ")\n";
    if (j.contains("appearance_follows_caption"))
        std::cout << "caption:    " << j["appearance_follows_caption"].dump() << "\n";
    if (j.contains("motion_preserved"))
        std::cout << "motion:     " << j["motion_preserved"].dump() << "\n";
    return kExitOk;
}

int runTokenizer(const ParsedArgs& args) {
    const fs::path out = args.value("out");
    const int clips = static_cast<int>(parseInteger("clips", args.value("clips"), 1, 1000000));
    const auto vocabulary = toy::learnVocabulary(clips);
    toy::writeTokenizer(vocabulary, out);
    std::cout << "wrote " << out.string() << ": " << vocabulary.tokens.size() << " tokens ("
              << vocabulary.merges.size() << " merges) learnt from the captions of " << clips
              << " clips\n";
    return kExitOk;
}

}  // namespace

Command toyTokenizerCommand() {
    CommandSpec spec{
        "toy-tokenizer",
        "Learn the toy world's CLIP tokenizer (byte-level BPE over the world's captions) and "
        "write it as a CLIPTokenizer folder: vocab.json, merges.txt, tokenizer_config.json, "
        "special_tokens_map.json.",
        {},
        {{"out", "DIR", "the tokenizer folder (created; its files are replaced)", true},
         {"clips", "N", "clips whose captions and edit captions are counted", false, "4000"}},
        "resources/models/toy/tokenizer is this command's output with the defaults."};
    return {spec, runTokenizer};
}

Command toyWorldCommand() {
    std::vector<OptionSpec> options = {
        {"out", "DIR", "a new folder for the dataset", true},
        {"clips", "N", "how many clips", false, "16"},
        {"seed", "S", "the first clip's seed; clip i uses S + i", false, "0"},
        {"frames", "F", "frames per clip", false, "16"},
        {"size", "PX", "width and height of a clip", false, "64"},
        {"styles", "", "draw subjects striped or outlined too (else plain)"},
        {"two-subjects", "P", "probability of a second subject", false, "0"},
        progressOptionSpec()};
    CommandSpec spec{
        "toy-world",
        "Write toy-world clips as a dataset in the LOVEU-TGVE-2023 layout: the CSV of captions "
        "and style/object/background/multiple edit captions, one PNG frame folder per clip under "
        "480p_frames/, and each clip's ground truth under ground_truth/.",
        {},
        std::move(options),
        "Clips are a pure function of their seed (docs/toy-world.md). The folder is written "
        "under a temporary name and renamed when complete; an existing folder is never touched."};
    return {spec, runWorld};
}

Command toyOracleCommand() {
    std::vector<OptionSpec> options = {
        {"video", "V", "a toy-world clip: a video file or a folder of frames", true},
        {"caption", "TEXT", "check that the appearance follows this caption"},
        {"reference", "R", "check that the motion is that of this clip"},
        {"json", "", "print the results as JSON on stdout"},
        progressOptionSpec()};
    for (auto& o : decodeOptionSpecs())
        options.push_back(std::move(o));
    CommandSpec spec{
        "toy-oracle",
        "What the toy world's oracle sees in a clip: background, each subject's colour, shape, "
        "style, size, path and speed; with --caption whether the appearance follows it, with "
        "--reference whether the motion is preserved.",
        {},
        std::move(options),
        "The oracle expects the world's frame size (64x64): --size 64x64 --fit stretch resizes "
        "other videos first."};
    return {spec, runOracle};
}

}  // namespace mp::cli
