#include "video/frame_select.h"

#include "core/error.h"
#include "core/strings.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace mp::video {

namespace {

template <class T>
bool parseNumber(std::string_view s, T& out) {
    if (s.empty())
        return false;
    if constexpr (std::is_floating_point_v<T>) {
        // std::from_chars for double is in libstdc++ 11+, but keep to strtod for portability.
        std::string text(s);
        char* end = nullptr;
        out = static_cast<T>(std::strtod(text.c_str(), &end));
        return end == text.c_str() + text.size() && std::isfinite(out);
    } else {
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc() && p == s.data() + s.size();
    }
}

[[noreturn]] void badSelection(std::string_view text) {
    throw EngineError(ErrorCode::InvalidArgument,
                      "frame selection '" + std::string(text) +
                          "' is not one of: all, first, uniform, stride:K, stride:K:START, fps:F");
}

}  // namespace

FrameSelection parseFrameSelection(std::string_view text, int count) {
    FrameSelection s;
    s.count = count;
    if (text == "all") {
        s.mode = count > 0 ? SelectMode::First : SelectMode::All;
    } else if (text == "first") {
        s.mode = count > 0 ? SelectMode::First : SelectMode::All;
    } else if (text == "uniform") {
        s.mode = SelectMode::Uniform;
    } else if (text.rfind("stride:", 0) == 0) {
        s.mode = SelectMode::Stride;
        auto rest = text.substr(7);
        auto colon = rest.find(':');
        if (!parseNumber(rest.substr(0, colon), s.stride) ||
            (colon != std::string_view::npos && !parseNumber(rest.substr(colon + 1), s.start)))
            badSelection(text);
    } else if (text.rfind("fps:", 0) == 0) {
        s.mode = SelectMode::Fps;
        if (!parseNumber(text.substr(4), s.fps))
            badSelection(text);
    } else {
        badSelection(text);
    }
    validateSelection(s);
    return s;
}

std::string describeSelection(const FrameSelection& s) {
    const std::string n = s.count > 0 ? std::to_string(s.count) : "all";
    switch (s.mode) {
        case SelectMode::All:
            return "all frames";
        case SelectMode::First:
            return "first " + n + (s.start ? " from frame " + std::to_string(s.start) : "");
        case SelectMode::Uniform:
            return "uniform " + n;
        case SelectMode::Stride:
            return "stride " + std::to_string(s.stride) + " from frame " + std::to_string(s.start) +
                   " (" + n + ")";
        case SelectMode::Fps:
            return "fps " + str::number(s.fps) + " (" + n + ")";
    }
    return "?";
}

void validateSelection(const FrameSelection& s) {
    auto fail = [](const std::string& what) {
        throw EngineError(ErrorCode::InvalidArgument, "frame selection: " + what);
    };
    if (s.count < 0)
        fail("the frame count must not be negative");
    if (s.start < 0)
        fail("the start frame must not be negative");
    switch (s.mode) {
        case SelectMode::All:
            if (s.count != 0)
                fail("'all' takes no frame count (use 'first')");
            break;
        case SelectMode::First:
        case SelectMode::Uniform:
            if (s.count < 1)
                fail("'" + std::string(s.mode == SelectMode::First ? "first" : "uniform") +
                     "' needs a frame count of at least 1");
            break;
        case SelectMode::Stride:
            if (s.stride < 1)
                fail("the stride must be at least 1");
            break;
        case SelectMode::Fps:
            if (!(s.fps > 0) || !std::isfinite(s.fps))
                fail("the target fps must be positive");
            break;
    }
}

bool needsFullScan(const FrameSelection& s) {
    return s.mode == SelectMode::Uniform || s.mode == SelectMode::Fps;
}

std::int64_t lastNeededIndex(const FrameSelection& s) {
    if (s.mode == SelectMode::First)
        return s.start + std::int64_t{s.count} - 1;
    if (s.mode == SelectMode::Stride && s.count > 0)
        return s.start + std::int64_t{s.stride} * (s.count - 1);
    return -1;
}

std::vector<std::int64_t> selectFrames(const FrameSelection& s,
                                       std::int64_t total,
                                       std::span<const double> timestamps,
                                       double sourceFps,
                                       const std::string& label) {
    validateSelection(s);
    if (total <= 0)
        throw EngineError(ErrorCode::Format, label + ": the video has no frames");
    const std::string has =
        " but the video has " + std::to_string(total) + " frame" + (total == 1 ? "" : "s");
    std::vector<std::int64_t> out;
    switch (s.mode) {
        case SelectMode::All:
            for (std::int64_t i = 0; i < total; ++i)
                out.push_back(i);
            break;
        case SelectMode::First:
            if (s.start + std::int64_t{s.count} > total)
                throw EngineError(ErrorCode::InvalidArgument,
                                  label + ": asked for " + std::to_string(s.count) + " frames" +
                                      (s.start ? " from frame " + std::to_string(s.start) : "") +
                                      has);
            for (int i = 0; i < s.count; ++i)
                out.push_back(s.start + i);
            break;
        case SelectMode::Uniform:
            if (s.count > total)
                throw EngineError(
                    ErrorCode::InvalidArgument,
                    label + ": asked for " + std::to_string(s.count) + " frames" + has);
            // round(linspace(0, total - 1, count)), the spacing video loaders commonly use.
            for (int i = 0; i < s.count; ++i)
                out.push_back(s.count == 1
                                  ? 0
                                  : static_cast<std::int64_t>(std::floor(
                                        double(i) * double(total - 1) / (s.count - 1) + 0.5)));
            break;
        case SelectMode::Stride: {
            const std::int64_t available =
                s.start < total ? (total - 1 - s.start) / s.stride + 1 : 0;
            if (s.count > available || available == 0)
                throw EngineError(
                    ErrorCode::InvalidArgument,
                    label + ": asked for " +
                        (s.count > 0 ? std::to_string(s.count) : std::string("frames")) +
                        (s.count > 0 ? " frames" : "") + " at stride " + std::to_string(s.stride) +
                        " from frame " + std::to_string(s.start) + has + " (enough for " +
                        std::to_string(available) + ")");
            const std::int64_t n = s.count > 0 ? s.count : available;
            for (std::int64_t i = 0; i < n; ++i)
                out.push_back(s.start + i * s.stride);
            break;
        }
        case SelectMode::Fps: {
            if (static_cast<std::int64_t>(timestamps.size()) != total)
                throw EngineError(ErrorCode::Internal,
                                  label + ": fps selection needs every frame's timestamp");
            // Frame times relative to the first; the last frame lasts one source frame period.
            const double t0 = timestamps.front();
            double period = sourceFps > 0 ? 1.0 / sourceFps : 0.0;
            if (period == 0 && total > 1)
                period = (timestamps.back() - t0) / double(total - 1);
            const double end = timestamps.back() - t0 + period;
            // Target j sits at j / fps; j is usable while j / fps < end (tiny slack for rounding).
            const auto usable =
                std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(end * s.fps - 1e-6)));
            if (s.count > usable)
                throw EngineError(ErrorCode::InvalidArgument,
                                  label + ": asked for " + std::to_string(s.count) + " frames at " +
                                      str::number(s.fps) + " fps but the video lasts " +
                                      str::number(end) + " s (" + std::to_string(total) +
                                      " frames), enough for " + std::to_string(usable));
            const std::int64_t n = s.count > 0 ? s.count : usable;
            std::int64_t k = 0;
            for (std::int64_t j = 0; j < n; ++j) {
                const double t = t0 + double(j) / s.fps;
                // Timestamps ascend: advance while the next frame is strictly nearer (ties keep
                // the earlier frame).
                while (k + 1 < total &&
                       std::abs(timestamps[k + 1] - t) < std::abs(timestamps[k] - t))
                    ++k;
                out.push_back(k);
            }
            break;
        }
    }
    return out;
}

double selectedFps(const FrameSelection& s,
                   double sourceFps,
                   std::int64_t total,
                   std::size_t selected) {
    switch (s.mode) {
        case SelectMode::All:
        case SelectMode::First:
            return sourceFps;
        case SelectMode::Stride:
            return sourceFps / s.stride;
        case SelectMode::Fps:
            return s.fps;
        case SelectMode::Uniform:
            return total > 0 ? sourceFps * double(selected) / double(total) : sourceFps;
    }
    return sourceFps;
}

bool naturalLess(std::string_view a, std::string_view b) {
    auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (isDigit(a[i]) && isDigit(b[j])) {
            std::size_t ie = i, je = j;
            while (ie < a.size() && isDigit(a[ie]))
                ++ie;
            while (je < b.size() && isDigit(b[je]))
                ++je;
            // Compare by value without overflow: skip leading zeros, then length, then digits.
            std::size_t ia = i, jb = j;
            while (ia + 1 < ie && a[ia] == '0')
                ++ia;
            while (jb + 1 < je && b[jb] == '0')
                ++jb;
            const auto da = a.substr(ia, ie - ia), db = b.substr(jb, je - jb);
            if (da.size() != db.size())
                return da.size() < db.size();
            if (da != db)
                return da < db;
            // Equal values: fewer leading zeros first, so the order stays total.
            if (ie - i != je - j)
                return ie - i < je - j;
            i = ie;
            j = je;
            continue;
        }
        if (a[i] != b[j])
            return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
        ++i;
        ++j;
    }
    return a.size() - i < b.size() - j;
}

}  // namespace mp::video
