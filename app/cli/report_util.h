#pragma once
// What the dataset benchmarks (`bench probe`, `bench customize`) share: the shard rule and the
// merge of shard summaries; the tables come from report/tables.h.

#include "core/job.h"
#include "io/tgve_dataset.h"
#include "report/tables.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace mp::cli {

// "i/N" → {i, N} with 0 ≤ i < N; UsageError otherwise.
std::pair<int, int> parseShard(const std::string& text);

// Shard i of N takes the videos i, i + N, i + 2N, … of the dataset's order: fixed by the CSV
// alone, so every worker computes the same split with no coordination. UsageError when none
// falls in it.
std::vector<DatasetRow> shardRows(const std::vector<DatasetRow>& rows,
                                  std::pair<int, int> shard,
                                  const std::string& text);

// Before a dataset run starts: every row's video holds at least `frames` frames (the count the
// model runs at), so that a long run does not stop at its first short video; UsageError naming
// the row otherwise (and for a video that cannot be read).
void requireDatasetFrames(const std::vector<DatasetRow>& rows, int frames, const JobContext& job);

// The videos of merged shards in the dataset's order (by CSV row): each shard summary's "videos"
// entry and the folder of its results. UsageError naming the shard when a video repeats.
struct ShardVideo {
    nlohmann::ordered_json entry;
    std::filesystem::path folder;
};
std::vector<ShardVideo> shardVideos(const std::vector<std::string>& shards,
                                    const std::vector<nlohmann::ordered_json>& summaries);

// The tables' building blocks live in the engine's report module (the workbench shows the
// same reports).
using report::htmlEscape;
using report::intervalCell;
using report::kIntervalRule;
using report::meanInterval;
using report::Table;
using report::writeHtmlTable;
using report::writeMarkdownTable;

}  // namespace mp::cli
