#include "report/tables.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace mp::report {

nlohmann::ordered_json meanInterval(const std::vector<double>& v) {
    if (v.empty())
        return nullptr;
    const double n = static_cast<double>(v.size());
    double mean = 0;
    for (const double x : v)
        mean += x;
    mean /= n;
    const bool verdicts =
        std::all_of(v.begin(), v.end(), [](double x) { return x == 0.0 || x == 1.0; });
    if (verdicts) {
        // Wilson's score interval: inside [0, 1], and not of zero width when every verdict agrees.
        constexpr double z = 1.96;
        const double d = 1 + z * z / n;
        const double centre = (mean + z * z / (2 * n)) / d;
        const double half = z / d * std::sqrt(mean * (1 - mean) / n + z * z / (4 * n * n));
        return {{"mean", mean},
                {"ci95", {std::max(0.0, centre - half), std::min(1.0, centre + half)}},
                {"n", v.size()},
                {"rule", "wilson"}};
    }
    double var = 0;
    for (const double x : v)
        var += (x - mean) * (x - mean);
    const double half = v.size() > 1 ? 1.96 * std::sqrt(var / (n - 1)) / std::sqrt(n) : 0;
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

void writeHtmlTable(std::ostream& s,
                    const std::vector<std::string>& header,
                    const Table& rows,
                    const std::string& tableAttributes,
                    const std::string& cellAttributes) {
    const auto open = [](const char* tag, const std::string& attributes) {
        return "<" + std::string(tag) + (attributes.empty() ? "" : " " + attributes) + ">";
    };
    s << open("table", tableAttributes) << "<tr>";
    for (const auto& h : header)
        s << open("th", cellAttributes) << htmlEscape(h) << "</th>";
    s << "</tr>\n";
    for (const auto& row : rows) {
        s << "<tr>";
        for (const auto& c : row)
            s << open("td", cellAttributes) << htmlEscape(c) << "</td>";
        s << "</tr>\n";
    }
    s << "</table>\n";
}

}  // namespace mp::report
