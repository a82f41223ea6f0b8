#include "report_util.h"

#include "cli_args.h"

#include "video/video_io.h"

#include <algorithm>
#include <set>

namespace mp::cli {

std::pair<int, int> parseShard(const std::string& text) {
    const auto slash = text.find('/');
    if (slash == std::string::npos)
        throw UsageError("--shard: expected i/N (e.g. 0/4), got '" + text + "'");
    const int n = static_cast<int>(parseInteger("shard", text.substr(slash + 1), 1, 100000));
    const int i = static_cast<int>(parseInteger("shard", text.substr(0, slash), 0, n - 1));
    return {i, n};
}

void requireDatasetFrames(const std::vector<DatasetRow>& rows, int frames, const JobContext& job) {
    for (const auto& r : rows) {
        const auto row = "--dataset: row " + std::to_string(r.line) + " (" + r.name + "): ";
        const auto info = video::probeVideo(r.frames, {}, job);
        if (!info.ok())
            throw UsageError(row + info.error().what());
        const auto have = info.value().source.frameCount;
        if (have > 0 && have < frames)
            throw UsageError(row + "the video has " + std::to_string(have) +
                             " frames, fewer than the " + std::to_string(frames) +
                             " the model runs at (--frames takes fewer)");
    }
}

std::vector<DatasetRow> shardRows(const std::vector<DatasetRow>& rows,
                                  std::pair<int, int> shard,
                                  const std::string& text) {
    std::vector<DatasetRow> mine;
    for (std::size_t k = 0; k < rows.size(); ++k)
        if (static_cast<int>(k % static_cast<std::size_t>(shard.second)) == shard.first)
            mine.push_back(rows[k]);
    if (mine.empty())
        throw UsageError("--shard " + text + ": no video falls in it (" +
                         std::to_string(rows.size()) + " videos)");
    return mine;
}

std::vector<ShardVideo> shardVideos(const std::vector<std::string>& shards,
                                    const std::vector<nlohmann::ordered_json>& summaries) {
    std::vector<ShardVideo> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < summaries.size(); ++i)
        for (const auto& v : summaries[i]["videos"]) {
            const auto video = v["video"].get<std::string>();
            if (!seen.insert(video).second)
                throw UsageError("--from " + shards[i] + ": video " + video +
                                 " is in two shards; merge each shard once");
            out.push_back(
                {v, std::filesystem::path(shards[i]) /
                        std::filesystem::path(v["results"].get<std::string>()).parent_path()});
        }
    std::stable_sort(out.begin(), out.end(), [](const ShardVideo& a, const ShardVideo& b) {
        return a.entry["row"].get<int>() < b.entry["row"].get<int>();
    });
    return out;
}

}  // namespace mp::cli
