#include "report/customize_report.h"

#include <algorithm>
#include <map>

namespace mp::report {

namespace {

// The metrics a sample may carry, in the tables' column order; a column appears when some
// variant has it.
const std::vector<std::pair<std::string, std::string>> kColumns{
    {"clip_text", "text alignment"},
    {"temporal_consistency", "temporal consistency"},
    {"pickscore", "PickScore"},
    {"flow_similarity", "flow similarity"},
    {"oracle/colour", "oracle: colour"},
    {"oracle/shape", "oracle: shape"},
    {"oracle/background", "oracle: background"},
    {"oracle/same_path", "oracle: same path"},
    {"oracle/motion_similarity", "oracle: motion similarity"},
    {"oracle/leak_colour", "oracle: colour leak"},
    {"oracle/leak_shape", "oracle: shape leak"},
    {"oracle/leak_background", "oracle: background leak"}};

}  // namespace

CustomizeReport customizeReport(const std::vector<nlohmann::ordered_json>& videos,
                                nlohmann::ordered_json settings) {
    CustomizeReport r;
    auto& j = settings;
    std::map<std::string, std::map<std::string, std::vector<double>>> values;
    std::vector<std::string> order;
    nlohmann::ordered_json names = nlohmann::ordered_json::array();
    for (const auto& v : videos) {
        names.push_back({{"row", v["row"]},
                         {"video", v["video"]},
                         {"caption", v["caption"]},
                         {"seconds", v["seconds"]},
                         {"results", "videos/" + v["video"].get<std::string>() + "/results.json"}});
        for (const auto& s : v["samples"]) {
            const auto variant = s["variant"].get<std::string>();
            if (!values.count(variant))
                order.push_back(variant);
            for (const auto& [k, x] : s["metrics"].items())
                values[variant][k].push_back(x.get<double>());
        }
    }
    nlohmann::ordered_json variants;
    for (const auto& name : order) {
        nlohmann::ordered_json m;
        for (const auto& [k, xs] : values[name])
            m[k] = meanInterval(xs);
        variants[name] = m;
    }
    j["videos"] = names;
    j["interval_rule"] = std::string(kIntervalRule) + " over every sample of every video";
    j["variants"] = variants;

    std::vector<std::pair<std::string, std::string>> columns;
    for (const auto& c : kColumns)
        for (const auto& [name, m] : variants.items())
            if (m.contains(c.first)) {
                columns.push_back(c);
                break;
            }
    r.header = {"variant"};
    for (const auto& c : columns)
        r.header.push_back(c.second);
    if (j.contains("tables"))
        for (const auto& t : j["tables"]) {
            Table rows;
            for (const auto& row : t["rows"]) {
                std::vector<std::string> cells{row["label"].get<std::string>()};
                const auto variant = row["variant"].get<std::string>();
                for (const auto& c : columns)
                    cells.push_back(variants.contains(variant) &&
                                            variants[variant].contains(c.first)
                                        ? intervalCell(variants[variant][c.first])
                                        : "–");
                rows.push_back(std::move(cells));
            }
            r.tables.emplace_back(t["title"].get<std::string>(), std::move(rows));
        }
    const auto setting = [&](const char* key) {
        return j.contains(key) ? j[key].dump() : std::string("–");
    };
    r.facts = "dataset " + setting("dataset") + ", model " + setting("model") + "; " +
              std::to_string(videos.size()) + " videos; edits " + setting("edits") + ", " +
              setting("samples") + " samples each; adapters trained " + setting("steps") +
              " steps at lr " + setting("lr") + "; samples " + setting("sample_steps") +
              " DDIM steps, guidance " + setting("guidance") +
              (j.contains("shard") ? "; shard " + j["shard"].get<std::string>() : std::string()) +
              (j.contains("merged_from")
                   ? "; merged from " + std::to_string(j["merged_from"].size()) + " shards"
                   : std::string());
    r.intervals =
        "Each cell: the mean [95% interval: " + j["interval_rule"].get<std::string>() +
        "]. Text alignment and PickScore: logit scale × cosine (TGVE's); temporal consistency: "
        "the mean cosine of consecutive frames; the oracle's verdicts as shares.";
    r.summary = std::move(settings);
    return r;
}

std::vector<nlohmann::ordered_json> storedResultsInOrder(
    const std::vector<std::pair<std::string, std::string>>& videos) {
    std::vector<nlohmann::ordered_json> results;
    for (const auto& [video, text] : videos)
        results.push_back(nlohmann::ordered_json::parse(text));
    std::stable_sort(results.begin(), results.end(), [](const auto& a, const auto& b) {
        return a["row"].template get<int>() < b["row"].template get<int>();
    });
    return results;
}

CustomizeReport customizeReportFromStore(
    const std::string& settings,
    const std::vector<std::pair<std::string, std::string>>& videos) {
    return customizeReport(storedResultsInOrder(videos), nlohmann::ordered_json::parse(settings));
}

void writeCustomizeMarkdown(std::ostream& s, const CustomizeReport& r) {
    s << "# One-shot motion customization over a dataset\n\n"
      << r.facts << ".\n\n"
      << r.intervals << "\n\n";
    for (const auto& [title, rows] : r.tables) {
        s << "## " << title << "\n\n";
        writeMarkdownTable(s, r.header, rows);
        s << "\n";
    }
    s << "## Videos\n\n";
    for (const auto& v : r.summary["videos"])
        s << "- row " << v["row"].get<int>() << ": `" << v["video"].get<std::string>() << "` — \""
          << v["caption"].get<std::string>() << "\" ([results](" << v["results"].get<std::string>()
          << "), " << v["seconds"].get<double>() << " s)\n";
}

void writeCustomizeHtml(std::ostream& s, const CustomizeReport& r, HtmlForm form) {
    const bool page = form == HtmlForm::Page;
    const char* title = page ? "h1" : "h3";
    const char* section = page ? "h2" : "h4";
    if (page)
        s << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             "<title>MotionProbe: customization over a dataset</title><style>"
             "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;font-size:0.9em}td,th{border:1px solid #ccc;"
             "padding:3px 8px;text-align:right}td:first-child{text-align:left}</style>"
             "</head><body>\n";
    s << "<" << title << ">One-shot motion customization over a dataset</" << title << ">\n<p>"
      << htmlEscape(r.facts) << ".</p>\n<p>" << htmlEscape(r.intervals) << "</p>\n";
    for (const auto& [name, rows] : r.tables) {
        s << "<" << section << ">" << htmlEscape(name) << "</" << section << ">\n";
        if (page)
            writeHtmlTable(s, r.header, rows);
        else
            writeHtmlTable(s, r.header, rows, R"(border="1" cellspacing="0" cellpadding="3")",
                           R"(style="white-space:nowrap")");
    }
    s << "<" << section << ">Videos</" << section << ">\n<ul>\n";
    for (const auto& v : r.summary["videos"])
        s << "<li>row " << v["row"].get<int>() << ": <code>"
          << htmlEscape(v["video"].get<std::string>()) << "</code> — “"
          << htmlEscape(v["caption"].get<std::string>()) << "”</li>\n";
    s << "</ul>\n";
    if (page)
        s << "</body></html>\n";
}

}  // namespace mp::report
