#include "video/ffmpeg_util.h"

#include "core/error.h"
#include "core/log.h"
#include "video/video_io.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <cstdarg>
#include <mutex>

namespace mp::video {

namespace ff {

namespace {

thread_local std::string t_lastError;
thread_local long long t_errorCount = 0;

void logCallback(void* avcl, int level, const char* fmt, va_list args) {
    if (level > AV_LOG_WARNING)
        return;
    char line[1024];
    int printPrefix = 0;  // no "[h264 @ 0x55...]": addresses mean nothing to a user
    av_log_format_line2(avcl, level, fmt, args, line, sizeof line, &printPrefix);
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    if (text.empty())
        return;
    if (level <= AV_LOG_ERROR) {
        t_lastError = text;
        ++t_errorCount;
    }
    log::debug("ffmpeg: " + text);
}

}  // namespace

FramePtr allocFrame() {
    FramePtr f(av_frame_alloc());
    if (!f)
        throw EngineError(ErrorCode::Internal, "out of memory (av_frame_alloc)");
    return f;
}

PacketPtr allocPacket() {
    PacketPtr p(av_packet_alloc());
    if (!p)
        throw EngineError(ErrorCode::Internal, "out of memory (av_packet_alloc)");
    return p;
}

std::string errorText(int code) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {};
    if (av_strerror(code, buf, sizeof buf) < 0)
        return "FFmpeg error " + std::to_string(code);
    return buf;
}

void installLogForwarding() {
    static std::once_flag once;
    std::call_once(once, [] { av_log_set_callback(logCallback); });
}

std::string lastLogError() {
    return t_lastError;
}

long long logErrorCount() {
    return t_errorCount;
}

void clearLastLogError() {
    t_lastError.clear();
}

AVPixelFormat withoutJpegRange(AVPixelFormat format, bool& fullRange) {
    switch (format) {
        case AV_PIX_FMT_YUVJ420P:
            fullRange = true;
            return AV_PIX_FMT_YUV420P;
        case AV_PIX_FMT_YUVJ422P:
            fullRange = true;
            return AV_PIX_FMT_YUV422P;
        case AV_PIX_FMT_YUVJ444P:
            fullRange = true;
            return AV_PIX_FMT_YUV444P;
        case AV_PIX_FMT_YUVJ440P:
            fullRange = true;
            return AV_PIX_FMT_YUV440P;
        case AV_PIX_FMT_YUVJ411P:
            fullRange = true;
            return AV_PIX_FMT_YUV411P;
        default:
            return format;
    }
}

}  // namespace ff

void requireConvertibleToRgb(const std::string& pixelFormat, const std::string& label) {
    const AVPixelFormat f = av_get_pix_fmt(pixelFormat.c_str());
    if (f == AV_PIX_FMT_NONE)
        throw EngineError(ErrorCode::Unsupported,
                          label + ": unknown pixel format '" + pixelFormat + "'");
    const auto* desc = av_pix_fmt_desc_get(f);
    if ((desc && (desc->flags & AV_PIX_FMT_FLAG_HWACCEL)) || !sws_isSupportedInput(f))
        throw EngineError(ErrorCode::Unsupported,
                          label + ": pixel format '" + pixelFormat +
                              "' cannot be converted to RGB by this FFmpeg (libswscale)");
}

bool hasEncoder(const std::string& name) {
    return avcodec_find_encoder_by_name(name.c_str()) != nullptr;
}

}  // namespace mp::video
