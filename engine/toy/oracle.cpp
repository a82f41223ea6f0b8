#include "toy/oracle.h"

#include "core/error.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <system_error>
#include <thread>
#include <vector>

namespace mp::toy {

namespace {

constexpr double kPi = 3.14159265358979323846;
// A pixel differs from the background when its channels differ by more than this in sum.
constexpr int kBackgroundTolerance = 24;
// A colour explains a pixel when the blend leaves less than this (RGB distance squared).
constexpr double kMaxResidual2 = 40.0 * 40.0;
constexpr double kStill = 0.25;  // pixels per frame
// The template search's threads at most (18 templates).
constexpr int kMaxOracleThreads = 4;

using Alpha = std::vector<float>;  // one value per pixel

// Which palette colour, blended over the background, explains one pixel (−1: none, or the
// background itself), and how much of it. The same classification runs on the observation and
// on every template, so styles, stripes and antialiased edges are treated alike on both sides.
struct Explained {
    int colour = -1;
    float alpha = 0;
};

Explained explain(const std::uint8_t* p,
                  const std::uint8_t* b,
                  const std::array<Rgb, kColours>& palette) {
    const double d[3] = {double(p[0]) - b[0], double(p[1]) - b[1], double(p[2]) - b[2]};
    if (std::abs(d[0]) + std::abs(d[1]) + std::abs(d[2]) <= kBackgroundTolerance)
        return {};
    int best = -1;
    double bestResidual = kMaxResidual2, bestAlpha = 0;
    for (int k = 0; k < kColours; ++k) {
        const auto& c = palette[static_cast<std::size_t>(k)];
        const double v[3] = {double(c.r) - b[0], double(c.g) - b[1], double(c.b) - b[2]};
        const double vv = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
        if (vv < 1)
            continue;
        const double alpha = (d[0] * v[0] + d[1] * v[1] + d[2] * v[2]) / vv;
        if (alpha < 0.15 || alpha > 1.25)
            continue;
        double residual = 0;
        for (int j = 0; j < 3; ++j)
            residual += (d[j] - alpha * v[j]) * (d[j] - alpha * v[j]);
        if (residual < bestResidual) {
            bestResidual = residual;
            best = k;
            bestAlpha = alpha;
        }
    }
    return {best, static_cast<float>(std::min(1.0, bestAlpha))};
}

std::array<Rgb, kColours> palette() {
    std::array<Rgb, kColours> out;
    for (int k = 0; k < kColours; ++k)
        out[static_cast<std::size_t>(k)] = colourRgb(static_cast<Colour>(k));
    return out;
}

// Every colour's alpha per pixel.
void classify(const std::uint8_t* frame,
              const std::uint8_t* background,
              int pixels,
              std::array<Alpha, kColours>& out) {
    for (auto& a : out)
        a.assign(static_cast<std::size_t>(pixels), 0.0f);
    const auto colours = palette();
    for (int i = 0; i < pixels; ++i) {
        const auto e = explain(frame + 3 * i, background + 3 * i, colours);
        if (e.colour >= 0)
            out[static_cast<std::size_t>(e.colour)][static_cast<std::size_t>(i)] = e.alpha;
    }
}

// One colour's alpha per pixel, as classify() gives it, where only the pixels in
// [first, last) differ from the background (a template's bounding box).
Alpha classifyOne(const std::uint8_t* frame,
                  const std::uint8_t* background,
                  int pixels,
                  int first,
                  int last,
                  Colour colour) {
    Alpha out(static_cast<std::size_t>(pixels), 0.0f);
    const auto colours = palette();
    for (int i = std::max(first, 0); i < std::min(last, pixels); ++i) {
        const auto e = explain(frame + 3 * i, background + 3 * i, colours);
        if (e.colour == static_cast<int>(colour))
            out[static_cast<std::size_t>(i)] = e.alpha;
    }
    return out;
}

double mass(const Alpha& a) {
    return std::accumulate(a.begin(), a.end(), 0.0);
}

void centroid(const Alpha& a, int width, double& x, double& y) {
    double m = 0, sx = 0, sy = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] <= 0)
            continue;
        const auto px = static_cast<int>(i % static_cast<std::size_t>(width));
        const auto py = static_cast<int>(i / static_cast<std::size_t>(width));
        m += a[i];
        sx += a[i] * (px + 0.5);
        sy += a[i] * (py + 0.5);
    }
    x = m > 0 ? sx / m : 0;
    y = m > 0 ? sy / m : 0;
}

double softIoU(const Alpha& a, const Alpha& b) {
    double lo = 0, hi = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        lo += std::min(a[i], b[i]);
        hi += std::max(a[i], b[i]);
    }
    return hi > 0 ? lo / hi : 0;
}

class Fitter {
public:
    Fitter(const std::vector<std::uint8_t>& background, int width, int height, Colour colour)
        : m_background(background), m_width(width), m_height(height), m_colour(colour) {}

    // The template's coverage of the subject's colour with its centroid at (x, y).
    Alpha coverage(Shape shape, Style style, double x, double y, double radius) const {
        Alpha a = raw(shape, style, x, y, radius);
        double tx = 0, ty = 0;
        centroid(a, m_width, tx, ty);
        if (mass(a) <= 0)
            return a;
        return raw(shape, style, 2 * x - tx, 2 * y - ty, radius);
    }
    double massAt(Shape shape, Style style, double radius) const {
        return mass(raw(shape, style, m_width / 2.0, m_height / 2.0, radius));
    }

private:
    Alpha raw(Shape shape, Style style, double x, double y, double radius) const {
        auto rgb = m_background;
        drawSubject(shape, style, colourRgb(m_colour), x, y, radius, m_width, m_height, rgb);
        // Only the rows the subject was drawn on can differ from the background.
        const auto front = std::mismatch(rgb.begin(), rgb.end(), m_background.begin()).first;
        const auto back = std::mismatch(rgb.rbegin(), rgb.rend(), m_background.rbegin()).first;
        const auto first = static_cast<int>((front - rgb.begin()) / 3);
        const auto last = static_cast<int>((rgb.rend() - back + 2) / 3);
        return classifyOne(rgb.data(), m_background.data(), m_width * m_height, first, last,
                           m_colour);
    }
    const std::vector<std::uint8_t>& m_background;
    int m_width, m_height;
    Colour m_colour;
};

// Radius from coverage: area grows with r² for filled styles, the outline's with r.
double radiusFromMass(double observed, double reference, Style style) {
    if (reference <= 0)
        return 0;
    const double ratio = observed / reference;
    return 10.0 * (style == Style::Outlined ? ratio : std::sqrt(ratio));
}

double median(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Reversals of a coordinate's direction, ignoring wiggles below `hysteresis` pixels.
int reversals(const std::vector<double>& v, double hysteresis) {
    if (v.size() < 3)
        return 0;
    int direction = 0, count = 0;
    double extreme = v.front();
    for (double x : v) {
        if (direction >= 0 && x > extreme) {
            extreme = x;
            direction = 1;
        } else if (direction <= 0 && x < extreme) {
            extreme = x;
            direction = -1;
        } else if (direction == 1 && extreme - x > hysteresis) {
            ++count;
            direction = -1;
            extreme = x;
        } else if (direction == -1 && x - extreme > hysteresis) {
            ++count;
            direction = 1;
            extreme = x;
        }
    }
    return count;
}

void classifyMotion(SubjectEstimate& s, int width, int height) {
    std::vector<double> xs, ys, rs;
    for (std::size_t t = 0; t < s.visible.size(); ++t)
        if (s.visible[t]) {
            xs.push_back(s.x[t]);
            ys.push_back(s.y[t]);
            rs.push_back(s.radius[t]);
        }
    if (xs.size() < 2)
        return;
    const auto [xlo, xhi] = std::minmax_element(xs.begin(), xs.end());
    const auto [ylo, yhi] = std::minmax_element(ys.begin(), ys.end());
    const double extentX = *xhi - *xlo, extentY = *yhi - *ylo;
    const double dx = xs.back() - xs.front(), dy = ys.back() - ys.front();
    const std::size_t k = std::min<std::size_t>(3, rs.size());
    const double rFirst = median({rs.begin(), rs.begin() + static_cast<std::ptrdiff_t>(k)});
    const double rLast = median({rs.end() - static_cast<std::ptrdiff_t>(k), rs.end()});
    const double growth = rFirst > 0 ? rLast / rFirst : 1;
    const double r = median(rs);
    const double rangeX = width - 2 * (r + 2), rangeY = height - 2 * (r + 2);

    // Unwrapped angle swept around the track's centre.
    const double mx = std::accumulate(xs.begin(), xs.end(), 0.0) / xs.size();
    const double my = std::accumulate(ys.begin(), ys.end(), 0.0) / ys.size();
    double swept = 0;
    for (std::size_t i = 1; i < xs.size(); ++i) {
        double a = std::atan2(ys[i] - my, xs[i] - mx) - std::atan2(ys[i - 1] - my, xs[i - 1] - mx);
        while (a > kPi)
            a -= 2 * kPi;
        while (a < -kPi)
            a += 2 * kPi;
        swept += a;
    }

    const bool stillX = extentX < 3, stillY = extentY < 3;
    if (stillX && stillY) {
        s.path = growth >= 1 ? Path::Grow : Path::Shrink;
        const double change = growth >= 1 ? growth : 1 / growth;
        s.speed = change > 1.8 ? Speed::Fast : Speed::Slow;  // 0.55→1.3 is 2.4×, 0.8→1.15 1.4×
        return;
    }
    if (std::abs(swept) > 1.2 * kPi && std::min(extentX, extentY) > 6) {
        s.path = Path::Circle;
        s.speed = std::abs(swept) > 1.75 * kPi ? Speed::Fast : Speed::Slow;
        return;
    }
    const int yTurns = reversals(ys, 1.0);
    if (stillX && yTurns > 0) {
        s.path = Path::Bounce;
        s.speed = yTurns >= 2 ? Speed::Fast : Speed::Slow;  // two bounces turn three times
        return;
    }
    if (extentX > 6 && yTurns >= 2 && extentY > 4 && dx > 0) {
        s.path = Path::Zigzag;
        s.speed = yTurns >= 3 ? Speed::Fast : Speed::Slow;
        return;
    }
    const double travel = std::hypot(dx, dy);
    if (std::abs(dx) > 2 * std::abs(dy)) {
        s.path = dx > 0 ? Path::LeftToRight : Path::RightToLeft;
        s.speed = std::abs(dx) > 0.75 * rangeX ? Speed::Fast : Speed::Slow;
    } else if (std::abs(dy) > 2 * std::abs(dx)) {
        s.path = dy < 0 ? Path::Up : Path::Down;
        s.speed = std::abs(dy) > 0.75 * rangeY ? Speed::Fast : Speed::Slow;
    } else {
        s.path = dy < 0 ? Path::DiagonalUp : Path::DiagonalDown;
        s.speed = travel > 0.75 * std::hypot(rangeX, rangeY) ? Speed::Fast : Speed::Slow;
    }
}

// The scale a path's schedule holds at its middle: the size word names the subject at scale 1.
double medianScale(Path path, Speed speed) {
    if (path != Path::Grow && path != Path::Shrink)
        return 1.0;
    return speed == Speed::Fast ? (0.55 + 1.3) / 2 : (0.8 + 1.15) / 2;
}

SubjectEstimate estimateSubject(const std::vector<Alpha>& frames,
                                const std::vector<std::uint8_t>& background,
                                int width,
                                int height,
                                Colour colour) {
    SubjectEstimate s;
    s.colour = colour;
    const auto n = frames.size();
    s.visible.assign(n, false);
    s.x.assign(n, 0);
    s.y.assign(n, 0);
    s.radius.assign(n, 0);
    std::vector<double> masses(n);
    for (std::size_t t = 0; t < n; ++t) {
        masses[t] = mass(frames[t]);
        s.visible[t] = masses[t] >= 3;
        if (s.visible[t])
            centroid(frames[t], width, s.x[t], s.y[t]);
    }
    // The shape, style and radius: the best template on the three fullest frames.
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return masses[a] > masses[b]; });
    order.resize(std::min<std::size_t>(3, n));
    const Fitter fit(background, width, height, colour);
    // Every (shape, style) template scored, side by side on the cores (each score is
    // independent), then the best taken in order as one loop would.
    constexpr int kCandidates = kShapes * kStyles;
    std::array<double, kCandidates> scores{}, references{};
    const auto scoreOf = [&](int candidate) {
        const auto shape = static_cast<Shape>(candidate / kStyles);
        const auto style = static_cast<Style>(candidate % kStyles);
        const double reference = fit.massAt(shape, style, 10.0);
        double score = 0;
        for (auto t : order) {
            if (!s.visible[t])
                continue;
            const double r0 = radiusFromMass(masses[t], reference, style);
            double frameBest = 0;
            for (double f : {0.9, 0.95, 1.0, 1.05, 1.1})
                frameBest = std::max(
                    frameBest,
                    softIoU(frames[t], fit.coverage(shape, style, s.x[t], s.y[t], r0 * f)));
            score += frameBest;
        }
        scores[static_cast<std::size_t>(candidate)] = score;
        references[static_cast<std::size_t>(candidate)] = reference;
    };
    const int workers =
        std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, kMaxOracleThreads);
    const auto strand = [&](int first) {
        for (int c = first; c < kCandidates; c += workers)
            scoreOf(c);
    };
    std::vector<std::thread> helpers;
    for (int w = 1; w < workers; ++w) {
        try {
            helpers.emplace_back(strand, w);
        } catch (const std::system_error&) {
            // No thread to be had: this one takes that strand too.
            strand(w);
        }
    }
    strand(0);
    for (auto& h : helpers)
        h.join();
    double best = -1;
    double bestReference = 0;
    for (int c = 0; c < kCandidates; ++c)
        if (scores[static_cast<std::size_t>(c)] > best) {
            best = scores[static_cast<std::size_t>(c)];
            s.shape = static_cast<Shape>(c / kStyles);
            s.style = static_cast<Style>(c % kStyles);
            bestReference = references[static_cast<std::size_t>(c)];
        }
    s.shapeFit = order.empty() ? 0 : best / static_cast<double>(order.size());
    for (std::size_t t = 0; t < n; ++t)
        if (s.visible[t])
            s.radius[t] = radiusFromMass(masses[t], bestReference, s.style);
    classifyMotion(s, width, height);
    std::vector<double> radii;
    for (std::size_t t = 0; t < n; ++t)
        if (s.visible[t])
            radii.push_back(s.radius[t]);
    const double base = median(radii) / medianScale(s.path, s.speed);
    double nearest = 1e9;
    for (int i = 0; i < kSizes; ++i) {
        const double d = std::abs(base - sizeRadius(static_cast<Size>(i)));
        if (d < nearest) {
            nearest = d;
            s.size = static_cast<Size>(i);
        }
    }
    return s;
}

}  // namespace

ClipEstimate analyse(const Frames& clip) {
    const int w = clip.width, h = clip.height;
    const auto bytes = static_cast<std::size_t>(w) * h * 3;
    if (clip.frames.empty() || w < 8 || h < 8)
        throw EngineError(ErrorCode::InvalidArgument,
                          "toy oracle: needs at least one frame of at least 8×8 pixels");
    for (std::size_t t = 0; t < clip.frames.size(); ++t)
        if (clip.frames[t].size() != bytes)
            throw EngineError(ErrorCode::InvalidArgument,
                              "toy oracle: frame " + std::to_string(t) + " has " +
                                  std::to_string(clip.frames[t].size()) + " bytes, expected " +
                                  std::to_string(bytes) + " for " + std::to_string(w) + "×" +
                                  std::to_string(h) + " RGB");
    ClipEstimate out;
    // The background: the candidate that best fits the pixels no subject colour can explain
    // (low chroma; subjects are saturated, every background is grey or near grey).
    double bestError = 1e18;
    std::vector<std::uint8_t> background;
    for (int b = 0; b < kBackgrounds; ++b) {
        const auto candidate = renderBackground(static_cast<Background>(b), w, h);
        double error = 0;
        long long count = 0;
        for (const auto& f : clip.frames)
            for (std::size_t i = 0; i < bytes; i += 3) {
                const int lo = std::min({f[i], f[i + 1], f[i + 2]});
                const int hi = std::max({f[i], f[i + 1], f[i + 2]});
                if (hi - lo > 50)
                    continue;
                error += std::abs(int(f[i]) - candidate[i]) +
                         std::abs(int(f[i + 1]) - candidate[i + 1]) +
                         std::abs(int(f[i + 2]) - candidate[i + 2]);
                ++count;
            }
        error = count ? error / (3.0 * count) : 1e9;
        if (error < bestError) {
            bestError = error;
            out.background = static_cast<Background>(b);
            background = candidate;
        }
    }
    out.backgroundError = bestError;

    // Each palette colour's coverage, per frame.
    std::array<std::vector<Alpha>, kColours> byColour;
    std::array<double, kColours> total{};
    for (const auto& f : clip.frames) {
        std::array<Alpha, kColours> a;
        classify(f.data(), background.data(), w * h, a);
        for (int k = 0; k < kColours; ++k) {
            total[static_cast<std::size_t>(k)] += mass(a[static_cast<std::size_t>(k)]);
            byColour[static_cast<std::size_t>(k)].push_back(
                std::move(a[static_cast<std::size_t>(k)]));
        }
    }
    std::array<int, kColours> ranked;
    std::iota(ranked.begin(), ranked.end(), 0);
    std::sort(ranked.begin(), ranked.end(), [&](int a, int b) {
        return total[static_cast<std::size_t>(a)] > total[static_cast<std::size_t>(b)];
    });
    const double frames = static_cast<double>(clip.frames.size());
    for (int i = 0; i < 2; ++i) {
        const auto k = static_cast<std::size_t>(ranked[static_cast<std::size_t>(i)]);
        const double m = total[k];
        if (m / frames < 8 || (i > 0 && m < 0.2 * total[static_cast<std::size_t>(ranked[0])]))
            break;
        out.subjects.push_back(
            estimateSubject(byColour[k], background, w, h, static_cast<Colour>(k)));
    }
    return out;
}

AppearanceCheck checkAppearance(const ClipEstimate& clip, const CaptionAttributes& caption) {
    AppearanceCheck c;
    if (caption.background)
        c.background = clip.background == *caption.background;
    const SubjectEstimate* s = clip.subjects.empty() ? nullptr : &clip.subjects.front();
    if (caption.colour) {
        // The captioned colour may be any subject's; the first subject is the largest.
        bool found = false;
        for (const auto& x : clip.subjects)
            found = found || x.colour == *caption.colour;
        c.colour = found;
        for (const auto& x : clip.subjects)
            if (x.colour == *caption.colour)
                s = &x;
    }
    if (caption.shape)
        c.shape = s && s->shape == *caption.shape;
    if (caption.size)
        c.size = s && s->size == *caption.size;
    // A caption that names no style means a plain subject.
    if (s)
        c.style = s->style == caption.style.value_or(Style::Plain);
    else if (caption.style)
        c.style = false;
    return c;
}

MotionCheck checkMotion(const ClipEstimate& clip, const ClipEstimate& reference) {
    MotionCheck m;
    if (clip.subjects.empty() || reference.subjects.empty())
        return m;
    const auto& a = clip.subjects.front();
    const auto& b = reference.subjects.front();
    m.samePath = a.path == b.path;
    const auto n = std::min(a.visible.size(), b.visible.size());
    double sum = 0;
    for (std::size_t t = 0; t + 1 < n; ++t) {
        if (!a.visible[t] || !a.visible[t + 1] || !b.visible[t] || !b.visible[t + 1])
            continue;
        const double ux = a.x[t + 1] - a.x[t], uy = a.y[t + 1] - a.y[t];
        const double vx = b.x[t + 1] - b.x[t], vy = b.y[t + 1] - b.y[t];
        const double nu = std::hypot(ux, uy), nv = std::hypot(vx, vy);
        if (nu < kStill && nv < kStill)
            sum += 1;
        else if (nu >= kStill && nv >= kStill)
            sum += (ux * vx + uy * vy) / (nu * nv);
        ++m.pairs;
    }
    m.similarity = m.pairs ? sum / m.pairs : 0;
    return m;
}

Verdicts judge(const ClipEstimate& clip,
               const CaptionAttributes& caption,
               const ClipEstimate& reference,
               const CaptionAttributes* referenceCaption) {
    Verdicts v{checkAppearance(clip, caption), checkMotion(clip, reference), std::nullopt};
    if (referenceCaption) {
        // The clip judged against the reference's value of each attribute the caption changes.
        CaptionAttributes changed;
        const auto keep = [](const auto& wanted, const auto& ref, auto& out) {
            if (wanted && ref && *wanted != *ref)
                out = ref;
        };
        keep(caption.colour, referenceCaption->colour, changed.colour);
        keep(caption.shape, referenceCaption->shape, changed.shape);
        keep(caption.background, referenceCaption->background, changed.background);
        const auto leak = checkAppearance(clip, changed);
        v.leak = AppearanceCheck{};
        v.leak->colour = leak.colour;
        v.leak->shape = leak.shape;
        v.leak->background = leak.background;
    }
    return v;
}

}  // namespace mp::toy
