#pragma once
// The toy world's oracle: from any RGB clip of the world's size — a render, a decoded video, a
// model's sample — it estimates the background, each subject's colour, shape, style, size and
// per-frame centroid, and the named path and speed of its motion. It works by analysis by
// synthesis: the background is the candidate whose render fits the low-chroma pixels best; a
// subject's pixels are those explained by one palette colour blended over that background, and
// its shape, style and size are the template (drawn by the same renderer) whose colour coverage
// overlaps the observed one most. docs/toy-world.md gives the method and its measured accuracy.
// Torch-free.

#include "toy/world.h"

#include <optional>
#include <vector>

namespace mp::toy {

struct SubjectEstimate {
    Colour colour = Colour::Red;
    Shape shape = Shape::Circle;
    Style style = Style::Plain;
    Size size = Size::Medium;
    Path path = Path::LeftToRight;
    Speed speed = Speed::Fast;
    double shapeFit = 0;  // soft IoU of the best template, 0..1
    // Per frame; `visible` false where the colour covers (almost) nothing.
    std::vector<bool> visible;
    std::vector<double> x, y;    // coverage-weighted centroid, pixels
    std::vector<double> radius;  // template radius fitted to the coverage, pixels
};

struct ClipEstimate {
    Background background = Background::White;
    double backgroundError = 0;             // mean absolute error of the fitted background
    std::vector<SubjectEstimate> subjects;  // by coverage, largest first; at most two
};

// Throws EngineError{InvalidArgument} for an empty clip or frames of the wrong byte count.
ClipEstimate analyse(const Frames& clip);

// "Appearance follows the caption", each attribute separately: absent when the caption does not
// name it, false when the clip has no subject to judge.
struct AppearanceCheck {
    std::optional<bool> colour, shape, size, style, background;
};
AppearanceCheck checkAppearance(const ClipEstimate& clip, const CaptionAttributes& caption);

// "Motion preserved": how closely the first subject of `clip` moves like that of `reference`.
// Per consecutive frame pair, the cosine of the two centroid displacements (1 when both move less
// than 0.25 px, 0 when only one does), averaged over the pairs where both are visible; and
// whether the oracle names the same path. value is 0 and samePath false when either has no subject.
struct MotionCheck {
    double similarity = 0;  // −1 … 1
    bool samePath = false;
    int pairs = 0;
};
MotionCheck checkMotion(const ClipEstimate& clip, const ClipEstimate& reference);

// The verdicts on a clip made for `caption` from a reference video: appearance against the
// caption, motion against the reference, and with the reference's caption the leak: for each of
// colour, shape and background that the caption changes, whether the clip shows the reference's
// value instead (absent where the caption keeps it or either caption names none).
struct Verdicts {
    AppearanceCheck appearance;
    MotionCheck motion;
    std::optional<AppearanceCheck> leak;  // colour, shape, background only
};
Verdicts judge(const ClipEstimate& clip,
               const CaptionAttributes& caption,
               const ClipEstimate& reference,
               const CaptionAttributes* referenceCaption = nullptr);

}  // namespace mp::toy
