// Lucas–Kanade flow similarity on synthetic motion: a textured scene (flat rectangles, whose
// corners Shi–Tomasi finds) seen through a window that slides a fixed number of pixels per frame.
// The same motion scores ≈ 1 whatever its speed, the reversed motion ≈ −1, a perpendicular one
// ≈ 0; still against still is 1 by definition, still against moving 0; a textureless original
// gives an invalid result with a note, never NaN.

#include "vision/flow_similarity.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <cmath>
#include <random>

using namespace mp;
using namespace Qt::StringLiterals;

namespace {

constexpr int kWidth = 96, kHeight = 80, kFrames = 6, kMargin = 40;

// A canvas of flat rectangles; frame t shows it shifted by t·(dx, dy): content moves by (dx, dy).
std::vector<std::vector<std::uint8_t>> slidingScene(int dx, int dy, unsigned seed) {
    const int cw = kWidth + 2 * kMargin, ch = kHeight + 2 * kMargin;
    std::vector<std::uint8_t> canvas(static_cast<std::size_t>(cw) * ch * 3, 128);
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> px(0, cw - 1), py(0, ch - 1), side(4, 14), colour(0, 255);
    for (int n = 0; n < 260; ++n) {
        const int x0 = px(rng), y0 = py(rng), w = side(rng), h = side(rng);
        const std::uint8_t c[3] = {static_cast<std::uint8_t>(colour(rng)),
                                   static_cast<std::uint8_t>(colour(rng)),
                                   static_cast<std::uint8_t>(colour(rng))};
        for (int y = y0; y < std::min(ch, y0 + h); ++y)
            for (int x = x0; x < std::min(cw, x0 + w); ++x)
                std::memcpy(&canvas[(static_cast<std::size_t>(y) * cw + x) * 3], c, 3);
    }
    std::vector<std::vector<std::uint8_t>> frames;
    for (int t = 0; t < kFrames; ++t) {
        const int ox = kMargin - t * dx, oy = kMargin - t * dy;  // the window slides against v
        std::vector<std::uint8_t> f(static_cast<std::size_t>(kWidth) * kHeight * 3);
        for (int y = 0; y < kHeight; ++y)
            std::memcpy(&f[static_cast<std::size_t>(y) * kWidth * 3],
                        &canvas[(static_cast<std::size_t>(y + oy) * cw + ox) * 3], kWidth * 3);
        frames.push_back(std::move(f));
    }
    return frames;
}

vision::RgbFrames view(const std::vector<std::vector<std::uint8_t>>& frames,
                       int width = kWidth,
                       int height = kHeight) {
    return {&frames, width, height};
}

}  // namespace

class TstFlowSimilarity : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void syntheticMotion_data() {
        QTest::addColumn<QPoint>("original");
        QTest::addColumn<QPoint>("other");
        QTest::addColumn<unsigned>("otherSeed");  // the other video's scene
        QTest::addColumn<double>("expected");
        QTest::addColumn<double>("tolerance");
        QTest::newRow("identical") << QPoint(2, 1) << QPoint(2, 1) << 1u << 1.0 << 1e-9;
        QTest::newRow("same-direction-faster") << QPoint(2, 1) << QPoint(4, 2) << 1u << 1.0 << 0.03;
        QTest::newRow("same-motion-other-scene")
            << QPoint(2, 1) << QPoint(2, 1) << 7u << 1.0 << 0.1;
        QTest::newRow("reversed") << QPoint(2, 1) << QPoint(-2, -1) << 1u << -1.0 << 0.03;
        QTest::newRow("perpendicular") << QPoint(2, 1) << QPoint(-1, 2) << 1u << 0.0 << 0.05;
        QTest::newRow("vertical-vs-horizontal")
            << QPoint(0, 3) << QPoint(3, 0) << 1u << 0.0 << 0.05;
        QTest::newRow("both-static") << QPoint(0, 0) << QPoint(0, 0) << 1u << 1.0 << 1e-9;
        QTest::newRow("static-vs-moving") << QPoint(0, 0) << QPoint(2, 1) << 1u << 0.0 << 0.05;
        QTest::newRow("moving-vs-static") << QPoint(2, 1) << QPoint(0, 0) << 1u << 0.0 << 0.05;
    }
    void syntheticMotion() {
        QFETCH(QPoint, original);
        QFETCH(QPoint, other);
        QFETCH(unsigned, otherSeed);
        QFETCH(double, expected);
        QFETCH(double, tolerance);
        const auto a = slidingScene(original.x(), original.y(), 1);
        const auto b = slidingScene(other.x(), other.y(), otherSeed);
        const auto r = vision::flowSimilarity(view(a), view(b)).value();
        const auto param = [&](const char* name) {
            for (const auto& [k, v] : r.params)
                if (k == name)
                    return v;
            return -1.0;
        };
        qInfo("value %.4f over %g points in %g of %zu pairs", r.value, param("points"),
              param("pairs_with_points"), r.perItem.size());
        QVERIFY(r.valid);
        QVERIFY(std::isfinite(r.value));
        QVERIFY2(std::abs(r.value - expected) <= tolerance, qPrintable(QString::number(r.value)));
        QCOMPARE(r.perItem.size(), std::size_t(kFrames - 1));
        QCOMPARE(param("pairs_with_points"), double(kFrames - 1));
        QVERIFY(param("points") >= 20.0 * (kFrames - 1));  // the scene has corners to track
        QCOMPARE(param("win_size"), 15.0);
        QCOMPARE(r.metric, std::string("flow_similarity"));
        QCOMPARE(r.variant, std::string("lucas-kanade"));
        QVERIFY(r.backbone.rfind("OpenCV ", 0) == 0);
    }

    void textureless() {
        // Nothing to track: invalid with a note, value 0, not NaN.
        const std::vector<std::vector<std::uint8_t>> flat(
            4, std::vector<std::uint8_t>(static_cast<std::size_t>(kWidth) * kHeight * 3, 200));
        const auto moving = slidingScene(2, 1, 1);
        const std::vector<std::vector<std::uint8_t>> moving4(moving.begin(), moving.begin() + 4);
        const auto r = vision::flowSimilarity(view(flat), view(moving4)).value();
        QVERIFY(!r.valid);
        QCOMPARE(r.value, 0.0);
        QVERIFY(r.note.find("no trackable point") != std::string::npos);
        for (double v : r.perItem)
            QVERIFY(std::isfinite(v));
        const auto j = metrics::scoreToJson(r);
        QVERIFY(j["value"].is_null());
        QCOMPARE(j["valid"].get<bool>(), false);
    }

    void partlyTextureless() {
        // The original is flat in frames 0 and 1, so pairs 0 and 1 have no point to track: they
        // are left out of the mean and of perItem, and the note names them.
        auto original = slidingScene(2, 1, 1);
        const auto other = slidingScene(2, 1, 1);
        for (int i : {0, 1})
            std::fill(original[i].begin(), original[i].end(), std::uint8_t(200));
        const auto r = vision::flowSimilarity(view(original), view(other)).value();
        QVERIFY(r.valid);
        QCOMPARE(r.perItem.size(), std::size_t(kFrames - 3));
        double sum = 0;
        for (double v : r.perItem)
            sum += v;
        QVERIFY(std::abs(sum / double(r.perItem.size()) - r.value) <= 1e-12);
        QVERIFY(r.value > 0.9);  // the same motion where there is something to track
        QVERIFY2(r.note.find("frame pairs 0, 1 ") != std::string::npos, r.note.c_str());
    }

    void cancelled() {
        const auto a = slidingScene(2, 1, 1);
        JobContext job;
        int reported = 0;
        job.progress = [&](const ProgressEvent& e) {
            QCOMPARE(e.stage, std::string("flow"));
            if (++reported == 2)
                job.cancel.cancel();
        };
        const auto r = vision::flowSimilarity(view(a), view(a), {}, job);
        QVERIFY(r.cancelled());
        QCOMPARE(reported, 2);
    }

    void rejects_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("message");
        QTest::newRow("frame-count") << u"frame-count"_s << u"differ in frame count (6 and 5)"_s;
        QTest::newRow("size") << u"size"_s << u"differ in size"_s;
        QTest::newRow("one-frame") << u"one-frame"_s << u"at least 2 frames"_s;
        QTest::newRow("short-frame") << u"short-frame"_s << u"frame 2 has"_s;
    }
    void rejects() {
        QFETCH(QString, what);
        QFETCH(QString, message);
        auto a = slidingScene(2, 1, 1);
        auto b = a;
        vision::RgbFrames va = view(a), vb = view(b);
        if (what == u"frame-count") {
            b.pop_back();
        } else if (what == u"size") {
            vb.width = kHeight;
            vb.height = kWidth;
        } else if (what == u"one-frame") {
            a.resize(1);
            b.resize(1);
        } else {
            b[2].resize(10);
        }
        const auto r = vision::flowSimilarity(va, vb);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code(), ErrorCode::InvalidArgument);
        QVERIFY2(QString::fromUtf8(r.error().what()).contains(message), r.error().what());
    }
};

QTEST_APPLESS_MAIN(TstFlowSimilarity)
#include "tst_flow_similarity.moc"
