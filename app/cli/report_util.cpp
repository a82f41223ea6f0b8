#include "report_util.h"

#include "cli_args.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace mp::cli {

std::pair<int, int> parseShard(const std::string& text) {
    const auto slash = text.find('/');
    if (slash == std::string::npos)
        throw UsageError("--shard: expected i/N (e.g. 0/4), got '" + text + "'");
    const int n = static_cast<int>(parseInteger("shard", text.substr(slash + 1), 1, 100000));
    const int i = static_cast<int>(parseInteger("shard", text.substr(0, slash), 0, n - 1));
    return {i, n};
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

nlohmann::ordered_json meanInterval(const std::vector<double>& v) {
    if (v.empty())
        return nullptr;
    double mean = 0;
    for (const double x : v)
        mean += x;
    mean /= static_cast<double>(v.size());
    double var = 0;
    for (const double x : v)
        var += (x - mean) * (x - mean);
    const double half = v.size() > 1 ? 1.96 * std::sqrt(var / static_cast<double>(v.size() - 1)) /
                                           std::sqrt(static_cast<double>(v.size()))
                                     : 0;
    return {{"mean", mean}, {"ci95", {mean - half, mean + half}}, {"n", v.size()}};
}

std::string intervalCell(const nlohmann::ordered_json& m) {
    if (!m.is_object() || !m.contains("mean"))
        return "–";
    const auto fixed = [](double x) {
        std::ostringstream t;
        t.precision(4);
        t << x;
        return t.str();
    };
    return fixed(m["mean"].get<double>()) + " [" + fixed(m["ci95"][0].get<double>()) + ", " +
           fixed(m["ci95"][1].get<double>()) + "]";
}

std::string htmlEscape(const std::string& text) {
    std::string e;
    for (const char c : text)
        switch (c) {
            case '&':
                e += "&amp;";
                break;
            case '<':
                e += "&lt;";
                break;
            case '>':
                e += "&gt;";
                break;
            case '"':
                e += "&quot;";
                break;
            default:
                e += c;
        }
    return e;
}

void writeMarkdownTable(std::ostream& s,
                        const std::vector<std::string>& header,
                        const Table& rows) {
    s << "|";
    for (const auto& h : header)
        s << " " << h << " |";
    s << "\n|";
    for (std::size_t i = 0; i < header.size(); ++i)
        s << "---|";
    s << "\n";
    for (const auto& row : rows) {
        s << "|";
        for (const auto& c : row)
            s << " " << c << " |";
        s << "\n";
    }
}

void writeHtmlTable(std::ostream& s, const std::vector<std::string>& header, const Table& rows) {
    s << "<table><tr>";
    for (const auto& h : header)
        s << "<th>" << htmlEscape(h) << "</th>";
    s << "</tr>\n";
    for (const auto& row : rows) {
        s << "<tr>";
        for (const auto& c : row)
            s << "<td>" << htmlEscape(c) << "</td>";
        s << "</tr>\n";
    }
    s << "</table>\n";
}

}  // namespace mp::cli
