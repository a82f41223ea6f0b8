#pragma once
// Private to engine/video: RAII owners for FFmpeg objects, error text and log forwarding.
// Only engine/video/*.cpp include this (and FFmpeg); public headers stay FFmpeg-free.

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>

namespace mp::video::ff {

struct InputDeleter {
    void operator()(AVFormatContext* p) const { avformat_close_input(&p); }
};
struct OutputDeleter {
    void operator()(AVFormatContext* p) const {
        if (p->pb && !(p->oformat->flags & AVFMT_NOFILE))
            avio_closep(&p->pb);
        avformat_free_context(p);
    }
};
struct CodecDeleter {
    void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
};
struct FrameDeleter {
    void operator()(AVFrame* p) const { av_frame_free(&p); }
};
struct PacketDeleter {
    void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
    void operator()(SwsContext* p) const { sws_freeContext(p); }
};

using InputPtr = std::unique_ptr<AVFormatContext, InputDeleter>;
using OutputPtr = std::unique_ptr<AVFormatContext, OutputDeleter>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;

// Throw EngineError{Internal} when FFmpeg cannot allocate.
FramePtr allocFrame();
PacketPtr allocPacket();

// av_strerror's text for an FFmpeg return code.
std::string errorText(int code);

// Routes FFmpeg's log into mp::log at debug level (our own errors say what matters) and keeps
// the last error-level line per thread, so messages about corrupt streams can quote it. Idempotent.
void installLogForwarding();
// The last FFmpeg error-level log line on this thread since clearLastLogError().
std::string lastLogError();
void clearLastLogError();
// Error-level FFmpeg log lines on this thread so far: a demuxer that skips damaged data says so
// only in its log.
long long logErrorCount();

// yuvj* formats are yuv* with full range; swscale wants the plain format plus a range flag.
AVPixelFormat withoutJpegRange(AVPixelFormat format, bool& fullRange);

}  // namespace mp::video::ff
