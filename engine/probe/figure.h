#pragma once
// The probe's figures as plain drawings (rectangles, lines, circles, text), so one description
// becomes SVG here (torch-free, no toolkit) and PNG in vision/figure_png.h (OpenCV): the
// (τ_start, τ_end) heatmap of a metric and the τ_end = 0 trade-off curve with its Pareto
// frontier and the suggested τ.

#include "probe/analysis.h"
#include "probe/plan.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mp::probe {

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
};
// matplotlib's viridis, t in [0, 1] (clamped): nine samples, interpolated linearly.
Rgb viridis(double t);

struct Figure {
    int width = 0, height = 0;
    struct Rect {
        double x = 0, y = 0, w = 0, h = 0;
        Rgb fill;
        std::optional<Rgb> stroke;
        std::string tooltip;  // SVG <title>
    };
    struct Line {
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        Rgb colour;
        double width = 1;
        bool dashed = false;
    };
    struct Circle {
        double x = 0, y = 0, r = 0;
        std::optional<Rgb> fill;
        std::optional<Rgb> stroke;
        std::string tooltip;
    };
    enum class Anchor { Start, Middle, End };
    struct Text {
        double x = 0, y = 0;  // baseline point
        std::string text;
        double size = 12;
        Rgb colour;
        Anchor anchor = Anchor::Start;
        bool vertical = false;  // rotated 90° counter-clockwise about (x, y)
    };
    // Drawn in this order: rectangles, lines, circles, text.
    std::vector<Rect> rects;
    std::vector<Line> lines;
    std::vector<Circle> circles;
    std::vector<Text> texts;
};

std::string toSvg(const Figure& figure);

// One metric over the grid: a cell per pair (τ_start rows from the top down, τ_end columns left
// to right), coloured by value on viridis between the smallest and largest value, the value
// written in the cell and in its tooltip; a colour bar. Pairs without a value are grey. With
// `halfWidths` (a mean's 95% interval, per pair), each cell also reads "±h" and its tooltip the
// interval.
Figure heatmapFigure(const std::vector<TauPair>& pairs,
                     const std::vector<std::optional<double>>& values,
                     const std::string& title,
                     const std::string& metric,
                     const std::vector<std::optional<double>>& halfWidths = {});

// The τ_end = 0 curve: motion kept (x) against appearance edited (y), one point per τ_start,
// labelled, with error bars where the points carry intervals; the Pareto frontier joined; the
// suggested τ ringed.
Figure tradeOffFigure(const std::vector<CurvePoint>& points,
                      const std::optional<SuggestedTau>& suggested,
                      const std::string& title,
                      const std::string& appearanceLabel,
                      const std::string& motionLabel);

}  // namespace mp::probe
