#include "probe/analysis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mp::probe {

std::vector<int> paretoFrontier(const std::vector<CurvePoint>& p) {
    std::vector<int> out;
    for (std::size_t i = 0; i < p.size(); ++i) {
        bool dominated = false;
        for (std::size_t j = 0; j < p.size() && !dominated; ++j)
            dominated = j != i && p[j].appearance >= p[i].appearance &&
                        p[j].motion >= p[i].motion &&
                        (p[j].appearance > p[i].appearance || p[j].motion > p[i].motion);
        if (!dominated)
            out.push_back(static_cast<int>(i));
    }
    std::sort(out.begin(), out.end(), [&](int a, int b) {
        const auto& x = p[static_cast<std::size_t>(a)];
        const auto& y = p[static_cast<std::size_t>(b)];
        return x.appearance != y.appearance ? x.appearance < y.appearance : x.motion > y.motion;
    });
    return out;
}

std::optional<SuggestedTau> suggestTau(const std::vector<CurvePoint>& p) {
    if (p.empty())
        return std::nullopt;
    for (const auto& q : p)
        if (!std::isfinite(q.appearance) || !std::isfinite(q.motion))
            return std::nullopt;
    const auto [aMin, aMax] = std::minmax_element(
        p.begin(), p.end(),
        [](const auto& x, const auto& y) { return x.appearance < y.appearance; });
    const auto [mMin, mMax] = std::minmax_element(
        p.begin(), p.end(), [](const auto& x, const auto& y) { return x.motion < y.motion; });
    const double aSpan = aMax->appearance - aMin->appearance;
    const double mSpan = mMax->motion - mMin->motion;
    const auto na = [&](const CurvePoint& q) {
        return aSpan > 0 ? (q.appearance - aMin->appearance) / aSpan : 0.0;
    };
    const auto nm = [&](const CurvePoint& q) {
        return mSpan > 0 ? (q.motion - mMin->motion) / mSpan : 0.0;
    };
    SuggestedTau s;
    s.frontier = paretoFrontier(p);
    if (s.frontier.size() >= 3) {
        const auto& first = p[static_cast<std::size_t>(s.frontier.front())];
        const auto& last = p[static_cast<std::size_t>(s.frontier.back())];
        const double x0 = na(first), y0 = nm(first), x1 = na(last), y1 = nm(last);
        const double len = std::hypot(x1 - x0, y1 - y0);
        for (const int i : s.frontier) {
            const auto& q = p[static_cast<std::size_t>(i)];
            const double d =
                len > 0 ? std::abs((x1 - x0) * (y0 - nm(q)) - (x0 - na(q)) * (y1 - y0)) / len : 0;
            if (s.point < 0 || d > s.kneeDistance) {
                s.point = i;
                s.kneeDistance = d;
            }
        }
        s.rule = "knee";
    }
    if (s.point < 0 || s.kneeDistance <= 0) {
        s.rule = "largest sum";
        s.kneeDistance = 0;
        double best = -1;
        for (const int i : s.frontier) {
            const auto& q = p[static_cast<std::size_t>(i)];
            if (na(q) + nm(q) > best) {
                best = na(q) + nm(q);
                s.point = i;
            }
        }
    }
    const auto& k = p[static_cast<std::size_t>(s.point)];
    s.tau = k.tauStart;
    char text[512];
    std::snprintf(text, sizeof text,
                  "%zu of %zu points of the τ_end = 0 curve are Pareto-optimal; %s at τ_start = %d "
                  "(appearance %.4g, motion %.4g; normalised %.2f and %.2f%s). Above τ = %d the "
                  "caption fixed the motion; below it the edit set the appearance.",
                  s.frontier.size(), p.size(),
                  s.rule == "knee" ? "the knee (farthest from the frontier's chord) is"
                                   : "the largest sum of normalised scores is",
                  k.tauStart, k.appearance, k.motion, na(k), nm(k),
                  s.rule == "knee" ? (", distance " + std::to_string(s.kneeDistance)).c_str() : "",
                  k.tauStart);
    s.reasoning = text;
    return s;
}

}  // namespace mp::probe
