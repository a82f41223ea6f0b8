// Decoding: video files through libavformat/libavcodec, frame folders file by file. Every mode
// reduces to a list of source frame indices; only the kept frames are converted to RGB and held.

#include "core/strings.h"
#include "io/json_util.h"
#include "video/deinterlace.h"
#include "video/ffmpeg_util.h"
#include "video/thumbnails.h"
#include "video/video_io.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>

namespace mp::video {

namespace fs = std::filesystem;

namespace {

constexpr const char* kImageExtensions[] = {".jpg", ".jpeg", ".png", ".bmp"};

int snapRotation(double degreesClockwise) {
    if (!std::isfinite(degreesClockwise))
        return 0;
    const int r = static_cast<int>(std::lround(degreesClockwise / 90.0)) * 90;
    return ((r % 360) + 360) % 360;
}

// The legacy `rotate` stream tag (clockwise degrees): what FFmpeg before 6.0 exported from mp4
// and wrote into Matroska/MOV tags from `-metadata:s:v rotate=90`, where no display matrix is
// stored. Tag lookups are case-insensitive, so Matroska's "ROTATE" matches too.
std::optional<int> rotateTag(const AVStream* st) {
    const auto* tag = av_dict_get(st->metadata, "rotate", nullptr, 0);
    if (!tag || !tag->value)
        return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(tag->value, &end);
    if (end == tag->value || !std::isfinite(v))
        return std::nullopt;
    return snapRotation(v);
}

const std::uint8_t* streamDisplayMatrix(const AVStream* st) {
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 29, 100)
    const AVPacketSideData* sd = av_packet_side_data_get(
        st->codecpar->coded_side_data, st->codecpar->nb_coded_side_data, AV_PKT_DATA_DISPLAYMATRIX);
    return sd && sd->size >= 36 ? sd->data : nullptr;
#else
    std::size_t size = 0;
    const std::uint8_t* data = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    return size >= 36 ? data : nullptr;
#endif
}

// "HH:MM:SS.nnnnnnnnn", as FFmpeg's Matroska muxer writes the per-stream DURATION tag.
double parseDurationTag(const char* text) {
    if (!text)
        return 0;
    int h = 0, m = 0;
    double s = 0;
    if (std::sscanf(text, "%d:%d:%lf", &h, &m, &s) != 3)
        return 0;
    return h * 3600.0 + m * 60.0 + s;
}

bool isImageFile(const fs::path& p) {
    const auto ext = str::toLower(p.extension().string());
    return std::any_of(std::begin(kImageExtensions), std::end(kImageExtensions),
                       [&](const char* e) { return ext == e; });
}

void checkExists(const fs::path& path, const std::string& label) {
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw EngineError(ErrorCode::NotFound, label + ": file not found");
}

// One video stream of one file, decoded frame by frame in presentation order.
class VideoReader {
public:
    VideoReader(const fs::path& path, const std::string& label) : m_label(label) {
        ff::installLogForwarding();
        ff::clearLastLogError();
        checkExists(path, label);
        // Untrusted input: local files only (no network, no "%d" image patterns, no protocol
        // prefixes hidden in the name), and the container is identified before any demuxer
        // opens it: playlist-like formats (HLS, concat lists) would read other files while
        // opening.
        const std::string url = "file:" + path.string();
        const AVInputFormat* format = nullptr;
        {
            AVIOContext* pb = nullptr;
            int r = avio_open2(&pb, url.c_str(), AVIO_FLAG_READ, nullptr, nullptr);
            if (r < 0)
                throwOpenError(r, label);
            r = av_probe_input_buffer2(pb, &format, url.c_str(), nullptr, 0, 0);
            avio_closep(&pb);
            if (r < 0 || !format)
                throw EngineError(ErrorCode::Format,
                                  label + ": not a video or image FFmpeg can read (" +
                                      detail(ff::errorText(r < 0 ? r : AVERROR_INVALIDDATA)) + ")");
        }
        const std::string demuxer = format->name;
        if (demuxer == "hls" || demuxer == "concat" || demuxer == "dash" ||
            demuxer == "ffmetadata" || demuxer == "tee")
            throw EngineError(
                ErrorCode::Unsupported,
                label + ": " + demuxer + " files are not read (they refer to other files)");
        AVDictionary* opts = nullptr;
        av_dict_set(&opts, "protocol_whitelist", "file", 0);
        av_dict_set(&opts, "pattern_type", "none", 0);
        AVFormatContext* raw = nullptr;
        int r = avformat_open_input(&raw, url.c_str(), format, &opts);
        av_dict_free(&opts);
        if (r < 0) {
            if (r == AVERROR(ENOENT) || r == AVERROR(EACCES) || r == AVERROR(EISDIR))
                throwOpenError(r, label);
            throw EngineError(ErrorCode::Format, label +
                                                     ": not a video or image FFmpeg can read (" +
                                                     detail(ff::errorText(r)) + ")");
        }
        m_fmt.reset(raw);
        r = avformat_find_stream_info(m_fmt.get(), nullptr);
        if (r < 0)
            throw EngineError(ErrorCode::Format, label + ": cannot read the stream layout (" +
                                                     detail(ff::errorText(r)) + ")");
        const AVCodec* decoder = nullptr;
        m_index = av_find_best_stream(m_fmt.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
        if (m_index == AVERROR_STREAM_NOT_FOUND)
            throw EngineError(ErrorCode::Format, label + ": has no video stream");
        m_stream = m_index >= 0 ? m_fmt->streams[m_index] : nullptr;
        if (m_index == AVERROR_DECODER_NOT_FOUND || !decoder) {
            const AVStream* any = nullptr;
            for (unsigned i = 0; i < m_fmt->nb_streams; ++i)
                if (m_fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO)
                    any = m_fmt->streams[i];
            throw EngineError(ErrorCode::Unsupported,
                              label + ": this FFmpeg has no decoder for codec '" +
                                  (any ? avcodec_get_name(any->codecpar->codec_id) : "?") + "'");
        }
        if (m_stream->disposition & AV_DISPOSITION_ATTACHED_PIC)
            throw EngineError(ErrorCode::Format,
                              label + ": has no video stream (only an attached picture)");
        const auto fmt = static_cast<AVPixelFormat>(m_stream->codecpar->format);
        if (fmt != AV_PIX_FMT_NONE)
            requireConvertibleToRgb(av_get_pix_fmt_name(fmt), label);
        m_dec.reset(avcodec_alloc_context3(decoder));
        if (!m_dec)
            throw EngineError(ErrorCode::Internal, "out of memory (avcodec_alloc_context3)");
        r = avcodec_parameters_to_context(m_dec.get(), m_stream->codecpar);
        if (r >= 0) {
            m_dec->pkt_timebase = m_stream->time_base;
            m_dec->thread_count = 0;  // one per core
            r = avcodec_open2(m_dec.get(), decoder, nullptr);
        }
        if (r < 0)
            throw EngineError(ErrorCode::Unsupported, label + ": cannot open the " + decoder->name +
                                                          " decoder (" + detail(ff::errorText(r)) +
                                                          ")");
        m_packet = ff::allocPacket();
        m_frame = ff::allocFrame();
        // Where the turn comes from, first match wins: the stream's display matrix (mp4/mov
        // tkhd, Matroska projection), the legacy `rotate` tag, the first frame's matrix (H.264
        // display-orientation SEI; see next()).
        if (const auto* m = streamDisplayMatrix(m_stream)) {
            m_orientation = orientationFromMatrix(reinterpret_cast<const std::int32_t*>(m));
            m_orientationKnown = true;
        } else if (const auto r = rotateTag(m_stream)) {
            m_orientation = {*r, false};
            m_orientationKnown = true;
        }
        m_sar = m_stream->sample_aspect_ratio.num > 0 ? m_stream->sample_aspect_ratio
                                                      : m_stream->codecpar->sample_aspect_ratio;
        m_errorsAtStart = ff::logErrorCount();
    }

    // How the frames next() returns are deinterlaced (counting passes leave it Off: the
    // timestamps are the same either way). Set before reading.
    void setDeinterlace(DeinterlaceMode mode) {
        m_deintMode = mode;
        m_deint.reset();
        m_deintFinished = false;
    }
    bool deinterlacing() const { return m_deint != nullptr; }

    // The next frame in presentation order, deinterlaced as setDeinterlace() says, valid until
    // the next call; nullptr at the end of the stream or where it breaks off (then
    // breakReason() says why).
    AVFrame* next() {
        for (;;) {
            if (m_deint && m_deint->pull(m_filtered.get()))
                return returned(m_filtered.get());
            AVFrame* f = decodeNext();
            if (!f) {
                // The deinterlacer holds a frame until it has seen the next: let it go.
                if (m_deint && !m_deintFinished) {
                    m_deint->finish();
                    m_deintFinished = true;
                    continue;
                }
                return nullptr;
            }
            if (!m_deint) {
                // Auto, as players do: every frame of a stream whose field order says
                // interlaced, else the frames flagged interlaced, from the first such frame on.
                const int order = m_stream->codecpar->field_order;
                const bool streamInterlaced = order == AV_FIELD_TT || order == AV_FIELD_BB ||
                                              order == AV_FIELD_TB || order == AV_FIELD_BT;
                const bool all = m_deintMode == DeinterlaceMode::On || streamInterlaced;
                if (m_deintMode == DeinterlaceMode::Off || (!all && !ff::isInterlaced(f)))
                    return returned(f);
                // The field shown first: TB is coded top first but shown bottom first.
                const int tff = !streamInterlaced                              ? -1
                                : order == AV_FIELD_TT || order == AV_FIELD_BT ? 1
                                                                               : 0;
                m_deint =
                    std::make_unique<ff::Deinterlacer>(all, tff, m_stream->time_base, m_label);
                m_everDeinterlaced = true;
                if (!m_filtered)
                    m_filtered = ff::allocFrame();
            }
            m_deint->push(f);
        }
    }

private:
    AVFrame* returned(AVFrame* f) {
        ++m_returned;
        return f;
    }

    // The next decoded frame (before deinterlacing).
    AVFrame* decodeNext() {
        if (m_done)
            return nullptr;
        av_frame_unref(m_frame.get());
        for (;;) {
            int r = avcodec_receive_frame(m_dec.get(), m_frame.get());
            if (r == 0) {
                if (m_frame->decode_error_flags || (m_frame->flags & AV_FRAME_FLAG_CORRUPT)) {
                    markBroken("frame " + std::to_string(m_read) + " decodes with errors");
                    return nullptr;
                }
                if (m_read == 0 && !m_orientationKnown) {
                    if (const auto* sd =
                            av_frame_get_side_data(m_frame.get(), AV_FRAME_DATA_DISPLAYMATRIX);
                        sd && sd->size >= 36)
                        m_orientation =
                            orientationFromMatrix(reinterpret_cast<const std::int32_t*>(sd->data));
                    m_orientationKnown = true;
                }
                if (m_sar.num <= 0 && m_frame->sample_aspect_ratio.num > 0)
                    m_sar = m_frame->sample_aspect_ratio;
                if (m_fieldOrder.empty())
                    m_fieldOrder = !ff::isInterlaced(m_frame.get()) ? "progressive"
                                   : m_frame->top_field_first       ? "tt"
                                                                    : "bb";
                const double t = timestampOf(m_frame.get());
                if (m_read == 0)
                    m_firstTime = t;
                else
                    m_longestGap = std::max(m_longestGap, t - m_lastTime);
                m_lastTime = t;
                ++m_read;
                return m_frame.get();
            }
            if (r == AVERROR_EOF) {
                m_done = true;
                if (!m_pendingBreak.empty())
                    markBroken(m_pendingBreak);
                else if (!m_seeked)
                    checkComplete();
                return nullptr;
            }
            if (r != AVERROR(EAGAIN)) {
                markBroken("the decoder fails after frame " + std::to_string(m_read) + ": " +
                           ff::errorText(r));
                return nullptr;
            }
            r = m_flushing ? AVERROR_EOF : av_read_frame(m_fmt.get(), m_packet.get());
            if (r < 0) {
                // End of input (or a read error): drain what the decoder still holds first.
                if (r != AVERROR_EOF && m_pendingBreak.empty())
                    m_pendingBreak = "reading the file fails: " + ff::errorText(r);
                if (!m_flushing) {
                    m_flushing = true;
                    avcodec_send_packet(m_dec.get(), nullptr);
                    continue;
                }
                m_done = true;
                return nullptr;
            }
            if (m_packet->stream_index != m_index) {
                av_packet_unref(m_packet.get());
                continue;
            }
            // A demuxer that skips damaged data (Matroska resyncing after garbage) only logs
            // it; the frames around the hole still decode cleanly.
            if (!m_seeked && ff::logErrorCount() != m_errorsAtStart && m_pendingBreak.empty())
                m_pendingBreak = "the file has damaged data after frame " + std::to_string(m_read);
            if (m_skipBefore > -std::numeric_limits<double>::infinity()) {
                // While heading for a wanted time, frames nothing refers to need no decoding.
                const std::int64_t ts =
                    m_packet->pts != AV_NOPTS_VALUE ? m_packet->pts : m_packet->dts;
                const bool skip =
                    ts != AV_NOPTS_VALUE && ts * av_q2d(m_stream->time_base) < m_skipBefore;
                m_dec->skip_frame = skip ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
            }
            r = avcodec_send_packet(m_dec.get(), m_packet.get());
            av_packet_unref(m_packet.get());
            if (r < 0 && r != AVERROR(EAGAIN)) {
                markBroken("a packet after frame " + std::to_string(m_read) +
                           " does not decode: " + ff::errorText(r));
                return nullptr;
            }
        }
    }

public:
    // Moves to the last keyframe at or before `seconds` (stream time). Frames that follow come
    // from there; counts and completeness checks no longer apply. False when the file cannot.
    bool seek(double seconds) {
        const auto ts =
            static_cast<std::int64_t>(std::floor(seconds / av_q2d(m_stream->time_base)));
        if (av_seek_frame(m_fmt.get(), m_index, ts, AVSEEK_FLAG_BACKWARD) < 0)
            return false;
        avcodec_flush_buffers(m_dec.get());
        av_frame_unref(m_frame.get());
        m_seeked = true;
        m_flushing = false;
        m_done = false;
        m_pendingBreak.clear();
        // The deinterlacer must not blend frames from before the seek into those after.
        m_deint.reset();
        m_deintFinished = false;
        return true;
    }

    // Stream time of the keyframe a seek to `seconds` would land on, when the index knows.
    std::optional<double> keyframeBefore(double seconds) const {
        const auto ts =
            static_cast<std::int64_t>(std::floor(seconds / av_q2d(m_stream->time_base)));
        const int i = av_index_search_timestamp(m_stream, ts, AVSEEK_FLAG_BACKWARD);
        if (i < 0)
            return std::nullopt;
        const AVIndexEntry* e = avformat_index_get_entry(m_stream, i);
        if (!e)
            return std::nullopt;
        return e->timestamp * av_q2d(m_stream->time_base);
    }

    // Reads packets only (no decoding) from a seek to before `end`: whether the data reaches
    // the declared end, within `slack` seconds. Returns the problem, or empty.
    std::string tailReaches(double end, double slack) {
        if (!seek(end - slack - 1.0))
            return {};
        double reached = -1;
        for (;;) {
            const int r = av_read_frame(m_fmt.get(), m_packet.get());
            if (r < 0) {
                if (r != AVERROR_EOF)
                    return "reading the file fails near its end: " + ff::errorText(r);
                break;
            }
            if (m_packet->stream_index == m_index && m_packet->pts != AV_NOPTS_VALUE) {
                const auto d = std::max<std::int64_t>(m_packet->duration, 0);
                reached = std::max(reached, (m_packet->pts + d) * av_q2d(m_stream->time_base));
                if (m_packet->flags & AV_PKT_FLAG_CORRUPT)
                    return "the data near the end is damaged";
            }
            av_packet_unref(m_packet.get());
        }
        if (reached + slack >= end)
            return {};
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "the data ends at %.3f s of the %.3f s the container declares (truncated "
                      "file?)",
                      std::max(reached, 0.0), end);
        return buf;
    }

    // Frames whose packets come before `seconds` may be skipped when nothing refers to them.
    void skipNonReferenceBefore(double seconds) { m_skipBefore = seconds; }

    bool seekable() const { return m_fmt->pb && (m_fmt->pb->seekable & AVIO_SEEKABLE_NORMAL); }
    bool broken() const { return m_broken; }
    const std::string& breakReason() const { return m_breakReason; }
    // Frames next() has returned.
    std::int64_t framesRead() const { return m_returned; }
    Orientation orientation() const { return m_orientation; }
    AVRational sampleAspect() const { return m_sar; }
    std::int64_t bitRate() const { return m_fmt->bit_rate; }
    std::int64_t listedFrames() const { return m_stream->nb_frames; }
    double lastTime() const { return m_lastTime - m_firstTime; }
    const AVStream* stream() const { return m_stream; }

    // Seconds since the stream's start (the caller subtracts the first frame's time).
    double timestampOf(const AVFrame* f) const {
        if (f->best_effort_timestamp != AV_NOPTS_VALUE)
            return f->best_effort_timestamp * av_q2d(m_stream->time_base);
        const double rate = fps();
        return rate > 0 ? double(m_read) / rate : double(m_read);
    }

    double fps() const {
        for (AVRational q : {m_stream->avg_frame_rate, m_stream->r_frame_rate})
            if (q.num > 0 && q.den > 0)
                return av_q2d(q);
        return 0;
    }

    // Whole-stream duration when the container states one for this stream.
    double streamDuration() const {
        if (m_stream->duration != AV_NOPTS_VALUE && m_stream->duration > 0)
            return m_stream->duration * av_q2d(m_stream->time_base);
        const auto* tag = av_dict_get(m_stream->metadata, "DURATION", nullptr, 0);
        return tag ? parseDurationTag(tag->value) : 0;
    }

    // The stream's duration, else the file's.
    double anyDuration() const {
        const double d = streamDuration();
        if (d > 0)
            return d;
        return m_fmt->duration != AV_NOPTS_VALUE && m_fmt->duration > 0
                   ? m_fmt->duration / double(AV_TIME_BASE)
                   : 0;
    }

    SourceInfo info(const std::string& path) const {
        SourceInfo s;
        s.path = path;
        s.container = m_fmt->iformat->name;
        s.codec = avcodec_get_name(m_stream->codecpar->codec_id);
        const auto fmt = static_cast<AVPixelFormat>(m_stream->codecpar->format);
        s.pixelFormat = fmt != AV_PIX_FMT_NONE ? av_get_pix_fmt_name(fmt) : "";
        s.codedWidth = m_stream->codecpar->width;
        s.codedHeight = m_stream->codecpar->height;
        s.rotation = m_orientation.rotation;
        s.mirrored = m_orientation.mirror;
        if (m_sar.num > 0 && m_sar.den > 0) {
            AVRational q = av_mul_q(m_sar, {1, 1});  // reduced
            s.sampleAspectNum = q.num;
            s.sampleAspectDen = q.den;
        }
        switch (m_stream->codecpar->field_order) {
            case AV_FIELD_PROGRESSIVE:
                s.fieldOrder = "progressive";
                break;
            case AV_FIELD_TT:
                s.fieldOrder = "tt";
                break;
            case AV_FIELD_BB:
                s.fieldOrder = "bb";
                break;
            case AV_FIELD_TB:
                s.fieldOrder = "tb";
                break;
            case AV_FIELD_BT:
                s.fieldOrder = "bt";
                break;
            default:
                s.fieldOrder = m_fieldOrder;
        }
        s.fps = fps();
        s.durationSeconds = anyDuration();
        const auto* desc = av_pix_fmt_desc_get(fmt);
        s.alpha = desc && (desc->flags & AV_PIX_FMT_FLAG_ALPHA);
        s.deinterlaced = m_everDeinterlaced;
        return s;
    }

private:
    [[noreturn]] static void throwOpenError(int r, const std::string& label) {
        if (r == AVERROR(ENOENT))
            throw EngineError(ErrorCode::NotFound, label + ": file not found");
        throw EngineError(ErrorCode::Io, label + ": cannot open: " + ff::errorText(r));
    }

    std::string detail(const std::string& code) const {
        const auto log = ff::lastLogError();
        return log.empty() ? code : code + "; " + log;
    }

    void markBroken(const std::string& why) {
        m_done = true;
        m_broken = true;
        const auto log = ff::lastLogError();
        m_breakReason = log.empty() ? why : why + " (" + log + ")";
    }

    // At a clean end of input: did we get every frame the container promised? Frame counts are
    // not compared with duration x rate: a variable-rate stream holds any number of frames.
    void checkComplete() {
        const std::int64_t listed = m_stream->nb_frames;
        if (listed > 0 && m_read < listed) {
            markBroken("the stream ends after " + std::to_string(m_read) + " of the " +
                       std::to_string(listed) + " frame" + (listed == 1 ? "" : "s") +
                       " the container lists (truncated file?)");
            return;
        }
        const double duration = streamDuration();
        const double rate = fps();
        if (listed > 0 || duration <= 0 || rate <= 0 || m_read == 0)
            return;
        // The last frame starts at most about one frame before the declared end: 2.5 nominal
        // periods, or 1.5 of the longest frame a variable-rate stream showed.
        if (lastTime() + std::max(2.5 / rate, 1.5 * m_longestGap) < duration) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "the stream ends at %.3f s of the %.3f s it declares",
                          lastTime() + 1.0 / rate, duration);
            markBroken(std::string(buf) + " (truncated file?)");
        }
    }

    ff::InputPtr m_fmt;
    ff::CodecPtr m_dec;
    ff::PacketPtr m_packet;
    ff::FramePtr m_frame;
    AVStream* m_stream = nullptr;
    int m_index = -1;
    Orientation m_orientation;
    bool m_orientationKnown = false;
    AVRational m_sar{0, 1};
    std::string m_fieldOrder;
    std::int64_t m_read = 0;      // decoded
    std::int64_t m_returned = 0;  // handed out by next() (the deinterlacer lags one behind)
    std::string m_label;
    DeinterlaceMode m_deintMode = DeinterlaceMode::Off;
    std::unique_ptr<ff::Deinterlacer> m_deint;
    ff::FramePtr m_filtered;
    bool m_deintFinished = false;
    bool m_everDeinterlaced = false;
    double m_firstTime = 0;
    double m_lastTime = 0;
    double m_longestGap = 0;
    double m_skipBefore = -std::numeric_limits<double>::infinity();
    long long m_errorsAtStart = 0;
    bool m_seeked = false;
    bool m_flushing = false;
    bool m_done = false;
    bool m_broken = false;
    std::string m_breakReason;
    std::string m_pendingBreak;
};

// The one image of a frame-folder file; a file with none is a Format error naming it.
AVFrame* firstImage(VideoReader& reader, const std::string& fileLabel) {
    AVFrame* f = reader.next();
    if (!f)
        throw EngineError(ErrorCode::Format,
                          fileLabel + ": no image decodes" +
                              (reader.broken() ? ": " + reader.breakReason() : ""));
    return f;
}

// Decoded frames -> packed RGB24, at the frame's own size or scaled to outW x outH on the way
// (thumbnails: area averaging straight from the decoder's planes, the cheap path). Pictures
// with alpha are composited over the background.
class RgbConverter {
public:
    explicit RgbConverter(Background background = {}) : m_background(background) {}

    std::vector<std::uint8_t> convert(const AVFrame* f,
                                      const std::string& label,
                                      int outW = 0,
                                      int outH = 0) {
        const auto fmt = static_cast<AVPixelFormat>(f->format);
        if (fmt != m_format) {
            requireConvertibleToRgb(av_get_pix_fmt_name(fmt), label);
            m_format = fmt;
            const auto* desc = av_pix_fmt_desc_get(fmt);
            m_alpha = desc && (desc->flags & AV_PIX_FMT_FLAG_ALPHA);
        }
        const bool scaled = outW > 0 && (outW != f->width || outH != f->height);
        if (m_alpha) {
            // Composite at full size, then scale: scaling straight alpha first would blend in
            // the colours of transparent pixels at every edge.
            auto rgb = composite(f, label);
            return scaled ? image::resize(rgb, f->width, f->height, 3, outW, outH,
                                          image::ResampleFilter::Box)
                          : rgb;
        }
        return toPacked(f, label, AV_PIX_FMT_RGB24, scaled ? outW : f->width,
                        scaled ? outH : f->height);
    }

private:
    // RGBA from swscale (colours as stored, alpha as stored), then each pixel over the
    // background: (c * a + bg * (255 - a)) / 255, rounded.
    std::vector<std::uint8_t> composite(const AVFrame* f, const std::string& label) {
        const auto rgba = toPacked(f, label, AV_PIX_FMT_RGBA, f->width, f->height);
        const std::size_t n = static_cast<std::size_t>(f->width) * f->height;
        std::vector<std::uint8_t> out(n * 3);
        const int bg[3] = {m_background.r, m_background.g, m_background.b};
        for (std::size_t i = 0; i < n; ++i) {
            const int a = rgba[i * 4 + 3];
            for (int c = 0; c < 3; ++c)
                out[i * 3 + c] = static_cast<std::uint8_t>(
                    (rgba[i * 4 + c] * a + bg[c] * (255 - a) + 127) / 255);
        }
        return out;
    }

    std::vector<std::uint8_t> toPacked(const AVFrame* f,
                                       const std::string& label,
                                       AVPixelFormat dst,
                                       int w,
                                       int h) {
        const auto fmt = static_cast<AVPixelFormat>(f->format);
        const bool scaled = w != f->width || h != f->height;
        const int channels = dst == AV_PIX_FMT_RGBA ? 4 : 3;
        bool fullRange = f->color_range == AVCOL_RANGE_JPEG;
        const AVPixelFormat src = ff::withoutJpegRange(fmt, fullRange);
        SwsContext* ctx = sws_getCachedContext(
            m_sws.release(), f->width, f->height, src, w, h, dst,
            scaled ? SWS_AREA : SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr,
            nullptr, nullptr);
        m_sws.reset(ctx);
        if (!ctx)
            throw EngineError(ErrorCode::Unsupported, label + ": cannot convert pixel format '" +
                                                          av_get_pix_fmt_name(fmt) + "' to RGB");
        const auto* desc = av_pix_fmt_desc_get(src);
        if (desc && !(desc->flags & AV_PIX_FMT_FLAG_RGB) && desc->nb_components >= 3) {
            // Unspecified matrices are read as BT.601, as FFmpeg's own tools do.
            int space = f->colorspace;
            if (space <= 0 || space == AVCOL_SPC_UNSPECIFIED || space > 10)
                space = SWS_CS_DEFAULT;
            sws_setColorspaceDetails(ctx, sws_getCoefficients(space), fullRange ? 1 : 0,
                                     sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
        }
        if (!m_rgb || m_rgb->width != w || m_rgb->height != h || m_rgb->format != dst) {
            m_rgb = ff::allocFrame();
            m_rgb->format = dst;
            m_rgb->width = w;
            m_rgb->height = h;
            if (av_frame_get_buffer(m_rgb.get(), 0) < 0)
                throw EngineError(ErrorCode::Internal, "out of memory (RGB frame)");
        }
        sws_scale(ctx, f->data, f->linesize, 0, f->height, m_rgb->data, m_rgb->linesize);
        std::vector<std::uint8_t> out(static_cast<std::size_t>(w) * h * channels);
        for (int y = 0; y < h; ++y)
            std::memcpy(out.data() + static_cast<std::size_t>(y) * w * channels,
                        m_rgb->data[0] + static_cast<std::ptrdiff_t>(y) * m_rgb->linesize[0],
                        static_cast<std::size_t>(w) * channels);
        return out;
    }

    Background m_background;
    ff::SwsPtr m_sws;
    ff::FramePtr m_rgb;
    AVPixelFormat m_format = AV_PIX_FMT_NONE;
    bool m_alpha = false;
};

// Stored pixels -> what a player shows (non-square pixels stretched, then turned and mirrored),
// then resize/crop to the requested size.
struct FramePipeline {
    const DecodeOptions& options;
    const std::string& label;
    Clip& clip;

    void add(std::vector<std::uint8_t> rgb,
             int w,
             int h,
             Orientation orientation,
             AVRational sar,
             int copies) {
        if (sar.num > 0 && sar.den > 0 && sar.num != sar.den) {
            const auto [dw, dh] = displaySizeFor(w, h, sar.num, sar.den);
            rgb = image::resize(rgb, w, h, 3, dw, dh, options.filter);
            w = dw;
            h = dh;
        }
        if (orientation.rotation != 0 || orientation.mirror) {
            rgb = orientFrame(rgb, w, h, orientation);
            if (orientation.rotation == 90 || orientation.rotation == 270)
                std::swap(w, h);
        }
        if (options.width > 0) {
            rgb = fitFrame(rgb, w, h, options.width, options.height, options.fit, options.filter);
            w = options.width;
            h = options.height;
        }
        if (clip.frames.empty()) {
            clip.width = w;
            clip.height = h;
        } else if (w != clip.width || h != clip.height) {
            throw EngineError(ErrorCode::Format,
                              label + ": frame " + std::to_string(clip.frames.size()) + " is " +
                                  std::to_string(w) + "x" + std::to_string(h) +
                                  " but the first is " + std::to_string(clip.width) + "x" +
                                  std::to_string(clip.height) +
                                  " (frames of changing size must be resized to one target size)");
        }
        for (int c = 1; c < copies; ++c)
            clip.frames.push_back(rgb);
        clip.frames.push_back(std::move(rgb));
    }
};

// A box the kept frames are scaled into inside the converter (thumbnails); 0 x 0: no box.
struct ThumbBox {
    int width = 0;
    int height = 0;
};

// The size a w x h display picture takes inside the box, aspect kept, never enlarged.
std::pair<int, int> fitInBox(int w, int h, ThumbBox box) {
    const double s = std::min({1.0, double(box.width) / w, double(box.height) / h});
    return {std::max(1, static_cast<int>(std::lround(w * s))),
            std::max(1, static_cast<int>(std::lround(h * s)))};
}

// Converts a decoded frame and hands it to the pipeline with the reader's orientation and
// aspect (as the options allow).
void keepFrame(FramePipeline& pipeline,
               RgbConverter& converter,
               const VideoReader& reader,
               const AVFrame* f,
               ThumbBox box,
               int copies) {
    const DecodeOptions& o = pipeline.options;
    const Orientation orientation = o.applyRotation ? reader.orientation() : Orientation{};
    const AVRational sar = o.applyAspect ? reader.sampleAspect() : AVRational{1, 1};
    if (box.width > 0) {
        auto [dw, dh] = displaySizeFor(f->width, f->height, sar.num, sar.den);
        const bool swap = orientation.rotation == 90 || orientation.rotation == 270;
        if (swap)
            std::swap(dw, dh);
        auto [tw, th] = fitInBox(dw, dh, box);
        if (swap)
            std::swap(tw, th);
        pipeline.add(converter.convert(f, pipeline.label, tw, th), tw, th, orientation, {1, 1},
                     copies);
        return;
    }
    pipeline.add(converter.convert(f, pipeline.label), f->width, f->height, orientation, sar,
                 copies);
}

void checkOptions(const DecodeOptions& o) {
    validateSelection(o.select);
    if (o.width < 0 || o.height < 0 || (o.width == 0) != (o.height == 0))
        throw EngineError(ErrorCode::InvalidArgument, "target size " + std::to_string(o.width) +
                                                          "x" + std::to_string(o.height) +
                                                          ": give both a width and a height");
    if (!(o.sequenceFps > 0))
        throw EngineError(ErrorCode::InvalidArgument, "the image-sequence fps must be positive");
}

[[noreturn]] void throwBroken(const std::string& label, const VideoReader& rd) {
    const auto n = rd.framesRead();
    // allowPartial has nothing to keep when no frame decodes; the message says so either way.
    if (n == 0)
        throw EngineError(ErrorCode::Format,
                          label + ": corrupt stream, no frame decodes: " + rd.breakReason());
    throw EngineError(ErrorCode::Format,
                      label + ": corrupt or truncated stream: " + rd.breakReason() +
                          "; only the first " + std::to_string(n) + " frame" + (n == 1 ? "" : "s") +
                          " decode (allow partial decoding to keep them)");
}

void reportProgress(const JobContext& job, std::int64_t step, std::int64_t total) {
    job.report("decode", static_cast<int>(step),
               static_cast<int>(std::max<std::int64_t>(total, 0)));
}

std::string labelOf(const fs::path& path) {
    return printable(path.string());
}

// Frames per source index for the streaming modes (All, First, Stride).
bool streamingWants(const FrameSelection& s, std::int64_t i) {
    switch (s.mode) {
        case SelectMode::All:
            return true;
        case SelectMode::First:
            return i >= s.start && i < s.start + std::int64_t{s.count};
        case SelectMode::Stride:
            return i >= s.start && (i - s.start) % s.stride == 0 &&
                   (s.count == 0 || (i - s.start) / s.stride < s.count);
        default:
            return false;
    }
}

// Frames the container promises: its count, else duration x rate; 0 when it says neither.
double estimatedFrames(const VideoReader& rd) {
    if (rd.listedFrames() > 0)
        return double(rd.listedFrames());
    return rd.anyDuration() * rd.fps();
}

// The highest index, counted from the range's first frame, that First or Stride with a count
// can keep; -1 when they keep on to the end.
std::int64_t lastInRange(const FrameSelection& s) {
    if (s.mode == SelectMode::First)
        return s.start + std::int64_t{s.count} - 1;
    if (s.mode == SelectMode::Stride && s.count > 0)
        return s.start + std::int64_t{s.stride} * (s.count - 1);
    return -1;
}

// Selection by seeking, for long files: uniform, fps:F and time ranges read only what their
// frames need. Every wanted time is reached by seeking to the keyframe before it (unless one
// is already behind the current position) and decoding forward, keeping the nearest frame; a
// range is read from the keyframe before its start up to its end. Uniform and fps first find the
// last frame (from a seek near the end), which fixes their times and catches an early end.
// Returns nothing when the file does not allow it (no duration or rate, not seekable, damage,
// an early end, too few frames): the caller then reads the whole stream, which also reports
// damage with its frame count and gives the "asked for N frames" errors.
std::optional<Clip> decodeBySeeking(VideoReader& rd,
                                    const fs::path& path,
                                    const DecodeOptions& o,
                                    const std::string& label,
                                    const JobContext& job,
                                    ThumbBox box,
                                    bool keyframesOnly = false) {
    const FrameSelection& sel = o.select;
    const double rate = rd.fps();
    const double duration = rd.anyDuration();
    if (!rd.seekable() || !(rate > 0) || !(duration > 0) || rd.framesRead() != 0)
        return std::nullopt;
    const double period = 1.0 / rate;
    const double noLimit = std::numeric_limits<double>::infinity();
    rd.setDeinterlace(o.deinterlace);
    Clip clip;
    FramePipeline pipeline{o, label, clip};
    RgbConverter converter{o.background};

    // prev and cur: the last two decoded frames, enough to pick the nearest to a wanted time.
    ff::FramePtr prev = ff::allocFrame(), cur = ff::allocFrame();
    bool havePrev = false, haveCur = false;
    auto forget = [&] {
        av_frame_unref(prev.get());
        av_frame_unref(cur.get());
        havePrev = haveCur = false;
    };
    auto timeOf = [&](const ff::FramePtr& f) { return rd.timestampOf(f.get()); };
    bool disorder = false;  // timestamps that go backwards: the full read copes, seeking not
    auto pull = [&]() -> bool {
        job.throwIfCancelled();
        AVFrame* f = rd.next();
        if (!f)
            return false;
        if (haveCur && rd.timestampOf(f) <= timeOf(cur))
            disorder = true;
        av_frame_unref(prev.get());
        if (haveCur) {
            av_frame_move_ref(prev.get(), cur.get());
            havePrev = true;
        }
        av_frame_ref(cur.get(), f);
        haveCur = true;
        return true;
    };
    auto seekTo = [&](double t) {
        forget();
        return rd.seek(t);
    };
    const auto noSkip = -std::numeric_limits<double>::infinity();

    // 1. The first frame, then the first frame of the range.
    if (!pull())
        return std::nullopt;
    const double t0 = timeOf(cur);
    const double limit = sel.to > 0 ? t0 + sel.to - 1e-6 : noLimit;  // frames from here are out
    if (sel.from > 0) {
        const double want = t0 + sel.from;
        const bool far = sel.from > 2.0;
        if (far && !seekTo(want - 2 * period))
            return std::nullopt;
        rd.skipNonReferenceBefore(want - 3 * period - 0.1);
        while (!haveCur || timeOf(cur) < want - 1e-6)
            if (!pull())
                break;
        rd.skipNonReferenceBefore(noSkip);
        if (rd.broken() || !haveCur || timeOf(cur) < want - 1e-6 || timeOf(cur) >= limit)
            return std::nullopt;  // damage, or nothing in the range: the full read says which
        if (!havePrev && timeOf(cur) > want + 1e-6 && far)
            return std::nullopt;  // the seek landed past the range start
    }
    ff::FramePtr first = ff::allocFrame();
    av_frame_ref(first.get(), cur.get());
    const double tFirst = timeOf(first);

    auto keep = [&](const AVFrame* f, int k, int total) {
        const double t = rd.timestampOf(f);
        keepFrame(pipeline, converter, rd, f, box, 1);
        clip.source.frameIndices.push_back(std::llround((t - t0) * rate));
        clip.source.timestamps.push_back(t - t0);
        reportProgress(job, k + 1, total);
    };
    // A stream that stops well before its declared end is truncated; the full read says how
    // many frames decode.
    auto endsEarly = [&](double tEnd) {
        return sel.to == 0 && tEnd + std::max(2.5 * period, 0.5) < t0 + duration;
    };

    if (sel.mode == SelectMode::All || sel.mode == SelectMode::First ||
        sel.mode == SelectMode::Stride) {
        // 2'. A range: every frame from its first on, kept as the streaming modes keep them.
        const std::int64_t lastIndex = lastInRange(sel);
        std::int64_t r = 0;
        bool more = true;
        for (; more && timeOf(cur) < limit; ++r) {
            if (streamingWants(sel, r))
                keep(cur.get(), static_cast<int>(clip.frames.size()),
                     sel.count > 0 ? sel.count : 0);
            if (lastIndex >= 0 && r >= lastIndex)
                break;
            more = pull();
        }
        if (rd.broken() || disorder || clip.frames.empty() ||
            (sel.count > 0 && clip.frameCount() < sel.count) || (!more && endsEarly(timeOf(cur))))
            return std::nullopt;
    } else {
        // 2. The last frame (of the range): decode from the keyframe before the declared end.
        // Go further back when that stretch holds no frame.
        const double endT = sel.to > 0 ? std::min(t0 + sel.to, t0 + duration) : t0 + duration;
        ff::FramePtr last = ff::allocFrame();
        bool haveLast = false;
        for (double back : {2 * period + 0.5, 5.0, 30.0}) {
            if (!seekTo(std::max(tFirst, endT - back)))
                return std::nullopt;
            if (keyframesOnly) {
                // Previews: the keyframe before the end stands for the last frame.
                if (pull()) {
                    av_frame_ref(last.get(), cur.get());
                    haveLast = true;
                }
                if (rd.broken())
                    return std::nullopt;
                if (haveLast)
                    break;
                continue;
            }
            // Only the last frame is wanted: frames nothing refers to may go undecoded until
            // shortly before the end.
            rd.skipNonReferenceBefore(endT - 3 * period - 0.5);
            while (pull()) {
                if (timeOf(cur) >= limit)
                    break;
                av_frame_unref(last.get());
                av_frame_ref(last.get(), cur.get());
                haveLast = true;
            }
            rd.skipNonReferenceBefore(noSkip);
            if (rd.broken())
                return std::nullopt;
            if (haveLast || endT - back <= tFirst)
                break;
        }
        if (!haveLast)
            return std::nullopt;
        const double tLast = timeOf(last);
        if ((!keyframesOnly && endsEarly(tLast)) || tLast < tFirst)
            return std::nullopt;

        // 3. The wanted times, in order, and the nearest frame to each (ties to the later
        // frame for uniform, to the earlier for fps, as selectFrames()).
        std::vector<double> targets;
        const bool uniform = sel.mode == SelectMode::Uniform;
        if (uniform) {
            if (!keyframesOnly && (tLast - tFirst) * rate + 1.5 < sel.count)
                return std::nullopt;
            targets = uniformTimes(sel.count, tFirst, tLast);
        } else {
            double end = tLast - tFirst + period;
            if (sel.to > 0)
                end = std::min(end, sel.to - sel.from);
            const auto usable = std::max<std::int64_t>(
                1, static_cast<std::int64_t>(std::ceil(end * sel.fps - 1e-6)));
            if (sel.count > usable)
                return std::nullopt;
            const std::int64_t m = sel.count > 0 ? sel.count : usable;
            for (std::int64_t j = 0; j < m; ++j)
                targets.push_back(tFirst + double(j) / sel.fps);
        }
        const int n = static_cast<int>(targets.size());
        keep(first.get(), 0, n);
        forget();
        for (int k = 1; k < n; ++k) {
            const double t = targets[k];
            if (uniform && k + 1 == n) {
                keep(last.get(), k, n);
                break;
            }
            if (keyframesOnly) {
                // Previews: the keyframe at or before the wanted time, one frame decoded each.
                if (!seekTo(t) || !pull())
                    return std::nullopt;
                keep(cur.get(), k, n);
                continue;
            }
            bool needSeek = !haveCur;
            if (haveCur && timeOf(cur) < t) {
                // Seek only when a keyframe lies between here and the wanted time; decoding on
                // is never slower than starting over from an earlier keyframe.
                const auto key = rd.keyframeBefore(t);
                needSeek = key ? *key > timeOf(cur) + 1e-6 : t - timeOf(cur) > 1.0;
            }
            for (double back : {2 * period, 5.0, 30.0}) {
                if (needSeek && !seekTo(std::max(tFirst, t - back)))
                    return std::nullopt;
                rd.skipNonReferenceBefore(t - 3 * period - 0.1);
                while (!haveCur || timeOf(cur) < t - 1e-9)
                    if (!pull())
                        break;
                rd.skipNonReferenceBefore(noSkip);
                if (rd.broken())
                    return std::nullopt;
                // A seek that lands after the wanted time has not seen the frame before it.
                if (!needSeek || havePrev || !haveCur || timeOf(cur) <= t + 1e-6 ||
                    t - back <= tFirst)
                    break;
            }
            if (!haveCur)
                return std::nullopt;
            // A frame past the range's end does not take part: the one before it is nearest.
            const bool curInRange = timeOf(cur) < limit;
            if (!curInRange && !havePrev)
                return std::nullopt;
            const bool later = curInRange && (!havePrev || timeOf(cur) < t ||
                                              laterIsNearer(timeOf(prev), timeOf(cur), t, uniform));
            keep(later ? cur.get() : prev.get(), k, n);
        }
        if (disorder)
            return std::nullopt;
        if (uniform)
            // The kept frames span the range: count over its duration (fps x N / T at a
            // constant rate).
            clip.fps = double(sel.count) / (tLast - tFirst + period);
    }

    clip.source = [&] {
        auto s = rd.info(path.string());
        s.frameIndices = std::move(clip.source.frameIndices);
        s.timestamps = std::move(clip.source.timestamps);
        return s;
    }();
    if (!o.applyRotation) {
        clip.source.rotation = 0;
        clip.source.mirrored = false;
    }
    clip.source.frameCount = rd.listedFrames() > 0 ? rd.listedFrames() : -1;
    if (sel.mode != SelectMode::Uniform)
        clip.fps = selectedFps(sel, rate, 0, clip.frames.size());
    return clip;
}

bool shouldSeek(const DecodeOptions& o, const VideoReader& rd) {
    const FrameSelection& s = o.select;
    if (o.seek == SeekMode::Never ||
        !(s.mode == SelectMode::Uniform || s.mode == SelectMode::Fps || hasTimeRange(s)))
        return false;
    if (o.seek == SeekMode::Always)
        return true;
    // Worth it once the stream holds many frames: without seeking these selections read it
    // twice (timestamps first). Uniform also wants many frames per wanted one, since its seeks
    // cost about half a group of pictures per frame.
    const double frames = estimatedFrames(rd);
    return frames >= 300.0 && (s.mode != SelectMode::Uniform || frames >= 8.0 * s.count);
}

Clip decodeFile(const fs::path& path, const DecodeOptions& o, const JobContext& job, ThumbBox box) {
    const std::string label = labelOf(path);
    auto reader = std::make_unique<VideoReader>(path, label);
    if (shouldSeek(o, *reader)) {
        if (auto clip = decodeBySeeking(*reader, path, o, label, job, box))
            return std::move(*clip);
        reader = std::make_unique<VideoReader>(path, label);
    }
    Clip clip;
    clip.source = reader->info(path.string());
    const FrameSelection& sel = o.select;

    std::vector<std::int64_t> indices;
    std::int64_t total = -1;
    std::int64_t spanned = -1;  // frames in the time range, when there is one
    std::string partialWarning;
    if (needsFullScan(sel)) {
        // Pass 1: timestamps only, no colour conversion, nothing kept.
        std::vector<double> times;
        while (AVFrame* f = reader->next()) {
            times.push_back(reader->timestampOf(f));
            reportProgress(job, reader->framesRead(), 0);
        }
        if (reader->broken()) {
            if (!o.allowPartial || reader->framesRead() == 0)
                throwBroken(label, *reader);
            partialWarning = reader->breakReason();
        }
        total = reader->framesRead();
        if (total == 0)
            throw EngineError(ErrorCode::Format, label + ": the video has no frames");
        // Broken or missing timestamps: fall back to an even spacing.
        double rate = clip.source.fps;
        if (!(rate > 0))
            rate = total > 1 && times.back() > times.front()
                       ? double(total - 1) / (times.back() - times.front())
                       : kDefaultFps;
        if (!std::is_sorted(times.begin(), times.end()) ||
            std::adjacent_find(times.begin(), times.end()) != times.end())
            for (std::size_t i = 0; i < times.size(); ++i)
                times[i] = double(i) / rate;
        clip.source.fps = rate;
        indices = selectFrames(sel, total, times, rate, label);
        if (hasTimeRange(sel)) {
            // Uniform's rate is count over the span it covers: the range's frames.
            const double t0 = times.front();
            spanned = std::count_if(times.begin(), times.end(), [&](double t) {
                return t - t0 >= sel.from - 1e-6 && (sel.to == 0 || t - t0 < sel.to - 1e-6);
            });
        }
        reader = std::make_unique<VideoReader>(path, label);
    }
    reader->setDeinterlace(o.deinterlace);

    FramePipeline pipeline{o, label, clip};
    RgbConverter converter{o.background};
    const std::int64_t last = indices.empty() ? lastNeededIndex(sel) : indices.back();
    std::size_t k = 0;
    bool stoppedEarly = false;
    double firstTime = 0;
    while (AVFrame* f = reader->next()) {
        const std::int64_t i = reader->framesRead() - 1;
        if (i == 0)
            firstTime = reader->timestampOf(f);
        reportProgress(job, i + 1, total);
        int copies = 0;
        if (!indices.empty()) {
            while (k < indices.size() && indices[k] == i) {
                ++copies;
                ++k;
            }
        } else if (streamingWants(sel, i)) {
            copies = 1;
        }
        if (copies > 0) {
            keepFrame(pipeline, converter, *reader, f, box, copies);
            for (int c = 0; c < copies; ++c) {
                clip.source.frameIndices.push_back(i);
                clip.source.timestamps.push_back(reader->timestampOf(f) - firstTime);
            }
        }
        if (last >= 0 && i >= last) {
            stoppedEarly = true;
            break;
        }
    }
    {
        // Orientation and aspect are final once the first frame has been seen.
        const auto facts = reader->info(path.string());
        clip.source.rotation = o.applyRotation ? facts.rotation : 0;
        clip.source.mirrored = o.applyRotation && facts.mirrored;
        clip.source.sampleAspectNum = facts.sampleAspectNum;
        clip.source.sampleAspectDen = facts.sampleAspectDen;
        clip.source.fieldOrder = facts.fieldOrder;
        clip.source.deinterlaced = facts.deinterlaced;
    }
    if (!stoppedEarly && reader->broken()) {
        if (!o.allowPartial || reader->framesRead() == 0)
            throwBroken(label, *reader);
        partialWarning = reader->breakReason();
    }
    if (total < 0 && !stoppedEarly)
        total = reader->framesRead();
    clip.source.frameCount = total;
    if (!indices.empty() && k < indices.size())
        throw EngineError(ErrorCode::Format,
                          label + ": the stream decodes to fewer frames on a second read (" +
                              std::to_string(reader->framesRead()) + " instead of " +
                              std::to_string(total) + ")");
    if (indices.empty()) {
        const std::int64_t seen = reader->framesRead();
        if (seen == 0)
            throw EngineError(ErrorCode::Format, label + ": the video has no frames");
        try {
            // Throws the "asked for N frames but the video has M" message when short.
            (void)selectFrames(sel, stoppedEarly ? last + 1 : seen, {}, clip.source.fps, label);
        } catch (const EngineError& e) {
            if (partialWarning.empty())
                throw;
            throw EngineError(e.code(),
                              e.message() + " (the stream breaks off: " + partialWarning + ")");
        }
    }
    if (!partialWarning.empty()) {
        clip.source.partial = true;
        clip.source.warning = "stream breaks off after frame " +
                              std::to_string(reader->framesRead()) + ": " + partialWarning;
    }
    clip.fps =
        selectedFps(sel, clip.source.fps > 0 ? clip.source.fps : kDefaultFps,
                    spanned > 0 ? spanned : std::max<std::int64_t>(total, 0), clip.frames.size());
    return clip;
}

std::vector<fs::path> listImageSequence(const fs::path& dir, const std::string& label) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto name = it->path().filename().string();
        if (name.empty() || name[0] == '.' || !isImageFile(it->path()))
            continue;
        if (it->is_regular_file(ec))
            files.push_back(it->path());
    }
    if (ec)
        throw EngineError(ErrorCode::Io, label + ": cannot list the folder: " + ec.message());
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
        return naturalLess(a.filename().string(), b.filename().string());
    });
    return files;
}

std::vector<fs::path> nonEmptySequence(const fs::path& dir, const std::string& label) {
    auto files = listImageSequence(dir, label);
    if (files.empty())
        throw EngineError(
            ErrorCode::Format,
            label + ": the folder has no frames (no .jpg, .jpeg, .png or .bmp files)");
    return files;
}

Clip decodeFolder(const fs::path& dir, const DecodeOptions& o, const JobContext& job) {
    const std::string label = labelOf(dir);
    const auto files = nonEmptySequence(dir, label);
    const auto total = static_cast<std::int64_t>(files.size());
    std::vector<double> times(files.size());
    for (std::size_t i = 0; i < times.size(); ++i)
        times[i] = double(i) / o.sequenceFps;
    const auto indices = selectFrames(o.select, total, times, o.sequenceFps, label);
    std::string fileLabel;

    Clip clip;
    clip.source.path = dir.string();
    clip.source.container = "image-sequence";
    clip.source.fps = o.sequenceFps;
    clip.source.frameCount = total;
    clip.source.durationSeconds = double(total) / o.sequenceFps;
    FramePipeline pipeline{o, fileLabel, clip};
    RgbConverter converter{o.background};
    for (std::size_t k = 0; k < indices.size();) {
        const auto i = indices[k];
        int copies = 0;
        while (k < indices.size() && indices[k] == i) {
            ++copies;
            ++k;
        }
        reportProgress(job, static_cast<std::int64_t>(k),
                       static_cast<std::int64_t>(indices.size()));
        fileLabel = labelOf(files[i]);
        VideoReader reader(files[i], fileLabel);
        reader.setDeinterlace(o.deinterlace);
        AVFrame* f = firstImage(reader, fileLabel);
        if (clip.frames.empty()) {
            const auto info = reader.info(files[i].string());
            clip.source.codec = info.codec;
            clip.source.pixelFormat = info.pixelFormat;
            clip.source.alpha = info.alpha;
            clip.source.codedWidth = f->width;
            clip.source.codedHeight = f->height;
        } else if (o.width == 0 &&
                   (f->width != clip.source.codedWidth || f->height != clip.source.codedHeight)) {
            throw EngineError(ErrorCode::Format, fileLabel + ": is " + std::to_string(f->width) +
                                                     "x" + std::to_string(f->height) +
                                                     " but the first frame is " +
                                                     std::to_string(clip.source.codedWidth) + "x" +
                                                     std::to_string(clip.source.codedHeight));
        }
        keepFrame(pipeline, converter, reader, f, {}, copies);
        clip.source.deinterlaced = clip.source.deinterlaced || reader.deinterlacing();
        for (int c = 0; c < copies; ++c) {
            clip.source.frameIndices.push_back(i);
            clip.source.timestamps.push_back(times[i]);
        }
    }
    clip.fps = selectedFps(o.select, o.sequenceFps, total, clip.frames.size());
    return clip;
}

// Reads only packets (no decoding) from a seek near the declared end, to see whether the data
// reaches it: a cheap check for truncated files that does not count frames. Returns the
// problem, empty when the end is there or the file cannot tell.
std::string checkTail(VideoReader& rd) {
    const double duration = rd.anyDuration(), rate = rd.fps();
    if (!rd.seekable() || !(duration > 0) || !(rate > 0))
        return {};
    const auto* st = rd.stream();
    const double start =
        st->start_time != AV_NOPTS_VALUE ? st->start_time * av_q2d(st->time_base) : 0.0;
    return rd.tailReaches(start + duration, 2.5 / rate);
}

}  // namespace

Result<VideoInfo> probeVideo(const fs::path& path,
                             const DecodeOptions& options,
                             const JobContext& job) {
    return capture([&] {
        checkOptions(options);
        const std::string label = labelOf(path);
        checkExists(path, label);
        VideoInfo info;
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            // Every file is decoded (not converted), so a broken frame shows here too.
            const auto files = nonEmptySequence(path, label);
            for (std::size_t i = 0; i < files.size(); ++i) {
                const std::string fileLabel = labelOf(files[i]);
                VideoReader reader(files[i], fileLabel);
                AVFrame* f = firstImage(reader, fileLabel);
                if (i == 0) {
                    info.source = reader.info(path.string());
                    info.source.codedWidth = f->width;
                    info.source.codedHeight = f->height;
                    info.source.pixelFormat =
                        av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format));
                } else if (f->width != info.source.codedWidth ||
                           f->height != info.source.codedHeight) {
                    throw EngineError(ErrorCode::Format,
                                      fileLabel + ": is " + std::to_string(f->width) + "x" +
                                          std::to_string(f->height) + " but the first frame is " +
                                          std::to_string(info.source.codedWidth) + "x" +
                                          std::to_string(info.source.codedHeight));
                }
                reportProgress(job, static_cast<std::int64_t>(i + 1),
                               static_cast<std::int64_t>(files.size()));
            }
            info.source.container = "image-sequence";
            info.source.fps = options.sequenceFps;
            info.source.frameCount = static_cast<std::int64_t>(files.size());
            info.source.durationSeconds = double(files.size()) / options.sequenceFps;
        } else {
            VideoReader reader(path, label);
            // The first frame always decodes: it proves the stream is readable and fixes the
            // pixel format, a frame-level rotation and aspect.
            AVFrame* f = reader.next();
            if (!f) {
                if (reader.broken())
                    throwBroken(label, reader);
                throw EngineError(ErrorCode::Format, label + ": the video has no frames");
            }
            const std::string pixelFormat =
                av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format));
            reportProgress(job, 1, 0);
            info.source = reader.info(path.string());
            info.bitRate = reader.bitRate();
            const double estimate = estimatedFrames(reader);
            // Without a count or duration in the container (a single image, some GIFs and
            // raw streams) the only way to know is to count.
            const bool count = options.countFrames || !(estimate > 0);
            std::string problem;
            if (count) {
                while (reader.next())
                    reportProgress(job, reader.framesRead(), 0);
                if (reader.broken()) {
                    if (!options.allowPartial)
                        throwBroken(label, reader);
                    problem = reader.breakReason();
                }
                info.source.frameCount = reader.framesRead();
                if (info.source.fps <= 0 && reader.framesRead() > 1 && reader.lastTime() > 0)
                    info.source.fps = double(reader.framesRead() - 1) / reader.lastTime();
                if (info.source.durationSeconds <= 0 && info.source.fps > 0)
                    info.source.durationSeconds = reader.lastTime() + 1.0 / info.source.fps;
            } else {
                info.source.frameCount = std::llround(estimate);
                info.source.frameCountEstimated = reader.listedFrames() <= 0;
                problem = checkTail(reader);
                if (!problem.empty() && !options.allowPartial)
                    throw EngineError(ErrorCode::Format,
                                      label + ": corrupt or truncated stream: " + problem +
                                          " (count the frames to see how many decode)");
            }
            if (!problem.empty()) {
                info.source.partial = true;
                info.source.warning = count
                                          ? "stream breaks off after frame " +
                                                std::to_string(reader.framesRead()) + ": " + problem
                                          : "stream breaks off: " + problem;
            }
            info.source.pixelFormat = pixelFormat;
        }
        const auto [dw, dh] =
            options.applyAspect
                ? displaySizeFor(info.source.codedWidth, info.source.codedHeight,
                                 info.source.sampleAspectNum, info.source.sampleAspectDen)
                : std::pair<int, int>{info.source.codedWidth, info.source.codedHeight};
        const bool swap =
            options.applyRotation && (info.source.rotation == 90 || info.source.rotation == 270);
        info.width = swap ? dh : dw;
        info.height = swap ? dw : dh;
        if (!options.applyRotation) {
            info.source.rotation = 0;
            info.source.mirrored = false;
        }
        return info;
    });
}

Result<Clip> decodeVideo(const fs::path& path,
                         const DecodeOptions& options,
                         const JobContext& job) {
    return capture([&] {
        checkOptions(options);
        std::error_code ec;
        checkExists(path, labelOf(path));
        return fs::is_directory(path, ec) ? decodeFolder(path, options, job)
                                          : decodeFile(path, options, job, {});
    });
}

Result<Clip> decodeThumbnails(const fs::path& path,
                              const ThumbnailOptions& options,
                              const JobContext& job) {
    return capture([&] {
        if (options.count < 1 || options.maxWidth < 1 || options.maxHeight < 1)
            throw EngineError(ErrorCode::InvalidArgument,
                              "thumbnails: the count and the box size must be at least 1");
        const std::string label = labelOf(path);
        checkExists(path, label);
        std::error_code ec;
        DecodeOptions o;
        if (fs::is_directory(path, ec)) {
            const auto n = static_cast<int>(nonEmptySequence(path, label).size());
            o.select = {SelectMode::Uniform, std::min(options.count, n)};
            Clip clip = decodeFolder(path, o, job);
            const auto [tw, th] =
                fitInBox(clip.width, clip.height, {options.maxWidth, options.maxHeight});
            return fitClip(clip, tw, th, FitMode::Stretch, image::ResampleFilter::Box);
        }
        // As many as the video has, up to `count`: the container's estimate first, the exact
        // count when that was too hopeful.
        int count = options.count;
        {
            VideoReader rd(path, label);
            const double estimate = estimatedFrames(rd);
            if (estimate >= 1)
                count = std::min<double>(count, std::floor(estimate));
        }
        const ThumbBox box{options.maxWidth, options.maxHeight};
        o.select = {SelectMode::Uniform, count};
        {
            // Long videos: the keyframe before each wanted time, one frame decoded each.
            VideoReader rd(path, label);
            if (shouldSeek(o, rd))
                if (auto clip = decodeBySeeking(rd, path, o, label, job, box, true))
                    return std::move(*clip);
        }
        try {
            return decodeFile(path, o, job, box);
        } catch (const EngineError& e) {
            if (e.code() != ErrorCode::InvalidArgument)
                throw;
        }
        o.select = {SelectMode::All, 0};
        Clip all = decodeFile(path, o, job, box);
        o.select = {SelectMode::Uniform, std::min(options.count, all.frameCount())};
        const auto keep =
            selectFrames(o.select, all.frameCount(), all.source.timestamps, all.source.fps, label);
        Clip clip = all;
        clip.frames.clear();
        clip.source.frameIndices.clear();
        clip.source.timestamps.clear();
        for (auto i : keep) {
            clip.frames.push_back(all.frames[i]);
            clip.source.frameIndices.push_back(all.source.frameIndices[i]);
            clip.source.timestamps.push_back(all.source.timestamps[i]);
        }
        return clip;
    });
}

}  // namespace mp::video
