// The seeking benchmark's helper (tools/bench/video_seek.sh runs it):
//   bench_video_seek make OUT.mp4 SECONDS [WIDTHxHEIGHT] [FPS]
//       writes the synthetic pattern as H.264 (x264 preset veryfast, its default 250-frame
//       keyframe interval and B-frames, as `ffmpeg -c:v libx264` would make it);
//   bench_video_seek time FILE [FRAMES]
//       times probeVideo (metadata), decodeVideo(uniform FRAMES) and decodeThumbnails in this
//       process and checks the frames' numbers against the pattern.

#include "core/stopwatch.h"
#include "video/synthetic.h"
#include "video/thumbnails.h"
#include "video/video_io.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace mp::video;

int main(int argc, char** argv) {
    const std::string mode = argc > 2 ? argv[1] : "";
    if (mode == "make" && argc >= 4) {
        SyntheticSpec spec;
        spec.width = 1280;
        spec.height = 720;
        spec.fps = argc > 5 ? std::atof(argv[5]) : 30;
        if (argc > 4)
            std::sscanf(argv[4], "%dx%d", &spec.width, &spec.height);
        spec.frames = static_cast<int>(std::lround(std::atof(argv[3]) * spec.fps));
        spec.codec = "libx264";
        spec.pixelFormat = "yuv420p";
        spec.codecOptions = {{"preset", "veryfast"}, {"crf", "23"}};
        const mp::Stopwatch watch;
        auto r = writeSyntheticVideo(argv[2], spec);
        if (!r) {
            std::fprintf(stderr, "%s\n", r.error().what());
            return 1;
        }
        std::printf("wrote %s: %d frames %dx%d at %g fps in %.1f s\n", argv[2], spec.frames,
                    spec.width, spec.height, spec.fps, watch.milliseconds() / 1000);
        return 0;
    }
    if (mode == "time") {
        const int n = argc > 3 ? std::atoi(argv[3]) : 16;
        mp::Stopwatch watch;
        auto info = probeVideo(argv[2]);
        if (!info) {
            std::fprintf(stderr, "%s\n", info.error().what());
            return 1;
        }
        const double probeMs = watch.milliseconds();
        const auto& s = info.value().source;
        DecodeOptions o;
        o.select = {SelectMode::Uniform, n};
        watch.restart();
        auto clip = decodeVideo(argv[2], o);
        if (!clip) {
            std::fprintf(stderr, "%s\n", clip.error().what());
            return 1;
        }
        const double decodeMs = watch.milliseconds();
        watch.restart();
        auto thumbs = decodeThumbnails(argv[2], {n, 160, 160});
        const double thumbMs = watch.milliseconds();
        int wrong = 0;
        const auto& c = clip.value();
        for (int k = 0; k < c.frameCount(); ++k) {
            const auto want = n == 1 ? 0
                                     : static_cast<long long>(std::floor(
                                           double(k) * double(s.frameCount - 1) / (n - 1) + 0.5));
            if (readSyntheticFrameNumber(c.frames[k], c.width, c.height) !=
                static_cast<int>(want % (1 << syntheticBits(c.width))))
                ++wrong;
        }
        std::printf(
            "{\"file\": \"%s\", \"frames\": %lld, \"probe_ms\": %.1f, \"uniform%d_ms\": %.1f, "
            "\"thumbnails%d_ms\": %.1f, \"frames_off_pattern\": %d}\n",
            argv[2], static_cast<long long>(s.frameCount), probeMs, n, decodeMs, n,
            thumbs ? thumbMs : -1.0, wrong);
        return wrong == 0 ? 0 : 1;
    }
    std::fprintf(stderr,
                 "usage: bench_video_seek make OUT.mp4 SECONDS [WxH] [FPS]\n"
                 "       bench_video_seek time FILE [FRAMES]\n");
    return 2;
}
