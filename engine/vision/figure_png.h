#pragma once
// A probe figure (probe/figure.h) rasterised to PNG with OpenCV's drawing, for viewers without
// SVG. OpenCV's Hershey fonts are ASCII: τ is written "tau", arrows "->".

#include "probe/figure.h"

#include <filesystem>

namespace mp::vision {

// Writes atomically. Throws EngineError{Io} naming the file.
void writeFigurePng(const probe::Figure& figure, const std::filesystem::path& path);

}  // namespace mp::vision
