#pragma once
// Private to engine/video: deinterlacing decoded frames as players do, through libavfilter's
// bwdif (yadif where this FFmpeg lacks it). One frame out per frame in, at the same time: the
// first field is kept and the other field's lines are interpolated, from the neighbouring
// frames where nothing moves and from the kept field where something does.

#include "video/ffmpeg_util.h"

#include <deque>
#include <string>

struct AVFilterGraph;
struct AVFilterContext;

namespace mp::video::ff {

// Whether the decoder flagged this frame as interlaced (field-coded or field pictures).
bool isInterlaced(const AVFrame* f);

class Deinterlacer {
public:
    // allFrames: every frame (a stream whose field order says interlaced, or "on"); otherwise
    // only the frames flagged interlaced, the rest pass unchanged. topFieldFirst: 1 or 0 from
    // the stream's field order, -1 to follow each frame's flag. `label` names the file in errors.
    Deinterlacer(bool allFrames, int topFieldFirst, AVRational timeBase, std::string label);
    ~Deinterlacer();
    Deinterlacer(const Deinterlacer&) = delete;
    Deinterlacer& operator=(const Deinterlacer&) = delete;

    // Takes a reference to the next decoded frame. The filter needs the frame after a frame
    // to finish it, so output lags one frame behind until finish().
    void push(const AVFrame* f);
    // End of input: the held frames come out (the last one without a successor).
    void finish();
    // The next frame, in input order, with the input's best_effort_timestamp; false when none
    // is ready yet.
    bool pull(AVFrame* out);

private:
    void build(const AVFrame* f);
    void release();
    void drainInto(std::deque<FramePtr>& ready);

    bool m_allFrames;
    int m_topFieldFirst;
    AVRational m_timeBase;
    std::string m_label;
    AVFilterGraph* m_graph = nullptr;
    AVFilterContext* m_src = nullptr;
    AVFilterContext* m_sink = nullptr;
    int m_width = 0, m_height = 0, m_format = -1;
    std::deque<std::int64_t> m_times;  // inputs' timestamps, in order
    std::deque<FramePtr> m_ready;      // from a graph finished early (the frame size changed)
};

}  // namespace mp::video::ff
