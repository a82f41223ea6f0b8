#pragma once
// Colour gradients for plots. QCustomPlot 2.1 has no perceptually uniform preset, so we build a
// viridis-like one from matplotlib's viridis control points.

#include "qcustomplot_include.h"

namespace mp::widgets {

// Viridis (dark blue → green → yellow); NaN cells are transparent.
QCPColorGradient viridisGradient();

}  // namespace mp::widgets
