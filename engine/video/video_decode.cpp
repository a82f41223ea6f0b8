// Decoding: video files through libavformat/libavcodec, frame folders file by file. Every mode
// reduces to a list of source frame indices; only the kept frames are converted to RGB and held.

#include "core/strings.h"
#include "io/json_util.h"
#include "video/ffmpeg_util.h"
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

// The display matrix says how to turn the stored picture for display; FFmpeg reports it as a
// counter-clockwise angle, we store clockwise degrees.
int rotationFromMatrix(const std::uint8_t* matrix) {
    if (!matrix)
        return 0;
    return snapRotation(-av_display_rotation_get(reinterpret_cast<const std::int32_t*>(matrix)));
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
    VideoReader(const fs::path& path, const std::string& label) {
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
        m_rotation = rotationFromMatrix(streamDisplayMatrix(m_stream));
    }

    // The next frame in presentation order, valid until the next call; nullptr at the end of the
    // stream or where it breaks off (then streamBreak() says why).
    AVFrame* next() {
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
                if (m_read == 0 && m_rotation == 0)
                    if (const auto* sd =
                            av_frame_get_side_data(m_frame.get(), AV_FRAME_DATA_DISPLAYMATRIX);
                        sd && sd->size >= 36)
                        m_rotation = rotationFromMatrix(sd->data);
                const double t = timestampOf(m_frame.get());
                if (m_read == 0)
                    m_firstTime = t;
                m_lastTime = t;
                ++m_read;
                return m_frame.get();
            }
            if (r == AVERROR_EOF) {
                m_done = true;
                if (!m_pendingBreak.empty())
                    markBroken(m_pendingBreak);
                else
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
            r = avcodec_send_packet(m_dec.get(), m_packet.get());
            av_packet_unref(m_packet.get());
            if (r < 0 && r != AVERROR(EAGAIN)) {
                markBroken("a packet after frame " + std::to_string(m_read) +
                           " does not decode: " + ff::errorText(r));
                return nullptr;
            }
        }
    }

    bool broken() const { return m_broken; }
    const std::string& breakReason() const { return m_breakReason; }
    std::int64_t framesRead() const { return m_read; }
    int rotation() const { return m_rotation; }
    std::int64_t bitRate() const { return m_fmt->bit_rate; }
    double lastTime() const { return m_lastTime - m_firstTime; }

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

    SourceInfo info(const std::string& path) const {
        SourceInfo s;
        s.path = path;
        s.container = m_fmt->iformat->name;
        s.codec = avcodec_get_name(m_stream->codecpar->codec_id);
        const auto fmt = static_cast<AVPixelFormat>(m_stream->codecpar->format);
        s.pixelFormat = fmt != AV_PIX_FMT_NONE ? av_get_pix_fmt_name(fmt) : "";
        s.codedWidth = m_stream->codecpar->width;
        s.codedHeight = m_stream->codecpar->height;
        s.rotation = m_rotation;
        s.fps = fps();
        s.durationSeconds = streamDuration();
        if (s.durationSeconds == 0 && m_fmt->duration != AV_NOPTS_VALUE && m_fmt->duration > 0)
            s.durationSeconds = m_fmt->duration / double(AV_TIME_BASE);
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

    // At a clean end of input: did we get every frame the container promised?
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
        char buf[160];
        if (lastTime() + 2.5 / rate < duration) {
            std::snprintf(buf, sizeof buf, "the stream ends at %.3f s of the %.3f s it declares",
                          lastTime() + 1.0 / rate, duration);
            markBroken(std::string(buf) + " (truncated file?)");
            return;
        }
        // Constant-rate streams: frames missing in the middle (a damaged stretch the demuxer
        // skipped) show as fewer frames than duration x rate.
        const AVRational avg = m_stream->avg_frame_rate, real = m_stream->r_frame_rate;
        const bool constantRate = avg.num > 0 && avg.den > 0 && av_cmp_q(avg, real) == 0;
        const auto expected = static_cast<std::int64_t>(std::lround(duration * rate));
        if (constantRate && m_read + 1 < expected) {
            std::snprintf(buf, sizeof buf,
                          "%lld frames decode where %.3f s at %.3f fps holds %lld (damaged data "
                          "was skipped)",
                          static_cast<long long>(m_read), duration, rate,
                          static_cast<long long>(expected));
            markBroken(buf);
        }
    }

    ff::InputPtr m_fmt;
    ff::CodecPtr m_dec;
    ff::PacketPtr m_packet;
    ff::FramePtr m_frame;
    AVStream* m_stream = nullptr;
    int m_index = -1;
    int m_rotation = 0;
    std::int64_t m_read = 0;
    double m_firstTime = 0;
    double m_lastTime = 0;
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

// Decoded frames -> packed RGB24 at the frame's own size.
class RgbConverter {
public:
    std::vector<std::uint8_t> convert(const AVFrame* f, const std::string& label) {
        const auto fmt = static_cast<AVPixelFormat>(f->format);
        if (fmt != m_format) {
            requireConvertibleToRgb(av_get_pix_fmt_name(fmt), label);
            m_format = fmt;
        }
        bool fullRange = f->color_range == AVCOL_RANGE_JPEG;
        const AVPixelFormat src = ff::withoutJpegRange(fmt, fullRange);
        SwsContext* ctx = sws_getCachedContext(
            m_sws.release(), f->width, f->height, src, f->width, f->height, AV_PIX_FMT_RGB24,
            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr);
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
        if (!m_rgb || m_rgb->width != f->width || m_rgb->height != f->height) {
            m_rgb = ff::allocFrame();
            m_rgb->format = AV_PIX_FMT_RGB24;
            m_rgb->width = f->width;
            m_rgb->height = f->height;
            if (av_frame_get_buffer(m_rgb.get(), 0) < 0)
                throw EngineError(ErrorCode::Internal, "out of memory (RGB frame)");
        }
        sws_scale(ctx, f->data, f->linesize, 0, f->height, m_rgb->data, m_rgb->linesize);
        std::vector<std::uint8_t> out(static_cast<std::size_t>(f->width) * f->height * 3);
        for (int y = 0; y < f->height; ++y)
            std::memcpy(out.data() + static_cast<std::size_t>(y) * f->width * 3,
                        m_rgb->data[0] + static_cast<std::ptrdiff_t>(y) * m_rgb->linesize[0],
                        static_cast<std::size_t>(f->width) * 3);
        return out;
    }

private:
    ff::SwsPtr m_sws;
    ff::FramePtr m_rgb;
    AVPixelFormat m_format = AV_PIX_FMT_NONE;
};

// Rotation, then resize/crop to the requested size.
struct FramePipeline {
    const DecodeOptions& options;
    const std::string& label;
    Clip& clip;

    void add(std::vector<std::uint8_t> rgb, int w, int h, int rotation, int copies) {
        if (rotation) {
            rgb = rotateFrame(rgb, w, h, rotation);
            if (rotation != 180)
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

Clip decodeFile(const fs::path& path, const DecodeOptions& o, const JobContext& job) {
    const std::string label = labelOf(path);
    auto reader = std::make_unique<VideoReader>(path, label);
    Clip clip;
    clip.source = reader->info(path.string());
    const FrameSelection& sel = o.select;

    std::vector<std::int64_t> indices;
    std::int64_t total = -1;
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
        reader = std::make_unique<VideoReader>(path, label);
    }

    FramePipeline pipeline{o, label, clip};
    RgbConverter converter;
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
            pipeline.add(converter.convert(f, label), f->width, f->height,
                         o.applyRotation ? reader->rotation() : 0, copies);
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
    clip.source.rotation = o.applyRotation ? reader->rotation() : 0;
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
    clip.fps = selectedFps(sel, clip.source.fps > 0 ? clip.source.fps : kDefaultFps,
                           total > 0 ? total : 0, clip.frames.size());
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

    Clip clip;
    clip.source.path = dir.string();
    clip.source.container = "image-sequence";
    clip.source.fps = o.sequenceFps;
    clip.source.frameCount = total;
    clip.source.durationSeconds = double(total) / o.sequenceFps;
    FramePipeline pipeline{o, label, clip};
    RgbConverter converter;
    for (std::size_t k = 0; k < indices.size();) {
        const auto i = indices[k];
        int copies = 0;
        while (k < indices.size() && indices[k] == i) {
            ++copies;
            ++k;
        }
        reportProgress(job, static_cast<std::int64_t>(k),
                       static_cast<std::int64_t>(indices.size()));
        const std::string fileLabel = labelOf(files[i]);
        VideoReader reader(files[i], fileLabel);
        AVFrame* f = firstImage(reader, fileLabel);
        if (clip.frames.empty()) {
            const auto info = reader.info(files[i].string());
            clip.source.codec = info.codec;
            clip.source.pixelFormat = info.pixelFormat;
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
        pipeline.add(converter.convert(f, fileLabel), f->width, f->height,
                     o.applyRotation ? reader.rotation() : 0, copies);
        for (int c = 0; c < copies; ++c) {
            clip.source.frameIndices.push_back(i);
            clip.source.timestamps.push_back(times[i]);
        }
    }
    clip.fps = selectedFps(o.select, o.sequenceFps, total, clip.frames.size());
    return clip;
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
            info.source = reader.info(path.string());
            std::string pixelFormat;
            while (AVFrame* f = reader.next()) {
                if (pixelFormat.empty())
                    pixelFormat = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format));
                reportProgress(job, reader.framesRead(), 0);
            }
            if (reader.broken()) {
                if (!options.allowPartial || reader.framesRead() == 0)
                    throwBroken(label, reader);
                info.source.partial = true;
                info.source.warning = "stream breaks off after frame " +
                                      std::to_string(reader.framesRead()) + ": " +
                                      reader.breakReason();
            }
            if (reader.framesRead() == 0)
                throw EngineError(ErrorCode::Format, label + ": the video has no frames");
            if (!pixelFormat.empty())
                info.source.pixelFormat = pixelFormat;
            info.source.rotation = reader.rotation();
            info.source.frameCount = reader.framesRead();
            info.bitRate = reader.bitRate();
            if (info.source.fps <= 0 && reader.framesRead() > 1 && reader.lastTime() > 0)
                info.source.fps = double(reader.framesRead() - 1) / reader.lastTime();
            if (info.source.durationSeconds <= 0 && info.source.fps > 0)
                info.source.durationSeconds = reader.lastTime() + 1.0 / info.source.fps;
        }
        const bool swap =
            options.applyRotation && (info.source.rotation == 90 || info.source.rotation == 270);
        info.width = swap ? info.source.codedHeight : info.source.codedWidth;
        info.height = swap ? info.source.codedWidth : info.source.codedHeight;
        if (!options.applyRotation)
            info.source.rotation = 0;
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
                                          : decodeFile(path, options, job);
    });
}

}  // namespace mp::video
