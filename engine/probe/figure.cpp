#include "probe/figure.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>

namespace mp::probe {

namespace {

const Rgb kBlack{0, 0, 0};
const Rgb kGrey{150, 150, 150};
const Rgb kLight{235, 235, 235};
const Rgb kWhite{255, 255, 255};
const Rgb kAccent{214, 39, 40};

std::string hex(Rgb c) {
    char s[8];
    std::snprintf(s, sizeof s, "#%02x%02x%02x", c.r, c.g, c.b);
    return s;
}

std::string escape(const std::string& text) {
    std::string out;
    for (const char ch : text) {
        switch (ch) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += ch;
        }
    }
    return out;
}

std::string fmt(double v, int digits = 3) {
    char s[32];
    std::snprintf(s, sizeof s, "%.*g", digits, v);
    return s;
}

Rgb readableOn(Rgb background) {
    const double luma = 0.299 * background.r + 0.587 * background.g + 0.114 * background.b;
    return luma > 140 ? kBlack : kWhite;
}

// "Nice" axis ticks covering [lo, hi].
std::vector<double> ticks(double lo, double hi, int wanted = 5) {
    if (!(hi > lo))
        return {lo};
    const double raw = (hi - lo) / wanted;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (const double m : {1.0, 2.0, 5.0, 10.0})
        if (m * mag >= raw) {
            step = m * mag;
            break;
        }
    std::vector<double> out;
    for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
        out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    return out;
}

}  // namespace

Rgb viridis(double t) {
    static constexpr std::array<std::uint32_t, 9> kStops = {
        0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21918C, 0x28AE80, 0x5EC962, 0xADDC30, 0xFDE725};
    if (!std::isfinite(t))
        t = 0;
    t = std::clamp(t, 0.0, 1.0) * (kStops.size() - 1);
    const auto i = std::min<std::size_t>(static_cast<std::size_t>(t), kStops.size() - 2);
    const double f = t - static_cast<double>(i);
    const auto channel = [&](int shift) {
        const double a = (kStops[i] >> shift) & 0xFF, b = (kStops[i + 1] >> shift) & 0xFF;
        return static_cast<std::uint8_t>(std::lround(a + (b - a) * f));
    };
    return {channel(16), channel(8), channel(0)};
}

std::string toSvg(const Figure& f) {
    std::ostringstream s;
    s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << f.width << "\" height=\""
      << f.height << "\" viewBox=\"0 0 " << f.width << " " << f.height
      << "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n";
    s << "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
    for (const auto& r : f.rects) {
        s << "<rect x=\"" << fmt(r.x, 6) << "\" y=\"" << fmt(r.y, 6) << "\" width=\"" << fmt(r.w, 6)
          << "\" height=\"" << fmt(r.h, 6) << "\" fill=\"" << hex(r.fill) << "\"";
        if (r.stroke)
            s << " stroke=\"" << hex(*r.stroke) << "\"";
        if (r.tooltip.empty())
            s << "/>\n";
        else
            s << "><title>" << escape(r.tooltip) << "</title></rect>\n";
    }
    for (const auto& l : f.lines) {
        s << "<line x1=\"" << fmt(l.x0, 6) << "\" y1=\"" << fmt(l.y0, 6) << "\" x2=\""
          << fmt(l.x1, 6) << "\" y2=\"" << fmt(l.y1, 6) << "\" stroke=\"" << hex(l.colour)
          << "\" stroke-width=\"" << fmt(l.width) << "\"";
        if (l.dashed)
            s << " stroke-dasharray=\"4 3\"";
        s << "/>\n";
    }
    for (const auto& c : f.circles) {
        s << "<circle cx=\"" << fmt(c.x, 6) << "\" cy=\"" << fmt(c.y, 6) << "\" r=\"" << fmt(c.r)
          << "\" fill=\"" << (c.fill ? hex(*c.fill) : "none") << "\"";
        if (c.stroke)
            s << " stroke=\"" << hex(*c.stroke) << "\" stroke-width=\"2\"";
        if (c.tooltip.empty())
            s << "/>\n";
        else
            s << "><title>" << escape(c.tooltip) << "</title></circle>\n";
    }
    for (const auto& t : f.texts) {
        const char* anchor = t.anchor == Figure::Anchor::Start    ? "start"
                             : t.anchor == Figure::Anchor::Middle ? "middle"
                                                                  : "end";
        s << "<text x=\"" << fmt(t.x, 6) << "\" y=\"" << fmt(t.y, 6) << "\" font-size=\""
          << fmt(t.size) << "\" fill=\"" << hex(t.colour) << "\" text-anchor=\"" << anchor << "\"";
        if (t.vertical)
            s << " transform=\"rotate(-90 " << fmt(t.x, 6) << " " << fmt(t.y, 6) << ")\"";
        s << ">" << escape(t.text) << "</text>\n";
    }
    s << "</svg>\n";
    return s.str();
}

Figure heatmapFigure(const std::vector<TauPair>& pairs,
                     const std::vector<std::optional<double>>& values,
                     const std::string& title,
                     const std::string& metric,
                     const std::vector<std::optional<double>>& halfWidths) {
    std::set<int, std::greater<>> starts;
    std::set<int> ends;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        starts.insert(pairs[i].start);
        ends.insert(pairs[i].end);
        if (i < values.size() && values[i] && std::isfinite(*values[i])) {
            lo = std::min(lo, *values[i]);
            hi = std::max(hi, *values[i]);
        }
    }
    // Small grids get larger cells, so the labels fit beside them.
    const double cell = std::max(52.0, 220.0 / static_cast<double>(std::max<std::size_t>(
                                                   1, std::max(starts.size(), ends.size()))));
    const double left = 78, top = 56, barGap = 24, barWidth = 16;
    const double gridW = cell * static_cast<double>(ends.size());
    const double gridH = cell * static_cast<double>(starts.size());
    Figure f;
    f.width = static_cast<int>(left + gridW + barGap + barWidth + 70);
    f.height = static_cast<int>(top + gridH + 56);
    f.texts.push_back({f.width / 2.0, 24, title, 15, kBlack, Figure::Anchor::Middle, false});
    const auto column = [&](int end) {
        return static_cast<double>(std::distance(ends.begin(), ends.find(end)));
    };
    const auto row = [&](int start) {
        return static_cast<double>(std::distance(starts.begin(), starts.find(start)));
    };
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const double x = left + column(pairs[i].end) * cell;
        const double y = top + row(pairs[i].start) * cell;
        const bool has = i < values.size() && values[i] && std::isfinite(*values[i]);
        const double t = has && hi > lo ? (*values[i] - lo) / (hi - lo) : 0.5;
        const Rgb fill = has ? viridis(t) : kLight;
        std::string tip = "τ_start " + std::to_string(pairs[i].start) + ", τ_end " +
                          std::to_string(pairs[i].end) + ": " + metric + " " +
                          (has ? fmt(*values[i], 6) : std::string("—"));
        const bool interval = has && i < halfWidths.size() && halfWidths[i];
        if (interval)
            tip += " (95% interval " + fmt(*values[i] - *halfWidths[i], 4) + " … " +
                   fmt(*values[i] + *halfWidths[i], 4) + ")";
        f.rects.push_back({x, y, cell, cell, fill, kWhite, tip});
        f.texts.push_back({x + cell / 2, y + cell / 2 + (interval ? -1 : 4),
                           has ? fmt(*values[i]) : "—", 11, has ? readableOn(fill) : kGrey,
                           Figure::Anchor::Middle, false});
        if (interval)
            f.texts.push_back({x + cell / 2, y + cell / 2 + 12, "±" + fmt(*halfWidths[i], 2), 9,
                               readableOn(fill), Figure::Anchor::Middle, false});
    }
    for (const int e : ends)
        f.texts.push_back({left + column(e) * cell + cell / 2, top + gridH + 16, std::to_string(e),
                           11, kBlack, Figure::Anchor::Middle, false});
    for (const int s : starts)
        f.texts.push_back({left - 8, top + row(s) * cell + cell / 2 + 4, std::to_string(s), 11,
                           kBlack, Figure::Anchor::End, false});
    f.texts.push_back({left + gridW / 2, top + gridH + 40, "τ_end (c again below it)", 12, kBlack,
                       Figure::Anchor::Middle, false});
    f.texts.push_back({24, top + gridH / 2, "τ_start (c' from it down)", 12, kBlack,
                       Figure::Anchor::Middle, true});
    // Colour bar, smallest value at the bottom.
    const double bx = left + gridW + barGap;
    const int slices = 64;
    for (int k = 0; k < slices; ++k) {
        const double t = 1.0 - (k + 0.5) / slices;
        f.rects.push_back({bx, top + gridH * k / slices, barWidth, gridH / slices + 0.5, viridis(t),
                           std::nullopt, ""});
    }
    if (hi >= lo) {
        f.texts.push_back(
            {bx + barWidth + 4, top + 10, fmt(hi), 10, kBlack, Figure::Anchor::Start, false});
        f.texts.push_back(
            {bx + barWidth + 4, top + gridH, fmt(lo), 10, kBlack, Figure::Anchor::Start, false});
    }
    f.texts.push_back(
        {bx + barWidth + 44, top + gridH / 2, metric, 11, kBlack, Figure::Anchor::Middle, true});
    return f;
}

Figure tradeOffFigure(const std::vector<CurvePoint>& points,
                      const std::optional<SuggestedTau>& suggested,
                      const std::string& title,
                      const std::string& appearanceLabel,
                      const std::string& motionLabel) {
    Figure f;
    f.width = 640;
    f.height = 460;
    const double left = 80, right = 30, top = 50, bottom = 60;
    const double w = f.width - left - right, h = f.height - top - bottom;
    f.texts.push_back({f.width / 2.0, 26, title, 15, kBlack, Figure::Anchor::Middle, false});
    double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
    for (const auto& p : points) {
        xlo = std::min(xlo, p.motion - p.motionHalf);
        xhi = std::max(xhi, p.motion + p.motionHalf);
        ylo = std::min(ylo, p.appearance - p.appearanceHalf);
        yhi = std::max(yhi, p.appearance + p.appearanceHalf);
    }
    if (points.empty())
        xlo = ylo = 0, xhi = yhi = 1;
    const auto pad = [](double& lo, double& hi) {
        const double span = hi > lo ? hi - lo : std::max(1e-3, std::abs(hi));
        lo -= 0.08 * span;
        hi += 0.08 * span;
    };
    pad(xlo, xhi);
    pad(ylo, yhi);
    const auto X = [&](double v) { return left + (v - xlo) / (xhi - xlo) * w; };
    const auto Y = [&](double v) { return top + h - (v - ylo) / (yhi - ylo) * h; };
    f.rects.push_back({left, top, w, h, Rgb{250, 250, 250}, kGrey, ""});
    for (const double t : ticks(xlo, xhi)) {
        f.lines.push_back({X(t), top, X(t), top + h, kLight, 1, false});
        f.texts.push_back({X(t), top + h + 16, fmt(t), 10, kBlack, Figure::Anchor::Middle, false});
    }
    for (const double t : ticks(ylo, yhi)) {
        f.lines.push_back({left, Y(t), left + w, Y(t), kLight, 1, false});
        f.texts.push_back({left - 6, Y(t) + 4, fmt(t), 10, kBlack, Figure::Anchor::End, false});
    }
    f.texts.push_back({left + w / 2, top + h + 40, motionLabel + " (motion kept) →", 12, kBlack,
                       Figure::Anchor::Middle, false});
    f.texts.push_back({22, top + h / 2, appearanceLabel + " (appearance edited) →", 12, kBlack,
                       Figure::Anchor::Middle, true});
    const auto frontier = paretoFrontier(points);
    for (std::size_t i = 1; i < frontier.size(); ++i) {
        const auto& a = points[static_cast<std::size_t>(frontier[i - 1])];
        const auto& b = points[static_cast<std::size_t>(frontier[i])];
        f.lines.push_back({X(a.motion), Y(a.appearance), X(b.motion), Y(b.appearance),
                           Rgb{31, 119, 180}, 2, true});
    }
    for (const auto& p : points) {  // error bars under the points
        if (p.motionHalf > 0)
            f.lines.push_back({X(p.motion - p.motionHalf), Y(p.appearance),
                               X(p.motion + p.motionHalf), Y(p.appearance), kGrey, 1, false});
        if (p.appearanceHalf > 0)
            f.lines.push_back({X(p.motion), Y(p.appearance - p.appearanceHalf), X(p.motion),
                               Y(p.appearance + p.appearanceHalf), kGrey, 1, false});
    }
    for (std::size_t i = 0; i < points.size(); ++i) {
        const auto& p = points[i];
        const bool onFrontier =
            std::find(frontier.begin(), frontier.end(), static_cast<int>(i)) != frontier.end();
        f.circles.push_back(
            {X(p.motion), Y(p.appearance), 5, onFrontier ? Rgb{31, 119, 180} : kGrey, std::nullopt,
             "τ_start " + std::to_string(p.tauStart) + ": " + appearanceLabel + " " +
                 fmt(p.appearance, 6) + ", " + motionLabel + " " + fmt(p.motion, 6)});
        f.texts.push_back({X(p.motion) + 8, Y(p.appearance) - 6, std::to_string(p.tauStart), 10,
                           kBlack, Figure::Anchor::Start, false});
    }
    if (suggested && suggested->point >= 0 && suggested->point < static_cast<int>(points.size())) {
        const auto& k = points[static_cast<std::size_t>(suggested->point)];
        f.circles.push_back({X(k.motion), Y(k.appearance), 11, std::nullopt, kAccent,
                             "suggested τ = " + std::to_string(suggested->tau)});
        const bool nearRight = X(k.motion) > left + 0.65 * w;  // keep the label inside
        f.texts.push_back({X(k.motion) + (nearRight ? -14 : 14), Y(k.appearance) + 24,
                           "suggested τ = " + std::to_string(suggested->tau), 12, kAccent,
                           nearRight ? Figure::Anchor::End : Figure::Anchor::Start, false});
    }
    return f;
}

}  // namespace mp::probe
