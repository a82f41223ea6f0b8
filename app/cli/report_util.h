#pragma once
// What the dataset benchmarks (`bench probe`, `bench customize`) share: the shard rule, a mean
// with its 95% interval, and tables written as Markdown and as HTML.

#include "io/tgve_dataset.h"

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

// The videos of merged shards in the dataset's order (by CSV row): each shard summary's "videos"
// entry and the folder of its results. UsageError naming the shard when a video repeats.
struct ShardVideo {
    nlohmann::ordered_json entry;
    std::filesystem::path folder;
};
std::vector<ShardVideo> shardVideos(const std::vector<std::string>& shards,
                                    const std::vector<nlohmann::ordered_json>& summaries);

// {"mean", "ci95": [lo, hi], "n"}: mean ± 1.96·s/√n (the normal approximation; no width for one
// value). Null for no values.
nlohmann::ordered_json meanInterval(const std::vector<double>& values);
inline constexpr const char* kIntervalRule = "mean ± 1.96·s/√n (normal approximation)";

// "0.1234 [0.1, 0.2]" from meanInterval's object; "–" for anything else.
std::string intervalCell(const nlohmann::ordered_json& m);

std::string htmlEscape(const std::string& text);

using Table = std::vector<std::vector<std::string>>;  // rows of cells
void writeMarkdownTable(std::ostream& s, const std::vector<std::string>& header, const Table& rows);
void writeHtmlTable(std::ostream& s, const std::vector<std::string>& header, const Table& rows);

}  // namespace mp::cli
