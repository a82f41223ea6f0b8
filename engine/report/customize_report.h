#pragma once
// The report of a customization benchmark (`bench customize`, docs/benchmarks.md): from each
// video's results, per variant and metric the mean over every sample (videos × edits × samples,
// as the paper averages) with its 95% interval, laid out as the paper's tables. The CLI writes it
// as results.json, report.md and report.html; the workbench shows the HTML of a stored one.

#include "report/tables.h"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace mp::report {

struct CustomizeReport {
    // The benchmark's settings (with its "tables" plan) plus "videos" (row, video, caption,
    // seconds, results file), "interval_rule" and "variants" (metric → meanInterval): the
    // summary's results.json.
    nlohmann::ordered_json summary;
    std::vector<std::string> header;                    // "variant", then one column per metric
    std::vector<std::pair<std::string, Table>> tables;  // title, rows
    std::string facts;      // one sentence: dataset, model, videos, settings
    std::string intervals;  // what a cell holds
};

// `videos`: each video's results.json (row, video, caption, seconds, samples with variant and
// metrics). `settings`: the run's settings, whose "tables" lists each table's title and rows
// (label, variant). Throws nlohmann's errors on results of another shape.
CustomizeReport customizeReport(const std::vector<nlohmann::ordered_json>& videos,
                                nlohmann::ordered_json settings);

// The experiment store's (video, results text) pairs parsed, in the dataset's order (by CSV row).
std::vector<nlohmann::ordered_json> storedResultsInOrder(
    const std::vector<std::pair<std::string, std::string>>& videos);

// The report from the experiment store's text: the benchmark's settings and its videos.
CustomizeReport customizeReportFromStore(
    const std::string& settings,
    const std::vector<std::pair<std::string, std::string>>& videos);

void writeCustomizeMarkdown(std::ostream& s, const CustomizeReport& r);
// A whole page (report.html), or a fragment for a rich-text view (the workbench): smaller
// headings, table borders as attributes.
enum class HtmlForm { Page, Fragment };
void writeCustomizeHtml(std::ostream& s, const CustomizeReport& r, HtmlForm form = HtmlForm::Page);

}  // namespace mp::report
