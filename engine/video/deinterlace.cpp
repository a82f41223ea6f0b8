#include "video/deinterlace.h"

#include "core/error.h"

extern "C" {
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
}

#include <cstdio>

namespace mp::video::ff {

bool isInterlaced(const AVFrame* f) {
#ifdef AV_FRAME_FLAG_INTERLACED
    return f->flags & AV_FRAME_FLAG_INTERLACED;
#else
    return f->interlaced_frame != 0;
#endif
}

Deinterlacer::Deinterlacer(bool allFrames,
                           int topFieldFirst,
                           AVRational timeBase,
                           std::string label)
    : m_allFrames(allFrames),
      m_topFieldFirst(topFieldFirst),
      m_timeBase(timeBase),
      m_label(std::move(label)) {}

Deinterlacer::~Deinterlacer() {
    release();
}

void Deinterlacer::release() {
    avfilter_graph_free(&m_graph);
    m_src = m_sink = nullptr;
}

void Deinterlacer::build(const AVFrame* f) {
    release();
    auto fail = [&](const char* what, int r) {
        release();
        throw EngineError(ErrorCode::Unsupported,
                          m_label + ": cannot deinterlace (" + what + ": " + errorText(r) + ")");
    };
    const AVFilter* method = avfilter_get_by_name("bwdif");
    if (!method)
        method = avfilter_get_by_name("yadif");
    if (!method)
        throw EngineError(
            ErrorCode::Unsupported,
            m_label + ": cannot deinterlace (this FFmpeg has neither bwdif nor yadif)");
    m_graph = avfilter_graph_alloc();
    if (!m_graph)
        throw EngineError(ErrorCode::Internal, "out of memory (avfilter_graph_alloc)");
    const AVRational sar =
        f->sample_aspect_ratio.num > 0 ? f->sample_aspect_ratio : AVRational{1, 1};
    char args[256];
    std::snprintf(args, sizeof args,
                  "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:pixel_aspect=%d/%d", f->width,
                  f->height, f->format, m_timeBase.num, m_timeBase.den, sar.num, sar.den);
    int r = avfilter_graph_create_filter(&m_src, avfilter_get_by_name("buffer"), "in", args,
                                         nullptr, m_graph);
    if (r < 0)
        fail("buffer source", r);
    r = avfilter_graph_create_filter(&m_sink, avfilter_get_by_name("buffersink"), "out", nullptr,
                                     nullptr, m_graph);
    if (r < 0)
        fail("buffer sink", r);
    // send_frame: one frame per frame (not one per field), so frame indices and times stay.
    char opts[128];
    std::snprintf(opts, sizeof opts, "mode=send_frame:parity=%s:deint=%s",
                  m_topFieldFirst < 0 ? "auto"
                  : m_topFieldFirst   ? "tff"
                                      : "bff",
                  m_allFrames ? "all" : "interlaced");
    AVFilterContext* deint = nullptr;
    r = avfilter_graph_create_filter(&deint, method, "deinterlace", opts, nullptr, m_graph);
    if (r < 0)
        fail(method->name, r);
    // Formats the filter lacks (packed RGB, palettes) get a converting scaler inserted here.
    if ((r = avfilter_link(m_src, 0, deint, 0)) < 0 ||
        (r = avfilter_link(deint, 0, m_sink, 0)) < 0 ||
        (r = avfilter_graph_config(m_graph, nullptr)) < 0)
        fail("filter graph", r);
    m_width = f->width;
    m_height = f->height;
    m_format = f->format;
}

void Deinterlacer::drainInto(std::deque<FramePtr>& ready) {
    for (;;) {
        FramePtr out = allocFrame();
        if (!pull(out.get()))
            return;
        ready.push_back(std::move(out));
    }
}

void Deinterlacer::push(const AVFrame* f) {
    if (m_graph && (f->width != m_width || f->height != m_height || f->format != m_format)) {
        // A new size or format needs a new graph: finish the frames the old one holds first.
        std::deque<FramePtr> ready;
        finish();
        drainInto(ready);
        for (auto& fr : ready)
            m_ready.push_back(std::move(fr));
        release();
    }
    if (!m_graph)
        build(f);
    m_times.push_back(f->best_effort_timestamp);
    const int r =
        av_buffersrc_add_frame_flags(m_src, const_cast<AVFrame*>(f), AV_BUFFERSRC_FLAG_KEEP_REF);
    if (r < 0)
        throw EngineError(ErrorCode::Internal, m_label + ": deinterlacing fails: " + errorText(r));
}

void Deinterlacer::finish() {
    if (!m_src)
        return;
    // EOF twice (the graph was already told) is harmless; pull() drains what it holds.
    if (const int r = av_buffersrc_add_frame_flags(m_src, nullptr, 0); r < 0 && r != AVERROR_EOF)
        throw EngineError(ErrorCode::Internal, m_label + ": deinterlacing fails: " + errorText(r));
}

bool Deinterlacer::pull(AVFrame* out) {
    av_frame_unref(out);
    if (!m_ready.empty()) {
        av_frame_move_ref(out, m_ready.front().get());
        m_ready.pop_front();
        return true;
    }
    if (!m_sink)
        return false;
    const int r = av_buffersink_get_frame(m_sink, out);
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
        return false;
    if (r < 0)
        throw EngineError(ErrorCode::Internal, m_label + ": deinterlacing fails: " + errorText(r));
    if (!m_times.empty()) {
        out->best_effort_timestamp = m_times.front();
        m_times.pop_front();
    }
    return true;
}

}  // namespace mp::video::ff
