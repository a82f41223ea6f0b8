#pragma once
// The toy world: procedurally generated clips of coloured shapes moving along named paths over
// plain or textured backgrounds, with captions in natural phrasing and the four TGVE kinds of
// edit caption. Everything is a pure function of a seed (own generator, no std distributions,
// whose results differ between standard libraries), so a clip, its caption and its ground truth
// are the same on every machine. Torch-free and OpenCV-free: it builds in the engine-only GPU
// build, where the toy models are trained.
//
// Geometry: a subject is drawn from its shape's signed distance at `radius · scale(t)` pixels
// around its centre (x, y) in pixel coordinates (x right, y down, pixel centres at +0.5), with
// one pixel of analytic antialiasing. docs/toy-world.md lists every constant.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mp::toy {

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
};

enum class Shape { Circle, Square, Triangle, Star, Cross, Diamond };
enum class Colour { Red, Green, Blue, Yellow, Purple, Orange };
enum class Size { Small, Medium, Large };
enum class Path {
    LeftToRight,
    RightToLeft,
    Up,
    Down,
    DiagonalUp,    // bottom left → top right
    DiagonalDown,  // top left → bottom right
    Circle,
    Bounce,
    Zigzag,
    Grow,
    Shrink
};
enum class Speed { Slow, Fast };
enum class Style { Plain, Striped, Outlined };
enum class Background { White, Black, Gray, Beige, DarkGray, Stripes, Checks, Gradient };

inline constexpr int kShapes = 6, kColours = 6, kSizes = 3, kPaths = 11, kSpeeds = 2, kStyles = 3,
                     kBackgrounds = 8, kPlainBackgrounds = 5;

// Caption words: "circle", "red", "small", "striped", "white" / "striped" / "checkered" /
// "gradient".
const char* shapeName(Shape shape);
const char* colourName(Colour colour);
const char* sizeName(Size size);
const char* pathName(Path path);  // identifiers: "left_to_right", "diagonal_up", ...
const char* speedName(Speed speed);
const char* styleName(Style style);
const char* backgroundName(Background background);
Rgb colourRgb(Colour colour);
double sizeRadius(Size size);  // pixels, at scale 1

struct Subject {
    Shape shape = Shape::Circle;
    Colour colour = Colour::Red;
    Size size = Size::Medium;
    Path path = Path::LeftToRight;
    Speed speed = Speed::Fast;
    Style style = Style::Plain;
    // Where the path starts, as fractions of its free range in [0, 1] (drawn from the seed).
    double jitterA = 0.5, jitterB = 0.5;
};

struct ClipSpec {
    std::vector<Subject> subjects;  // one, or two of different colours
    Background background = Background::White;
    int frames = 16;
    int width = 64;
    int height = 64;
};

// The subject's centre and scale at frame t of `frames` (the path's schedule).
struct Placement {
    double x = 0, y = 0;
    double scale = 1;
};
Placement placement(const Subject& subject, int t, int frames, int width, int height);

// The path a clip shows played backwards, where the world has it: left to right ↔ right to left,
// up ↔ down, grow ↔ shrink; a circle and a bounce stay themselves (captions name no turning
// sense). The diagonals and the zigzag, reversed, go leftwards, which no caption says: none.
std::optional<Path> reversedPath(Path path);
// The spec whose captions are true of `spec`'s frames played backwards (every subject's path
// reversed), or none when a subject's path has no reverse in the world. Only the captions are
// meant: rendering it draws another clip.
std::optional<ClipSpec> reversedCaptionSpec(const ClipSpec& spec);

struct Frames {
    int width = 0;
    int height = 0;
    std::vector<std::vector<std::uint8_t>> frames;  // packed RGB24, width · height · 3 each
};

Frames render(const ClipSpec& spec);
// Frame t alone, packed RGB24: what render(spec).frames[t] holds.
std::vector<std::uint8_t> renderFrame(const ClipSpec& spec, int t);
// One subject drawn alone over a given background, for analysis by synthesis (the oracle).
// `coverage` receives the subject's antialiased coverage per pixel in [0, 1] when not null.
void drawSubject(Shape shape,
                 Style style,
                 Rgb colour,
                 double x,
                 double y,
                 double radius,
                 int width,
                 int height,
                 std::vector<std::uint8_t>& rgb,
                 std::vector<float>* coverage = nullptr);
// The background alone.
std::vector<std::uint8_t> renderBackground(Background background, int width, int height);

struct WorldOptions {
    int frames = 16;
    int width = 64;
    int height = 64;
    double twoSubjects = 0.0;  // probability of a second subject
    bool styles = false;       // draw subjects striped or outlined too (else plain)
};

// A random clip of the world, a pure function of `seed`.
ClipSpec randomClip(std::uint64_t seed, const WorldOptions& options = {});

// Captions. `variant` picks one of several phrasings (deterministically; any integer).
std::string caption(const ClipSpec& spec, int variant = 0);

// The four kinds of TGVE edit, each keeping the motion: the object (shape and/or colour), the
// background, the style (striped or outlined), and several at once. Pure functions of `seed`.
enum class EditKind { Style, Object, Background, Multiple };
const char* editKindName(EditKind kind);  // "style", "object", "background", "multiple"
ClipSpec edit(const ClipSpec& spec, EditKind kind, std::uint64_t seed);

// The attributes a caption names, read back from any text that uses the world's words ("a small
// red star zigzags from left to right on a checkered background"). Absent when not named.
struct CaptionAttributes {
    std::optional<Shape> shape;
    std::optional<Colour> colour;
    std::optional<Size> size;
    std::optional<Path> path;
    std::optional<Style> style;
    std::optional<Background> background;
};
CaptionAttributes parseCaption(std::string_view text);

}  // namespace mp::toy
