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
    if (!(s.from >= 0) || !std::isfinite(s.from))
        fail("the range start must be a time of at least 0 s");
    if (!(s.to >= 0) || !std::isfinite(s.to) || (s.to > 0 && s.to <= s.from))
        fail("the range end must be after its start (0: the end of the video)");
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

bool hasTimeRange(const FrameSelection& s) {
    return s.from > 0 || s.to > 0;
}

bool needsFullScan(const FrameSelection& s) {
    return s.mode == SelectMode::Uniform || s.mode == SelectMode::Fps || hasTimeRange(s);
}

bool laterIsNearer(double a, double b, double target, bool tiesLater) {
    const double da = target - a, db = b - target;
    if (std::abs(da - db) <= 1e-6)
        return tiesLater;
    return db < da;
}

std::vector<double> uniformTimes(int count, double first, double last) {
    std::vector<double> t;
    for (int i = 0; i < count; ++i)
        t.push_back(count == 1 ? first : first + (last - first) * double(i) / (count - 1));
    return t;
}

std::int64_t lastNeededIndex(const FrameSelection& s) {
    if (hasTimeRange(s))
        return -1;
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
    const bool timed = static_cast<std::int64_t>(timestamps.size()) == total;
    if ((s.mode == SelectMode::Fps || hasTimeRange(s)) && !timed)
        throw EngineError(ErrorCode::Internal,
                          label + ": this selection needs every frame's timestamp");
    // The frames in the time range: [lo, hi).
    std::int64_t lo = 0, hi = total;
    if (hasTimeRange(s)) {
        const double t0 = timestamps.front();
        while (lo < total && timestamps[lo] - t0 < s.from - 1e-6)
            ++lo;
        if (s.to > 0)
            while (hi > lo && timestamps[hi - 1] - t0 >= s.to - 1e-6)
                --hi;
    }
    const std::int64_t n = hi - lo;
    const std::string has =
        hasTimeRange(s)
            ? " but " + str::number(s.from) + "-" + (s.to > 0 ? str::number(s.to) : "end") +
                  " s holds " + std::to_string(n) + " frame" + (n == 1 ? "" : "s") + " (of " +
                  std::to_string(total) + ")"
            : " but the video has " + std::to_string(total) + " frame" + (total == 1 ? "" : "s");
    std::vector<std::int64_t> out;
    switch (s.mode) {
        case SelectMode::All:
            if (n == 0)
                throw EngineError(ErrorCode::InvalidArgument, label + ": asked for frames" + has);
            for (std::int64_t i = lo; i < hi; ++i)
                out.push_back(i);
            break;
        case SelectMode::First:
            if (s.start + std::int64_t{s.count} > n)
                throw EngineError(ErrorCode::InvalidArgument,
                                  label + ": asked for " + std::to_string(s.count) + " frames" +
                                      (s.start ? " from frame " + std::to_string(s.start) : "") +
                                      has);
            for (int i = 0; i < s.count; ++i)
                out.push_back(lo + s.start + i);
            break;
        case SelectMode::Uniform:
            if (s.count > n)
                throw EngineError(
                    ErrorCode::InvalidArgument,
                    label + ": asked for " + std::to_string(s.count) + " frames" + has);
            if (!timed) {
                // round(linspace(0, total - 1, count)), halves up: the constant-rate case.
                for (int i = 0; i < s.count; ++i)
                    out.push_back(s.count == 1
                                      ? 0
                                      : static_cast<std::int64_t>(std::floor(
                                            double(i) * double(total - 1) / (s.count - 1) + 0.5)));
            } else {
                // Evenly in time from the first to the last frame, each the nearest frame (ties
                // to the later one): the same indices as above when the rate is constant.
                std::int64_t k = lo;
                for (double t : uniformTimes(s.count, timestamps[lo], timestamps[hi - 1])) {
                    while (k + 1 < hi && timestamps[k + 1] <= t)
                        ++k;
                    if (k + 1 < hi && laterIsNearer(timestamps[k], timestamps[k + 1], t, true))
                        out.push_back(k + 1);
                    else
                        out.push_back(k);
                }
            }
            break;
        case SelectMode::Stride: {
            const std::int64_t available = s.start < n ? (n - 1 - s.start) / s.stride + 1 : 0;
            if (s.count > available || available == 0)
                throw EngineError(
                    ErrorCode::InvalidArgument,
                    label + ": asked for " +
                        (s.count > 0 ? std::to_string(s.count) : std::string("frames")) +
                        (s.count > 0 ? " frames" : "") + " at stride " + std::to_string(s.stride) +
                        " from frame " + std::to_string(s.start) + has + " (enough for " +
                        std::to_string(available) + ")");
            const std::int64_t m = s.count > 0 ? s.count : available;
            for (std::int64_t i = 0; i < m; ++i)
                out.push_back(lo + s.start + i * s.stride);
            break;
        }
        case SelectMode::Fps: {
            if (n == 0)
                throw EngineError(ErrorCode::InvalidArgument, label + ": asked for frames" + has);
            // Frame times relative to the first in range; the last frame lasts one source frame
            // period (or, without a rate, the mean spacing).
            const double t0 = timestamps[lo];
            double period = sourceFps > 0 ? 1.0 / sourceFps : 0.0;
            if (period == 0 && total > 1)
                period = (timestamps[total - 1] - timestamps[0]) / double(total - 1);
            double end = timestamps[hi - 1] - t0 + period;
            if (s.to > 0)
                end = std::min(end, s.to - s.from);
            // Target j sits at j / fps; j is usable while j / fps < end (tiny slack for rounding).
            const auto usable =
                std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(end * s.fps - 1e-6)));
            if (s.count > usable)
                throw EngineError(ErrorCode::InvalidArgument,
                                  label + ": asked for " + std::to_string(s.count) + " frames at " +
                                      str::number(s.fps) + " fps but the video lasts " +
                                      str::number(end) + " s (" + std::to_string(n) +
                                      " frames), enough for " + std::to_string(usable));
            const std::int64_t m = s.count > 0 ? s.count : usable;
            std::int64_t k = lo;
            for (std::int64_t j = 0; j < m; ++j) {
                const double t = t0 + double(j) / s.fps;
                // Timestamps ascend: advance while the next frame is strictly nearer (ties keep
                // the earlier frame).
                while (k + 1 < hi && timestamps[k + 1] <= t)
                    ++k;
                if (k + 1 < hi && laterIsNearer(timestamps[k], timestamps[k + 1], t, false))
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
            // count over the duration: the kept frames span the whole video.
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
