#pragma once
// Report building blocks shared by the dataset benchmarks' reports (CLI) and the workbench: a
// mean with its 95% interval, and tables written as Markdown and as HTML. Torch- and Qt-free.

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace mp::report {

// {"mean", "ci95": [lo, hi], "n"}: mean ± 1.96·s/√n (the normal approximation; no width for one
// value), or, when every value is a 0/1 verdict (the oracle's), the share with Wilson's 95% score
// interval and "rule": "wilson" (the normal approximation would reach below 0 and above 1). Null
// for no values.
nlohmann::ordered_json meanInterval(const std::vector<double>& values);
inline constexpr const char* kIntervalRule =
    "mean ± 1.96·s/√n (normal approximation); shares of 0/1 verdicts: Wilson's score interval";

// "0.1234 [0.1, 0.2]" from meanInterval's object; "–" for anything else.
std::string intervalCell(const nlohmann::ordered_json& m);

std::string htmlEscape(const std::string& text);

using Table = std::vector<std::vector<std::string>>;  // rows of cells
void writeMarkdownTable(std::ostream& s, const std::vector<std::string>& header, const Table& rows);
// The attributes go into the <table> and each cell's tag as they are (e.g. border="1" and
// nowrap for Qt's rich text, which takes few CSS properties).
void writeHtmlTable(std::ostream& s,
                    const std::vector<std::string>& header,
                    const Table& rows,
                    const std::string& tableAttributes = {},
                    const std::string& cellAttributes = {});

}  // namespace mp::report
