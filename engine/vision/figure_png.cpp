#include "vision/figure_png.h"

#include "core/error.h"
#include "io/file_util.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstring>

namespace mp::vision {

namespace {

cv::Scalar bgr(probe::Rgb c) {
    return {static_cast<double>(c.b), static_cast<double>(c.g), static_cast<double>(c.r)};
}

std::string ascii(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const auto starts = [&](const char* s) { return text.compare(i, std::strlen(s), s) == 0; };
        if (starts("τ")) {
            out += "tau";
            i += std::strlen("τ");
        } else if (starts("→")) {
            out += "->";
            i += std::strlen("→");
        } else if (starts("±")) {
            out += "+-";
            i += std::strlen("±");
        } else if (starts("—")) {
            out += "-";
            i += std::strlen("—");
        } else if (static_cast<unsigned char>(text[i]) < 0x80) {
            out += text[i++];
        } else {  // other non-ASCII: one '?' per character
            out += '?';
            ++i;
            while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
                ++i;
        }
    }
    return out;
}

void drawText(cv::Mat& image, const probe::Figure::Text& t) {
    const auto text = ascii(t.text);
    const int font = cv::FONT_HERSHEY_SIMPLEX;
    const double scale = t.size / 28.0;
    int baseline = 0;
    const auto size = cv::getTextSize(text, font, scale, 1, &baseline);
    double dx = 0;
    if (t.anchor == probe::Figure::Anchor::Middle)
        dx = -size.width / 2.0;
    else if (t.anchor == probe::Figure::Anchor::End)
        dx = -size.width;
    if (!t.vertical) {
        cv::putText(
            image, text,
            cv::Point(static_cast<int>(std::lround(t.x + dx)), static_cast<int>(std::lround(t.y))),
            font, scale, bgr(t.colour), 1, cv::LINE_AA);
        return;
    }
    // Draw horizontally on a patch, turn it, and copy its ink onto the image.
    cv::Mat patch(size.height + baseline + 2, size.width + 2, CV_8UC3, cv::Scalar(255, 255, 255));
    cv::putText(patch, text, cv::Point(1, size.height), font, scale, bgr(t.colour), 1, cv::LINE_AA);
    cv::rotate(patch, patch, cv::ROTATE_90_COUNTERCLOCKWISE);
    const int x = static_cast<int>(std::lround(t.x)) - patch.cols + baseline;
    const int y = static_cast<int>(std::lround(t.y - dx)) - patch.rows;
    const cv::Rect where =
        cv::Rect(x, y, patch.cols, patch.rows) & cv::Rect(0, 0, image.cols, image.rows);
    if (where.area() <= 0)
        return;
    cv::Mat mask;
    cv::inRange(patch, cv::Scalar(250, 250, 250), cv::Scalar(255, 255, 255), mask);
    cv::bitwise_not(mask, mask);
    const cv::Rect from(where.x - x, where.y - y, where.width, where.height);
    patch(from).copyTo(image(where), mask(from));
}

}  // namespace

void writeFigurePng(const probe::Figure& f, const std::filesystem::path& path) {
    cv::Mat image(f.height, f.width, CV_8UC3, cv::Scalar(255, 255, 255));
    const auto pt = [](double x, double y) {
        return cv::Point(static_cast<int>(std::lround(x)), static_cast<int>(std::lround(y)));
    };
    for (const auto& r : f.rects) {
        cv::rectangle(image, pt(r.x, r.y), pt(r.x + r.w, r.y + r.h), bgr(r.fill), cv::FILLED);
        if (r.stroke)
            cv::rectangle(image, pt(r.x, r.y), pt(r.x + r.w, r.y + r.h), bgr(*r.stroke), 1);
    }
    for (const auto& l : f.lines) {
        const int width = std::max(1, static_cast<int>(std::lround(l.width)));
        if (!l.dashed) {
            cv::line(image, pt(l.x0, l.y0), pt(l.x1, l.y1), bgr(l.colour), width, cv::LINE_AA);
            continue;
        }
        const double len = std::hypot(l.x1 - l.x0, l.y1 - l.y0);
        for (double s = 0; s < len; s += 7) {
            const double e = std::min(len, s + 4);
            cv::line(image, pt(l.x0 + (l.x1 - l.x0) * s / len, l.y0 + (l.y1 - l.y0) * s / len),
                     pt(l.x0 + (l.x1 - l.x0) * e / len, l.y0 + (l.y1 - l.y0) * e / len),
                     bgr(l.colour), width, cv::LINE_AA);
        }
    }
    for (const auto& c : f.circles) {
        const int r = static_cast<int>(std::lround(c.r));
        if (c.fill)
            cv::circle(image, pt(c.x, c.y), r, bgr(*c.fill), cv::FILLED, cv::LINE_AA);
        if (c.stroke)
            cv::circle(image, pt(c.x, c.y), r, bgr(*c.stroke), 2, cv::LINE_AA);
    }
    for (const auto& t : f.texts)
        drawText(image, t);
    std::vector<unsigned char> png;
    if (!cv::imencode(".png", image, png))
        throw EngineError(ErrorCode::Io, path.string() + ": could not encode the PNG");
    writeFileAtomically(path, [&](std::ostream& s) {
        s.write(reinterpret_cast<const char*>(png.data()),
                static_cast<std::streamsize>(png.size()));
    });
}

}  // namespace mp::vision
