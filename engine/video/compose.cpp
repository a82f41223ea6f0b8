#include "video/compose.h"

#include <algorithm>
#include <cmath>

namespace mp::video {

namespace {

std::string fitLabel(const std::string& label, int maxWidth, int scale) {
    if (textWidth(label, scale) <= maxWidth)
        return label;
    std::string cut = label;
    while (!cut.empty() && textWidth(cut + "..", scale) > maxWidth)
        cut.pop_back();
    return cut.empty() ? std::string() : cut + "..";
}

// One input frame placed inside a cell: resized to fit (aspect kept) unless it already fits.
struct Placement {
    int x = 0, y = 0, w = 0, h = 0;
};

Placement placeInCell(int w, int h, int cellW, int cellH) {
    if (w == cellW && h == cellH)
        return {0, 0, w, h};
    const double s = std::min(double(cellW) / w, double(cellH) / h);
    const int pw = std::clamp(static_cast<int>(std::lround(w * s)), 1, cellW);
    const int ph = std::clamp(static_cast<int>(std::lround(h * s)), 1, cellH);
    return {(cellW - pw) / 2, (cellH - ph) / 2, pw, ph};
}

}  // namespace

Result<Clip> composeClips(const std::vector<LabeledClip>& inputs,
                          const ComposeOptions& options,
                          const JobContext& job) {
    return capture([&] {
        if (inputs.empty())
            throw EngineError(ErrorCode::InvalidArgument, "compose: no inputs");
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            if (!inputs[i].clip)
                throw EngineError(ErrorCode::InvalidArgument,
                                  "compose: input " + std::to_string(i + 1) + " has no clip");
            validateClip(*inputs[i].clip, "compose: input " + std::to_string(i + 1));
        }
        if (options.columns < 0 || options.gap < 0 || options.cellWidth < 0 ||
            options.cellHeight < 0 || (options.cellWidth == 0) != (options.cellHeight == 0))
            throw EngineError(ErrorCode::InvalidArgument,
                              "compose: columns, gap and cell size must be non-negative, and "
                              "the cell needs both a width and a height");
        const Clip& first = *inputs.front().clip;
        const int n = static_cast<int>(inputs.size());
        const int cols = options.columns == 0 ? n : std::min(options.columns, n);
        const int rows = (n + cols - 1) / cols;
        const int cellW = options.cellWidth ? options.cellWidth : first.width;
        const int cellH = options.cellHeight ? options.cellHeight : first.height;
        const int scale = options.labelScale > 0 ? options.labelScale : std::max(1, cellH / 128);

        int frames = first.frameCount();
        for (const auto& in : inputs)
            frames = options.length == LengthPolicy::HoldLast
                         ? std::max(frames, in.clip->frameCount())
                         : std::min(frames, in.clip->frameCount());

        Clip out;
        out.width = cols * cellW + (cols - 1) * options.gap;
        out.height = rows * cellH + (rows - 1) * options.gap;
        out.fps = options.fps > 0 ? options.fps : first.fps;
        out.source.frameCount = frames;

        // Inputs are resized once per source frame, not once per output frame.
        std::vector<std::vector<std::vector<std::uint8_t>>> fitted(n);
        std::vector<Placement> place(n);
        for (int i = 0; i < n; ++i) {
            const Clip& c = *inputs[i].clip;
            place[i] = placeInCell(c.width, c.height, cellW, cellH);
            job.report("compose", i, n);
            const int used = std::min(c.frameCount(), frames);
            fitted[i].reserve(used);
            for (int f = 0; f < used; ++f)
                fitted[i].push_back(place[i].w == c.width && place[i].h == c.height
                                        ? c.frames[f]
                                        : fitFrame(c.frames[f], c.width, c.height, place[i].w,
                                                   place[i].h, FitMode::Stretch));
        }
        std::vector<std::string> labels(n);
        for (int i = 0; i < n; ++i)
            labels[i] = fitLabel(inputs[i].label, cellW - 4 * scale, scale);

        std::vector<std::uint8_t> blank(out.frameBytes());
        for (std::size_t p = 0; p < blank.size(); p += 3) {
            blank[p] = options.background.r;
            blank[p + 1] = options.background.g;
            blank[p + 2] = options.background.b;
        }
        out.frames.reserve(frames);
        for (int f = 0; f < frames; ++f) {
            std::vector<std::uint8_t> frame = blank;
            for (int i = 0; i < n; ++i) {
                const int cx = (i % cols) * (cellW + options.gap);
                const int cy = (i / cols) * (cellH + options.gap);
                const auto& src = fitted[i][std::min<int>(f, fitted[i].size() - 1)];
                const Placement& pl = place[i];
                for (int y = 0; y < pl.h; ++y)
                    std::copy_n(
                        src.data() + static_cast<std::size_t>(y) * pl.w * 3, pl.w * 3,
                        frame.data() +
                            ((static_cast<std::size_t>(cy + pl.y + y)) * out.width + cx + pl.x) *
                                3);
                if (labels[i].empty())
                    continue;
                const int band = std::min(labelBandHeight(scale), cellH);
                darkenRect(frame.data(), out.width, out.height, cx, cy, cellW, band,
                           options.bandKeep);
                drawText(frame.data(), out.width, out.height, cx + 2 * scale, cy + 2 * scale,
                         labels[i], scale, options.labelColor);
            }
            out.frames.push_back(std::move(frame));
        }
        return out;
    });
}

}  // namespace mp::video
