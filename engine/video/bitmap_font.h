#pragma once
// A small bitmap font for labels on compositions: 5x7 glyphs for printable ASCII (32..126),
// drawn on a 6x8 cell and scaled by an integer factor. Designed for this project; no Qt, no
// OpenCV. Characters outside the printable set draw as '?'.

#include <array>
#include <cstdint>
#include <string_view>

namespace mp::video {

inline constexpr int kGlyphWidth = 5;
inline constexpr int kGlyphHeight = 7;
inline constexpr int kGlyphAdvance = 6;  // one blank column between glyphs

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
};

// Row y of the glyph as 5 bits, bit 4 = leftmost column.
std::array<std::uint8_t, kGlyphHeight> glyphRows(char c);

// Width in pixels of `text` at `scale` (no trailing gap); 0 for empty text.
int textWidth(std::string_view text, int scale);
inline int textHeight(int scale) {
    return kGlyphHeight * scale;
}

// Draws `text` with its top-left corner at (x, y) into a packed RGB24 frame; pixels outside the
// frame are skipped.
void drawText(std::uint8_t* rgb,
              int width,
              int height,
              int x,
              int y,
              std::string_view text,
              int scale,
              Rgb color);

// Scales every pixel of the rectangle by `keep` (0..1): the dark band behind a label.
void darkenRect(std::uint8_t* rgb, int width, int height, int x, int y, int w, int h, float keep);

}  // namespace mp::video
