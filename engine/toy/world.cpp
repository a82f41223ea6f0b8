#include "toy/world.h"

#include "core/error.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace mp::toy {

namespace {

constexpr double kPi = 3.14159265358979323846;

// SplitMix64: small, fast and the same everywhere.
class Random {
public:
    explicit Random(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
    bool chance(double p) { return uniform() < p; }

private:
    std::uint64_t m_state;
};

template <class E>
E pick(Random& rng, int count) {
    return static_cast<E>(rng.below(count));
}
template <class E>
E pickOther(Random& rng, int count, E not1, std::optional<E> not2 = std::nullopt) {
    for (;;) {
        const auto e = pick<E>(rng, count);
        if (e != not1 && (!not2 || e != *not2))
            return e;
    }
}

double clamp01(double v) {
    return std::clamp(v, 0.0, 1.0);
}

// Signed distances in pixels (negative inside), y pointing down in `p`.
double sdBox(double x, double y, double hx, double hy) {
    const double qx = std::abs(x) - hx, qy = std::abs(y) - hy;
    return std::hypot(std::max(qx, 0.0), std::max(qy, 0.0)) + std::min(std::max(qx, qy), 0.0);
}

double sdTriangle(double x, double y, double r) {
    // Equilateral, apex up, side 2r, centroid at the origin (Inigo Quilez's formula, y up).
    const double k = std::sqrt(3.0);
    double px = std::abs(x) - r, py = -y + r / k;
    if (px + k * py > 0) {
        const double nx = (px - k * py) / 2, ny = (-k * px - py) / 2;
        px = nx;
        py = ny;
    }
    px -= std::clamp(px, -2 * r, 0.0);
    return -std::hypot(px, py) * (py < 0 ? -1.0 : 1.0);
}

double sdStar5(double x, double y, double r, double rf) {
    // Five points, one up (Inigo Quilez's formula, y up).
    const double k1x = 0.809016994375, k1y = -0.587785252292;
    const double k2x = -k1x, k2y = k1y;
    double px = std::abs(x), py = -y;
    double d = std::max(k1x * px + k1y * py, 0.0);
    px -= 2 * d * k1x;
    py -= 2 * d * k1y;
    d = std::max(k2x * px + k2y * py, 0.0);
    px -= 2 * d * k2x;
    py -= 2 * d * k2y;
    px = std::abs(px);
    py -= r;
    const double bax = rf * -k1y, bay = rf * k1x - 1;
    const double h = std::clamp((px * bax + py * bay) / (bax * bax + bay * bay), 0.0, r);
    const double dx = px - bax * h, dy = py - bay * h;
    return std::hypot(dx, dy) * ((py * bax - px * bay) < 0 ? -1.0 : 1.0);
}

double signedDistance(Shape shape, double x, double y, double r) {
    switch (shape) {
        case Shape::Circle:
            return std::hypot(x, y) - r;
        case Shape::Square:
            return sdBox(x, y, 0.85 * r, 0.85 * r);
        case Shape::Triangle:
            return sdTriangle(x, y + 0.15 * r, r);
        case Shape::Star:
            return sdStar5(x, y, 1.2 * r, 0.45);
        case Shape::Cross:
            return std::min(sdBox(x, y, r, r / 3), sdBox(x, y, r / 3, r));
        case Shape::Diamond:
            return (std::abs(x) + std::abs(y) - 1.1 * r) / std::sqrt(2.0);
    }
    return 0;
}

constexpr double kOutline = 2.0;  // pixels
constexpr int kSubjectStripe = 3;
constexpr Rgb kStripeWhite{250, 250, 250};

double pathMaxScale(Path path) {
    return path == Path::Grow || path == Path::Shrink ? 1.3 : 1.0;
}

std::uint8_t mix(std::uint8_t a, std::uint8_t b, double t) {
    return static_cast<std::uint8_t>(std::lround(a + (b - a) * t));
}

}  // namespace

const char* shapeName(Shape s) {
    static constexpr std::array<const char*, kShapes> names = {"circle", "square", "triangle",
                                                               "star",   "cross",  "diamond"};
    return names[static_cast<int>(s)];
}

const char* colourName(Colour c) {
    static constexpr std::array<const char*, kColours> names = {"red",    "green",  "blue",
                                                                "yellow", "purple", "orange"};
    return names[static_cast<int>(c)];
}

const char* sizeName(Size s) {
    static constexpr std::array<const char*, kSizes> names = {"small", "medium", "large"};
    return names[static_cast<int>(s)];
}

std::optional<Path> reversedPath(Path p) {
    switch (p) {
        case Path::LeftToRight:
            return Path::RightToLeft;
        case Path::RightToLeft:
            return Path::LeftToRight;
        case Path::Up:
            return Path::Down;
        case Path::Down:
            return Path::Up;
        case Path::Grow:
            return Path::Shrink;
        case Path::Shrink:
            return Path::Grow;
        case Path::Circle:
        case Path::Bounce:
            return p;
        case Path::DiagonalUp:
        case Path::DiagonalDown:
        case Path::Zigzag:
            return std::nullopt;
    }
    return std::nullopt;
}

std::optional<ClipSpec> reversedCaptionSpec(const ClipSpec& spec) {
    auto reversed = spec;
    for (auto& subject : reversed.subjects) {
        const auto path = reversedPath(subject.path);
        if (!path)
            return std::nullopt;
        subject.path = *path;
    }
    return reversed;
}

const char* pathName(Path p) {
    static constexpr std::array<const char*, kPaths> names = {
        "left_to_right", "right_to_left", "up",     "down", "diagonal_up", "diagonal_down",
        "circle",        "bounce",        "zigzag", "grow", "shrink"};
    return names[static_cast<int>(p)];
}

const char* speedName(Speed s) {
    return s == Speed::Slow ? "slow" : "fast";
}

const char* styleName(Style s) {
    static constexpr std::array<const char*, kStyles> names = {"plain", "striped", "outlined"};
    return names[static_cast<int>(s)];
}

const char* backgroundName(Background b) {
    static constexpr std::array<const char*, kBackgrounds> names = {
        "white", "black", "gray", "beige", "dark gray", "striped", "checkered", "gradient"};
    return names[static_cast<int>(b)];
}

const char* editKindName(EditKind k) {
    static constexpr std::array<const char*, 4> names = {"style", "object", "background",
                                                         "multiple"};
    return names[static_cast<int>(k)];
}

Rgb colourRgb(Colour c) {
    static constexpr std::array<Rgb, kColours> rgb = {{{220, 40, 40},
                                                       {40, 170, 60},
                                                       {40, 80, 220},
                                                       {235, 200, 30},
                                                       {140, 60, 200},
                                                       {245, 130, 20}}};
    return rgb[static_cast<int>(c)];
}

double sizeRadius(Size s) {
    static constexpr std::array<double, kSizes> radius = {6.0, 9.0, 12.0};
    return radius[static_cast<int>(s)];
}

Placement placement(const Subject& s, int t, int frames, int width, int height) {
    const double u = frames > 1 ? static_cast<double>(t) / (frames - 1) : 0.0;
    // Far enough from the edges that the star's points (1.2 r) stay inside the frame.
    const double m = 1.25 * sizeRadius(s.size) * pathMaxScale(s.path) + 1;
    const double lx = std::max(0.0, width - 2 * m), ly = std::max(0.0, height - 2 * m);
    const bool fast = s.speed == Speed::Fast;
    const double f = fast ? 1.0 : 0.5;  // share of the free range a straight path crosses
    // Position along a straight path that starts `jitter` into the range it leaves free.
    const auto along = [&](double range, double jitter) {
        return m + jitter * (1 - f) * range + u * f * range;
    };
    Placement p;
    switch (s.path) {
        case Path::LeftToRight:
            p.x = along(lx, s.jitterA);
            p.y = m + s.jitterB * ly;
            break;
        case Path::RightToLeft:
            p.x = width - along(lx, s.jitterA);
            p.y = m + s.jitterB * ly;
            break;
        case Path::Up:
            p.x = m + s.jitterB * lx;
            p.y = height - along(ly, s.jitterA);
            break;
        case Path::Down:
            p.x = m + s.jitterB * lx;
            p.y = along(ly, s.jitterA);
            break;
        case Path::DiagonalUp:
            p.x = along(lx, s.jitterA);
            p.y = height - along(ly, s.jitterB);
            break;
        case Path::DiagonalDown:
            p.x = along(lx, s.jitterA);
            p.y = along(ly, s.jitterB);
            break;
        case Path::Circle: {
            const double radius = 0.4 * std::min(lx, ly);
            const double turns = fast ? 1.0 : 0.75;
            const double angle = 2 * kPi * (turns * u + s.jitterB);
            p.x = width / 2.0 + (s.jitterA - 0.5) * (lx - 2 * radius) + radius * std::cos(angle);
            p.y = height / 2.0 + radius * std::sin(angle);
            break;
        }
        case Path::Bounce: {
            const double bounces = fast ? 2 : 1;
            p.x = m + s.jitterA * lx;
            p.y = height - m - 0.8 * ly * std::abs(std::sin(kPi * bounces * u));
            break;
        }
        case Path::Zigzag: {
            const double amplitude = std::min(8.0, ly / 2);
            const double periods = fast ? 2 : 1.5;
            const double phase = std::fmod(periods * u, 1.0);
            const double wave = phase < 0.5 ? 4 * phase - 1 : 3 - 4 * phase;  // −1 … 1 … −1
            p.x = m + u * lx;
            p.y = m + amplitude + s.jitterB * (ly - 2 * amplitude) + amplitude * wave;
            break;
        }
        case Path::Grow:
        case Path::Shrink: {
            const double lo = fast ? 0.55 : 0.8, hi = fast ? 1.3 : 1.15;
            const double v = s.path == Path::Grow ? u : 1 - u;
            p.x = m + s.jitterA * lx;
            p.y = m + s.jitterB * ly;
            p.scale = lo + (hi - lo) * v;
            break;
        }
    }
    return p;
}

std::vector<std::uint8_t> renderBackground(Background b, int width, int height) {
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(width) * height * 3);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            Rgb c;
            switch (b) {
                case Background::White:
                    c = {245, 245, 245};
                    break;
                case Background::Black:
                    c = {20, 20, 20};
                    break;
                case Background::Gray:
                    c = {128, 128, 128};
                    break;
                case Background::Beige:
                    c = {225, 210, 180};
                    break;
                case Background::DarkGray:
                    c = {64, 64, 64};
                    break;
                case Background::Stripes: {
                    const std::uint8_t v = (x / 4) % 2 ? 190 : 245;  // vertical, 4 px
                    c = {v, v, v};
                    break;
                }
                case Background::Checks: {
                    const std::uint8_t v = ((x / 8) + (y / 8)) % 2 ? 170 : 245;  // 8 px
                    c = {v, v, v};
                    break;
                }
                case Background::Gradient: {
                    const auto v = static_cast<std::uint8_t>(
                        std::lround(245 - 135.0 * (y + 0.5) / std::max(1, height)));
                    c = {v, v, v};
                    break;
                }
            }
            auto* px = &rgb[(static_cast<std::size_t>(y) * width + x) * 3];
            px[0] = c.r;
            px[1] = c.g;
            px[2] = c.b;
        }
    return rgb;
}

void drawSubject(Shape shape,
                 Style style,
                 Rgb colour,
                 double cx,
                 double cy,
                 double radius,
                 int width,
                 int height,
                 std::vector<std::uint8_t>& rgb,
                 std::vector<float>* coverage) {
    if (coverage)
        coverage->assign(static_cast<std::size_t>(width) * height, 0.0f);
    const double reach = 1.6 * radius + 2;
    const int x0 = std::max(0, static_cast<int>(std::floor(cx - reach)));
    const int x1 = std::min(width - 1, static_cast<int>(std::ceil(cx + reach)));
    const int y0 = std::max(0, static_cast<int>(std::floor(cy - reach)));
    const int y1 = std::min(height - 1, static_cast<int>(std::ceil(cy + reach)));
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) {
            double d = signedDistance(shape, x + 0.5 - cx, y + 0.5 - cy, radius);
            if (style == Style::Outlined)
                d = std::abs(d + kOutline / 2) - kOutline / 2;
            const double a = clamp01(0.5 - d);
            if (a <= 0)
                continue;
            // Stripes on the image's rows, so that a template drawn anywhere shows the same.
            const bool whiteStripe = style == Style::Striped && (y / kSubjectStripe) % 2 == 1;
            const Rgb c = whiteStripe ? kStripeWhite : colour;
            auto* px = &rgb[(static_cast<std::size_t>(y) * width + x) * 3];
            px[0] = mix(px[0], c.r, a);
            px[1] = mix(px[1], c.g, a);
            px[2] = mix(px[2], c.b, a);
            if (coverage)
                (*coverage)[static_cast<std::size_t>(y) * width + x] = static_cast<float>(a);
        }
}

namespace {

void checkSpec(const ClipSpec& spec) {
    if (spec.frames < 1 || spec.width < 8 || spec.height < 8 || spec.subjects.empty())
        throw EngineError(ErrorCode::InvalidArgument,
                          "toy clip: needs at least one frame, one subject and 8×8 pixels");
}

void drawSubjects(const ClipSpec& spec, int t, std::vector<std::uint8_t>& frame) {
    for (const auto& s : spec.subjects) {
        const auto p = placement(s, t, spec.frames, spec.width, spec.height);
        drawSubject(s.shape, s.style, colourRgb(s.colour), p.x, p.y, sizeRadius(s.size) * p.scale,
                    spec.width, spec.height, frame);
    }
}

}  // namespace

Frames render(const ClipSpec& spec) {
    checkSpec(spec);
    Frames out;
    out.width = spec.width;
    out.height = spec.height;
    const auto background = renderBackground(spec.background, spec.width, spec.height);
    for (int t = 0; t < spec.frames; ++t) {
        auto frame = background;
        drawSubjects(spec, t, frame);
        out.frames.push_back(std::move(frame));
    }
    return out;
}

std::vector<std::uint8_t> renderFrame(const ClipSpec& spec, int t) {
    checkSpec(spec);
    auto frame = renderBackground(spec.background, spec.width, spec.height);
    drawSubjects(spec, t, frame);
    return frame;
}

ClipSpec randomClip(std::uint64_t seed, const WorldOptions& o) {
    Random rng(seed);
    ClipSpec spec;
    spec.frames = o.frames;
    spec.width = o.width;
    spec.height = o.height;
    spec.background = pick<Background>(rng, kBackgrounds);
    const int count = rng.chance(o.twoSubjects) ? 2 : 1;
    for (int i = 0; i < count; ++i) {
        Subject s;
        s.shape = i ? pickOther(rng, kShapes, spec.subjects[0].shape) : pick<Shape>(rng, kShapes);
        s.colour =
            i ? pickOther(rng, kColours, spec.subjects[0].colour) : pick<Colour>(rng, kColours);
        // Two subjects share the frame: the smaller sizes keep them apart more often.
        s.size = count == 2 ? pick<Size>(rng, 2) : pick<Size>(rng, kSizes);
        s.path = pick<Path>(rng, kPaths);
        s.speed = pick<Speed>(rng, kSpeeds);
        s.style = o.styles ? pick<Style>(rng, kStyles) : Style::Plain;
        // A small star's or cross's arms are as thin as the outline: outlined would look plain.
        if (s.style == Style::Outlined && s.size == Size::Small)
            s.style = Style::Striped;
        s.jitterA = rng.uniform();
        s.jitterB = rng.uniform();
        spec.subjects.push_back(s);
    }
    return spec;
}

namespace {

std::string pathPhrase(Path p) {
    switch (p) {
        case Path::LeftToRight:
            return "moves from left to right";
        case Path::RightToLeft:
            return "moves from right to left";
        case Path::Up:
            return "moves up";
        case Path::Down:
            return "moves down";
        case Path::DiagonalUp:
            return "moves diagonally up to the right";
        case Path::DiagonalDown:
            return "moves diagonally down to the right";
        case Path::Circle:
            return "moves in a circle";
        case Path::Bounce:
            return "bounces up and down";
        case Path::Zigzag:
            return "zigzags from left to right";
        case Path::Grow:
            return "grows";
        case Path::Shrink:
            return "shrinks";
    }
    return {};
}

std::string subjectPhrase(const Subject& s, bool withSize, bool withSpeed) {
    std::string text;
    if (withSize)
        text += std::string(sizeName(s.size)) + " ";
    if (s.style != Style::Plain)
        text += std::string(styleName(s.style)) + " ";
    text += std::string(colourName(s.colour)) + " " + shapeName(s.shape) + " ";
    text = (std::string("aeiou").find(text.front()) != std::string::npos ? "an " : "a ") + text;
    if (withSpeed)
        text += s.speed == Speed::Slow ? "slowly " : "quickly ";
    return text + pathPhrase(s.path);
}

}  // namespace

std::string caption(const ClipSpec& spec, int variant) {
    const unsigned v = static_cast<unsigned>(variant);
    const bool withSize = v % 3 == 1, withSpeed = v % 5 == 2;
    std::string subjects;
    for (std::size_t i = 0; i < spec.subjects.size(); ++i)
        subjects += (i ? " and " : "") + subjectPhrase(spec.subjects[i], withSize, withSpeed);
    const std::string bg = std::string(backgroundName(spec.background)) + " background";
    switch (v % 3) {
        case 0:
            return subjects + " on a " + bg;
        case 1:
            return subjects + " over a " + bg;
        default:
            return "on a " + bg + ", " + subjects;
    }
}

ClipSpec edit(const ClipSpec& spec, EditKind kind, std::uint64_t seed) {
    Random rng(seed ^ 0xED17ull);
    ClipSpec out = spec;
    Subject& s = out.subjects.front();
    const std::optional<Colour> other =
        spec.subjects.size() > 1 ? std::optional(spec.subjects[1].colour) : std::nullopt;
    const auto changeObject = [&] {
        switch (rng.below(3)) {
            case 0:
                s.shape = pickOther(rng, kShapes, s.shape);
                break;
            case 1:
                s.colour = pickOther(rng, kColours, s.colour, other);
                break;
            default:
                s.shape = pickOther(rng, kShapes, s.shape);
                s.colour = pickOther(rng, kColours, s.colour, other);
        }
    };
    const auto changeBackground = [&] {
        out.background = pickOther(rng, kBackgrounds, out.background);
    };
    const auto changeStyle = [&] {
        s.style = s.style == Style::Plain ? (rng.below(2) ? Style::Striped : Style::Outlined)
                                          : pickOther(rng, kStyles, s.style);
        if (s.style == Style::Outlined && s.size == Size::Small)  // as in randomClip
            s.style = spec.subjects.front().style == Style::Striped ? Style::Plain : Style::Striped;
    };
    switch (kind) {
        case EditKind::Style:
            changeStyle();
            break;
        case EditKind::Object:
            changeObject();
            break;
        case EditKind::Background:
            changeBackground();
            break;
        case EditKind::Multiple:
            changeObject();
            if (rng.below(2))
                changeBackground();
            else
                changeStyle();
            break;
    }
    return out;
}

namespace {

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::string w;
    for (char c : text) {
        if (std::isalpha(static_cast<unsigned char>(c))) {
            w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else if (!w.empty()) {
            out.push_back(std::move(w));
            w.clear();
        }
    }
    if (!w.empty())
        out.push_back(std::move(w));
    return out;
}

template <class E>
std::optional<E> lookup(const std::string& word, int count, const char* (*name)(E)) {
    for (int i = 0; i < count; ++i)
        if (word == name(static_cast<E>(i)))
            return static_cast<E>(i);
    return std::nullopt;
}

bool contains(const std::vector<std::string>& w, std::initializer_list<const char*> phrase) {
    const std::vector<std::string> p(phrase.begin(), phrase.end());
    return std::search(w.begin(), w.end(), p.begin(), p.end()) != w.end();
}

}  // namespace

CaptionAttributes parseCaption(std::string_view text) {
    auto w = words(text);
    for (auto& x : w)
        if (x == "grey")
            x = "gray";
    CaptionAttributes a;
    // The background: the word(s) before "background".
    if (auto it = std::find(w.begin(), w.end(), "background"); it != w.end() && it != w.begin()) {
        auto first = it - 1;
        std::string name = *first;
        if (name == "gray" && first != w.begin() && *(first - 1) == "dark") {
            --first;
            name = "dark gray";
        }
        if (name == "checked")
            name = "checkered";
        a.background = lookup<Background>(name, kBackgrounds, backgroundName);
        if (a.background)
            w.erase(first, it + 1);
    }
    // The first subject's words end where a second subject starts ("… and a blue square …").
    for (std::size_t i = 0; i + 1 < w.size(); ++i)
        if (w[i] == "and" && (w[i + 1] == "a" || w[i + 1] == "an")) {
            w.resize(i);
            break;
        }
    // The path, by its phrase, then removed so that "in a circle" is not a shape.
    if (contains(w, {"zigzags"}) || contains(w, {"zigzag"}))
        a.path = Path::Zigzag;
    else if (contains(w, {"diagonally", "up"}))
        a.path = Path::DiagonalUp;
    else if (contains(w, {"diagonally", "down"}))
        a.path = Path::DiagonalDown;
    else if (contains(w, {"in", "a", "circle"}) || contains(w, {"circles"}))
        a.path = Path::Circle;
    else if (contains(w, {"bounces"}) || contains(w, {"bounce"}) || contains(w, {"bouncing"}))
        a.path = Path::Bounce;
    else if (contains(w, {"grows"}) || contains(w, {"growing"}) || contains(w, {"grow"}))
        a.path = Path::Grow;
    else if (contains(w, {"shrinks"}) || contains(w, {"shrinking"}) || contains(w, {"shrink"}))
        a.path = Path::Shrink;
    else if (contains(w, {"left", "to", "right"}))
        a.path = Path::LeftToRight;
    else if (contains(w, {"right", "to", "left"}))
        a.path = Path::RightToLeft;
    else if (contains(w, {"up"}) || contains(w, {"upward"}) || contains(w, {"upwards"}))
        a.path = Path::Up;
    else if (contains(w, {"down"}) || contains(w, {"downward"}) || contains(w, {"downwards"}))
        a.path = Path::Down;
    if (a.path == Path::Circle) {
        for (std::size_t i = 0; i + 2 < w.size(); ++i)
            if (w[i] == "in" && w[i + 1] == "a" && w[i + 2] == "circle")
                w.erase(w.begin() + static_cast<std::ptrdiff_t>(i),
                        w.begin() + static_cast<std::ptrdiff_t>(i) + 3);
    }
    // The (first) subject: the first shape, colour, size and style words.
    for (const auto& x : w) {
        if (!a.shape)
            a.shape = lookup<Shape>(x, kShapes, shapeName);
        if (!a.colour)
            a.colour = lookup<Colour>(x, kColours, colourName);
        if (!a.size)
            a.size = lookup<Size>(x, kSizes, sizeName);
        if (!a.style && (x == "striped" || x == "outlined"))
            a.style = x == "striped" ? Style::Striped : Style::Outlined;
    }
    return a;
}

}  // namespace mp::toy
