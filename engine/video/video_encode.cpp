// Encoding: Clip -> video file or PNG folder, written under a temporary name and renamed into
// place. Pixel formats, quality mapping and even-size padding are described in docs/video.md.

#include "core/strings.h"
#include "io/file_util.h"
#include "io/json_util.h"
#include "video/ffmpeg_util.h"
#include "video/video_io.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>
#include <unordered_map>

namespace mp::video {

namespace fs = std::filesystem;

namespace {

bool endsWithSeparator(const fs::path& p) {
    const auto s = p.native();
    return !s.empty() && s.back() == '/';
}

// A temporary file or folder beside the destination; removed unless committed.
class TempOutput {
public:
    TempOutput(const fs::path& dest, bool folder) : m_folder(folder) {
        static std::atomic<unsigned> counter{0};
        const fs::path dir = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            throw EngineError(ErrorCode::NotFound, printable(dest.string()) + ": folder " +
                                                       printable(dir.string()) + " does not exist");
        m_path =
            dir / ("." + dest.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                   std::to_string(counter++) + (folder ? "" : dest.extension().string()));
        if (folder && !fs::create_directory(m_path, ec))
            throw EngineError(ErrorCode::Io,
                              printable(m_path.string()) + ": cannot create: " + ec.message());
    }
    ~TempOutput() {
        if (!m_committed) {
            std::error_code ec;
            if (m_folder)
                removeTree(m_path);
            else
                fs::remove(m_path, ec);
        }
    }
    TempOutput(const TempOutput&) = delete;
    TempOutput& operator=(const TempOutput&) = delete;
    const fs::path& path() const { return m_path; }
    void committed() { m_committed = true; }

private:
    fs::path m_path;
    bool m_folder;
    bool m_committed = false;
};

void fsyncPath(const fs::path& p) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

// Pads a packed RGB24 frame to (pw, ph) by repeating its last column and row.
std::vector<std::uint8_t> padFrame(const std::vector<std::uint8_t>& rgb,
                                   int w,
                                   int h,
                                   int pw,
                                   int ph) {
    if (pw == w && ph == h)
        return rgb;
    std::vector<std::uint8_t> out(static_cast<std::size_t>(pw) * ph * 3);
    for (int y = 0; y < ph; ++y) {
        const std::uint8_t* src = rgb.data() + static_cast<std::size_t>(std::min(y, h - 1)) * w * 3;
        std::uint8_t* dst = out.data() + static_cast<std::size_t>(y) * pw * 3;
        std::memcpy(dst, src, static_cast<std::size_t>(w) * 3);
        for (int x = w; x < pw; ++x)
            std::memcpy(dst + x * 3, src + (w - 1) * 3, 3);
    }
    return out;
}

// ---- GIF palette: median cut over the clip's colours ------------------------------------------

struct ColorCount {
    std::uint32_t rgb;
    std::uint64_t count;
};

int channel(std::uint32_t rgb, int c) {
    return static_cast<int>((rgb >> (16 - 8 * c)) & 0xff);
}

// Up to `maxColors` colours: the exact set when the clip has that few, otherwise the
// count-weighted means of median-cut boxes (split the box with the widest channel range at its
// weighted median along that channel).
std::vector<std::uint32_t> buildPalette(const Clip& clip, int maxColors) {
    std::unordered_map<std::uint32_t, std::uint64_t> hist;
    const std::size_t pixels = clip.frameBytes() / 3 * clip.frames.size();
    const std::size_t step = std::max<std::size_t>(1, pixels / (4u << 20));  // sample big clips
    std::size_t n = 0;
    for (const auto& f : clip.frames)
        for (std::size_t p = 0; p < f.size(); p += 3, ++n)
            if (n % step == 0)
                ++hist[(std::uint32_t(f[p]) << 16) | (std::uint32_t(f[p + 1]) << 8) | f[p + 2]];
    std::vector<ColorCount> colors;
    colors.reserve(hist.size());
    for (const auto& [rgb, count] : hist)
        colors.push_back({rgb, count});
    std::sort(colors.begin(), colors.end(), [](auto& a, auto& b) { return a.rgb < b.rgb; });
    if (static_cast<int>(colors.size()) <= maxColors) {
        std::vector<std::uint32_t> out;
        for (const auto& c : colors)
            out.push_back(c.rgb);
        return out;
    }
    struct Box {
        std::size_t begin, end;
    };
    auto widest = [&](const Box& b, int& which) {
        int best = -1;
        for (int c = 0; c < 3; ++c) {
            int lo = 255, hi = 0;
            for (std::size_t i = b.begin; i < b.end; ++i) {
                lo = std::min(lo, channel(colors[i].rgb, c));
                hi = std::max(hi, channel(colors[i].rgb, c));
            }
            if (hi - lo > best) {
                best = hi - lo;
                which = c;
            }
        }
        return best;
    };
    std::vector<Box> boxes{{0, colors.size()}};
    while (static_cast<int>(boxes.size()) < maxColors) {
        int pick = -1, pickRange = 0, pickChannel = 0;
        for (std::size_t b = 0; b < boxes.size(); ++b) {
            if (boxes[b].end - boxes[b].begin < 2)
                continue;
            int c = 0;
            const int r = widest(boxes[b], c);
            if (r > pickRange) {
                pick = static_cast<int>(b);
                pickRange = r;
                pickChannel = c;
            }
        }
        if (pick < 0)
            break;
        Box box = boxes[pick];
        std::sort(colors.begin() + box.begin, colors.begin() + box.end, [&](auto& a, auto& b) {
            return channel(a.rgb, pickChannel) < channel(b.rgb, pickChannel);
        });
        std::uint64_t total = 0, run = 0;
        for (std::size_t i = box.begin; i < box.end; ++i)
            total += colors[i].count;
        std::size_t split = box.begin + 1;
        for (std::size_t i = box.begin; i + 1 < box.end; ++i) {
            run += colors[i].count;
            split = i + 1;
            if (run * 2 >= total)
                break;
        }
        boxes[pick] = {box.begin, split};
        boxes.push_back({split, box.end});
    }
    std::vector<std::uint32_t> out;
    for (const auto& b : boxes) {
        double sum[3] = {0, 0, 0};
        double weight = 0;
        for (std::size_t i = b.begin; i < b.end; ++i) {
            for (int c = 0; c < 3; ++c)
                sum[c] += double(channel(colors[i].rgb, c)) * colors[i].count;
            weight += colors[i].count;
        }
        std::uint32_t rgb = 0;
        for (int c = 0; c < 3; ++c)
            rgb = (rgb << 8) | static_cast<std::uint32_t>(std::lround(sum[c] / weight));
        out.push_back(rgb);
    }
    return out;
}

class PaletteMapper {
public:
    explicit PaletteMapper(std::vector<std::uint32_t> palette) : m_palette(std::move(palette)) {}
    std::uint8_t index(std::uint32_t rgb) {
        if (auto it = m_cache.find(rgb); it != m_cache.end())
            return it->second;
        int best = 0;
        long bestDist = -1;
        for (std::size_t i = 0; i < m_palette.size(); ++i) {
            long d = 0;
            for (int c = 0; c < 3; ++c) {
                const long diff = channel(rgb, c) - channel(m_palette[i], c);
                d += diff * diff;
            }
            if (bestDist < 0 || d < bestDist) {
                bestDist = d;
                best = static_cast<int>(i);
            }
        }
        return m_cache[rgb] = static_cast<std::uint8_t>(best);
    }
    const std::vector<std::uint32_t>& palette() const { return m_palette; }

private:
    std::vector<std::uint32_t> m_palette;
    std::unordered_map<std::uint32_t, std::uint8_t> m_cache;
};

// ---- encoders -----------------------------------------------------------------------------------

// FFmpeg's muxer names; they equal our kind names except Matroska and image sequences.
const char* containerName(OutputKind kind) {
    if (kind == OutputKind::Mkv)
        return "matroska";
    if (kind == OutputKind::PngFolder)
        return "image2";
    return outputKindName(kind);
}

// Players expect 4:2:0 from these; everything else gets the most faithful RGB format it takes.
bool wantsYuv420(const std::string& encoder) {
    return encoder == "libx264" || encoder == "mpeg4" || encoder == "libvpx" ||
           encoder == "libvpx-vp9" || encoder == "libaom-av1" || encoder == "libsvtav1" ||
           encoder == "libopenh264";
}

AVPixelFormat choosePixelFormat(const AVCodec* codec, const std::string& name, OutputKind kind) {
    const AVPixelFormat* list = codec->pix_fmts;
    auto supports = [&](AVPixelFormat f) {
        if (!list)
            return true;
        for (const AVPixelFormat* p = list; *p != AV_PIX_FMT_NONE; ++p)
            if (*p == f)
                return true;
        return false;
    };
    if (kind == OutputKind::Gif && supports(AV_PIX_FMT_PAL8))
        return AV_PIX_FMT_PAL8;
    if (wantsYuv420(name) && supports(AV_PIX_FMT_YUV420P))
        return AV_PIX_FMT_YUV420P;
    for (AVPixelFormat f :
         {AV_PIX_FMT_RGB24, AV_PIX_FMT_BGR24, AV_PIX_FMT_BGR0, AV_PIX_FMT_RGB0, AV_PIX_FMT_0RGB,
          AV_PIX_FMT_0BGR, AV_PIX_FMT_GBRP, AV_PIX_FMT_BGRA, AV_PIX_FMT_RGBA})
        if (supports(f))
            return f;
    if (!list)
        return AV_PIX_FMT_RGB24;
    return avcodec_find_best_pix_fmt_of_list(list, AV_PIX_FMT_RGB24, 0, nullptr);
}

int clampRound(double v, int lo, int hi) {
    return std::clamp(static_cast<int>(std::lround(v)), lo, hi);
}

// quality 0..100 -> the encoder's own knob (docs/video.md lists the mapping).
void applyQuality(AVCodecContext* enc, const std::string& name, int q, AVDictionary** opts) {
    const double worse = (100 - q) / 100.0;  // 0 = best
    if (name == "libx264" || name == "libx264rgb") {
        av_dict_set_int(opts, "crf", clampRound(51 * worse, 0, 51), 0);
        av_dict_set(opts, "preset", "medium", 0);
    } else if (name == "libvpx-vp9") {
        enc->bit_rate = 0;
        av_dict_set_int(opts, "crf", clampRound(63 * worse, 0, 63), 0);
        if (q >= 100)
            av_dict_set_int(opts, "lossless", 1, 0);
        av_dict_set(opts, "deadline", "good", 0);
        av_dict_set_int(opts, "cpu-used", 4, 0);
        av_dict_set_int(opts, "row-mt", 1, 0);
    } else if (name == "libvpx") {
        // VP8's crf is "constrained quality": it needs a bitrate ceiling.
        enc->bit_rate = std::max<std::int64_t>(std::int64_t{enc->width} * enc->height * 8, 256000);
        av_dict_set_int(opts, "crf", clampRound(4 + 59 * worse, 4, 63), 0);
        enc->qmin = 0;
        enc->qmax = 63;
        av_dict_set(opts, "deadline", "good", 0);
        av_dict_set_int(opts, "cpu-used", 4, 0);
    } else if (name == "mpeg4" || name == "mjpeg") {
        enc->flags |= AV_CODEC_FLAG_QSCALE;
        enc->global_quality = FF_QP2LAMBDA * clampRound(1 + 30 * worse, 1, 31);
    }
}

struct Plan {
    OutputKind kind;
    std::string encoderName;
    const AVCodec* codec = nullptr;
    AVPixelFormat pixelFormat = AV_PIX_FMT_NONE;
    int width = 0, height = 0;  // stored size (maybe padded)
    AVRational frameRate{0, 1};
    double fps = 0;
};

const AVCodec* findEncoder(const std::string& name, const std::string& label) {
    const AVCodec* c = avcodec_find_encoder_by_name(name.c_str());
    if (!c)
        throw EngineError(ErrorCode::Unsupported,
                          label + ": this FFmpeg has no '" + printable(name) + "' encoder");
    if (c->type != AVMEDIA_TYPE_VIDEO)
        throw EngineError(ErrorCode::InvalidArgument,
                          label + ": '" + printable(name) + "' is not a video encoder");
    return c;
}

// Opens the encoder at the clip's size; if a 4:2:0 encoder refuses an odd size (libx264 does),
// opens it again at the size padded to even.
ff::CodecPtr openEncoder(Plan& plan,
                         const Clip& clip,
                         const EncodeOptions& o,
                         bool globalHeader,
                         const std::string& label) {
    const auto* desc = av_pix_fmt_desc_get(plan.pixelFormat);
    const bool subsampled = desc && (desc->log2_chroma_w > 0 || desc->log2_chroma_h > 0);
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool pad = attempt == 1;
        if (pad && (!subsampled || (clip.width % 2 == 0 && clip.height % 2 == 0)))
            break;
        ff::CodecPtr enc(avcodec_alloc_context3(plan.codec));
        if (!enc)
            throw EngineError(ErrorCode::Internal, "out of memory (avcodec_alloc_context3)");
        enc->width = pad ? (clip.width + 1) / 2 * 2 : clip.width;
        enc->height = pad ? (clip.height + 1) / 2 * 2 : clip.height;
        enc->pix_fmt = plan.pixelFormat;
        enc->framerate = plan.frameRate;
        enc->time_base =
            plan.kind == OutputKind::Gif ? AVRational{1, 100} : av_inv_q(plan.frameRate);
        enc->gop_size = 12;
        enc->thread_count = 0;
        if (desc && !(desc->flags & AV_PIX_FMT_FLAG_RGB) && plan.kind != OutputKind::Gif) {
            // We convert with BT.601 limited range; say so, so that players agree.
            bool fullRange = false;
            ff::withoutJpegRange(plan.pixelFormat, fullRange);
            enc->colorspace = AVCOL_SPC_SMPTE170M;
            enc->color_range = fullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
        }
        if (globalHeader)
            enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
        AVDictionary* opts = nullptr;
        applyQuality(enc.get(), plan.encoderName, o.quality, &opts);
        ff::clearLastLogError();
        const int r = avcodec_open2(enc.get(), plan.codec, &opts);
        av_dict_free(&opts);
        if (r >= 0) {
            plan.width = enc->width;
            plan.height = enc->height;
            return enc;
        }
        const bool odd = clip.width % 2 || clip.height % 2;
        if (!(subsampled && odd && !pad)) {
            const auto log = ff::lastLogError();
            throw EngineError(ErrorCode::Unsupported,
                              label + ": cannot open the " + plan.encoderName + " encoder for " +
                                  std::to_string(enc->width) + "x" + std::to_string(enc->height) +
                                  " " + av_get_pix_fmt_name(plan.pixelFormat) + " (" +
                                  ff::errorText(r) + (log.empty() ? "" : "; " + log) + ")");
        }
    }
    throw EngineError(ErrorCode::Unsupported,
                      label + ": cannot open the " + plan.encoderName + " encoder");
}

// Clip frames -> encoder frames (padding, colour conversion or palette mapping).
class FrameFeeder {
public:
    FrameFeeder(const Plan& plan, const Clip& clip, int quality) : m_plan(plan), m_clip(clip) {
        if (plan.pixelFormat == AV_PIX_FMT_PAL8) {
            // One palette for the whole clip, so static areas do not flicker between frames.
            const int colors = clampRound(8 + 248 * quality / 100.0, 8, 256);
            m_palette = std::make_unique<PaletteMapper>(buildPalette(clip, colors));
        }
    }

    ff::FramePtr frame(int i) {
        auto f = ff::allocFrame();
        f->format = m_plan.pixelFormat;
        f->width = m_plan.width;
        f->height = m_plan.height;
        if (av_frame_get_buffer(f.get(), 0) < 0)
            throw EngineError(ErrorCode::Internal, "out of memory (encoder frame)");
        const auto rgb =
            padFrame(m_clip.frames[i], m_clip.width, m_clip.height, m_plan.width, m_plan.height);
        if (m_palette) {
            auto* pal = reinterpret_cast<std::uint32_t*>(f->data[1]);
            const auto& colors = m_palette->palette();
            for (int k = 0; k < 256; ++k)
                pal[k] = 0xff000000u | (k < static_cast<int>(colors.size()) ? colors[k] : 0u);
            for (int y = 0; y < m_plan.height; ++y)
                for (int x = 0; x < m_plan.width; ++x) {
                    const auto* p =
                        rgb.data() + (static_cast<std::size_t>(y) * m_plan.width + x) * 3;
                    f->data[0][static_cast<std::ptrdiff_t>(y) * f->linesize[0] + x] =
                        m_palette->index((std::uint32_t(p[0]) << 16) | (std::uint32_t(p[1]) << 8) |
                                         p[2]);
                }
            return f;
        }
        if (!m_sws) {
            // yuvj* (JPEG) is full-range yuv*: swscale wants the plain format and a range flag.
            bool fullRange = false;
            const AVPixelFormat dst = ff::withoutJpegRange(m_plan.pixelFormat, fullRange);
            m_sws.reset(sws_getContext(
                m_plan.width, m_plan.height, AV_PIX_FMT_RGB24, m_plan.width, m_plan.height, dst,
                SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, nullptr, nullptr, nullptr));
            if (!m_sws)
                throw EngineError(ErrorCode::Unsupported,
                                  std::string("cannot convert RGB to ") +
                                      av_get_pix_fmt_name(m_plan.pixelFormat));
            const auto* desc = av_pix_fmt_desc_get(dst);
            if (desc && !(desc->flags & AV_PIX_FMT_FLAG_RGB) && desc->nb_components >= 3)
                sws_setColorspaceDetails(m_sws.get(), sws_getCoefficients(SWS_CS_DEFAULT), 1,
                                         sws_getCoefficients(SWS_CS_DEFAULT), fullRange ? 1 : 0, 0,
                                         1 << 16, 1 << 16);
        }
        const std::uint8_t* src[4] = {rgb.data(), nullptr, nullptr, nullptr};
        const int stride[4] = {m_plan.width * 3, 0, 0, 0};
        sws_scale(m_sws.get(), src, stride, 0, m_plan.height, f->data, f->linesize);
        return f;
    }

private:
    const Plan& m_plan;
    const Clip& m_clip;
    std::unique_ptr<PaletteMapper> m_palette;
    ff::SwsPtr m_sws;
};

void progressStep(const JobContext& job, int done, int total) {
    job.report("encode", done, total);
}

void writeBytes(const fs::path& path, const std::uint8_t* data, std::size_t size) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        out.flush();
        if (!out)
            throw EngineError(ErrorCode::Io, printable(path.string()) + ": write failed");
    }
    fsyncPath(path);
}

bool isFrameFolder(const fs::path& dir) {
    static const std::regex frameName("[0-9]+\\.(png|jpg)");
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (!std::regex_match(it->path().filename().string(), frameName) ||
            !it->is_regular_file(ec))
            return false;
    return !ec;
}

EncodeReport encodePngFolder(const Clip& clip,
                             const fs::path& dest,
                             const EncodeOptions& o,
                             const std::string& label,
                             const JobContext& job) {
    std::error_code ec;
    if (fs::exists(dest, ec)) {
        if (!fs::is_directory(dest, ec))
            throw EngineError(ErrorCode::InvalidArgument, label + ": exists and is not a folder");
        if (!isFrameFolder(dest))
            throw EngineError(ErrorCode::InvalidArgument,
                              label +
                                  ": the folder exists and holds other files than numbered "
                                  ".png frames; choose a new folder");
    }
    const std::string name = o.codec.empty() ? "png" : o.codec;
    if (name != "png" && name != "mjpeg")
        throw EngineError(ErrorCode::InvalidArgument,
                          label + ": frame folders are written as png or mjpeg (.jpg), not '" +
                              printable(name) + "'");
    const bool jpeg = name == "mjpeg";
    Plan plan{OutputKind::PngFolder, name, findEncoder(name, label)};
    plan.pixelFormat = jpeg ? choosePixelFormat(plan.codec, name, plan.kind) : AV_PIX_FMT_RGB24;
    plan.fps = o.fps > 0 ? o.fps : (clip.fps > 0 ? clip.fps : kDefaultFps);
    plan.frameRate = av_d2q(plan.fps, 65535);
    auto enc = openEncoder(plan, clip, o, false, label);
    TempOutput tmp(dest, true);
    FrameFeeder feeder(plan, clip, o.quality);
    auto packet = ff::allocPacket();
    const int n = clip.frameCount();
    int written = 0;
    // Image encoders may hold frames back (frame threads); packets come out in order.
    auto drain = [&] {
        for (;;) {
            const int r = avcodec_receive_packet(enc.get(), packet.get());
            if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
                return;
            if (r < 0)
                throw EngineError(ErrorCode::Internal, label + ": " + name + " encoding of frame " +
                                                           std::to_string(written) +
                                                           " fails: " + ff::errorText(r));
            char file[32];
            std::snprintf(file, sizeof file, jpeg ? "%05d.jpg" : "%05d.png", written++);
            writeBytes(tmp.path() / file, packet->data, static_cast<std::size_t>(packet->size));
            av_packet_unref(packet.get());
        }
    };
    for (int i = 0; i < n; ++i) {
        progressStep(job, i, n);
        auto f = feeder.frame(i);
        f->pts = i;
        if (enc->flags & AV_CODEC_FLAG_QSCALE)
            f->quality = enc->global_quality;
        const int r = avcodec_send_frame(enc.get(), f.get());
        if (r < 0)
            throw EngineError(ErrorCode::Internal, label + ": " + name + " refuses frame " +
                                                       std::to_string(i) + ": " + ff::errorText(r));
        drain();
    }
    avcodec_send_frame(enc.get(), nullptr);
    drain();
    if (written != n)
        throw EngineError(ErrorCode::Internal, label + ": " + name + " wrote " +
                                                   std::to_string(written) + " of " +
                                                   std::to_string(n) + " frames");
    progressStep(job, n, n);
    // Swap in: an old frame folder moves aside first and goes only once the new one is in place.
    fs::path old;
    if (fs::exists(dest, ec)) {
        old = tmp.path();
        old += ".old";
        fs::rename(dest, old, ec);
        if (ec)
            throw EngineError(ErrorCode::Io, label + ": cannot replace: " + ec.message());
    }
    fs::rename(tmp.path(), dest, ec);
    if (ec) {
        std::error_code ignore;
        if (!old.empty())
            fs::rename(old, dest, ignore);
        throw EngineError(ErrorCode::Io, label + ": cannot rename into place: " + ec.message());
    }
    tmp.committed();
    if (!old.empty())
        removeTree(old);
    return {dest,       OutputKind::PngFolder, name, av_get_pix_fmt_name(plan.pixelFormat),
            plan.width, plan.height,           n,    plan.fps};
}

void writeRotation(AVStream* st, int degreesClockwise) {
    // av_display_rotation_set takes a clockwise angle; av_display_rotation_get returns a
    // counter-clockwise one (the decoder negates it back).
    std::int32_t matrix[9];
    av_display_rotation_set(matrix, degreesClockwise);
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 29, 100)
    AVPacketSideData* sd =
        av_packet_side_data_new(&st->codecpar->coded_side_data, &st->codecpar->nb_coded_side_data,
                                AV_PKT_DATA_DISPLAYMATRIX, sizeof matrix, 0);
    std::uint8_t* data = sd ? sd->data : nullptr;
#else
    std::uint8_t* data = av_stream_new_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, sizeof matrix);
#endif
    if (!data)
        throw EngineError(ErrorCode::Internal, "out of memory (display matrix)");
    std::memcpy(data, matrix, sizeof matrix);
}

EncodeReport encodeFile(const Clip& clip,
                        const fs::path& dest,
                        OutputKind kind,
                        const EncodeOptions& o,
                        const std::string& label,
                        const JobContext& job) {
    std::error_code ec;
    if (fs::is_directory(dest, ec))
        throw EngineError(ErrorCode::InvalidArgument, label + ": is a folder");
    const std::string name = o.codec.empty() ? defaultEncoder(kind) : o.codec;
    Plan plan{kind, name, findEncoder(name, label)};
    const AVOutputFormat* ofmt = av_guess_format(containerName(kind), nullptr, nullptr);
    if (!ofmt)
        throw EngineError(ErrorCode::Unsupported,
                          label + ": this FFmpeg cannot write " + containerName(kind) + " files");
    if (avformat_query_codec(ofmt, plan.codec->id, FF_COMPLIANCE_NORMAL) != 1)
        throw EngineError(ErrorCode::InvalidArgument,
                          label + ": the " + plan.encoderName + " encoder cannot go into ." +
                              str::toLower(dest.extension().string()).substr(1) + " files");
    if (o.displayRotation % 360 != 0 && kind != OutputKind::Mp4 && kind != OutputKind::Mov)
        throw EngineError(ErrorCode::Unsupported,
                          label + ": rotation metadata is written to .mp4 and .mov only");
    plan.pixelFormat = choosePixelFormat(plan.codec, name, kind);
    plan.fps = o.fps > 0 ? o.fps : (clip.fps > 0 ? clip.fps : kDefaultFps);
    plan.frameRate = av_d2q(plan.fps, 65535);

    TempOutput tmp(dest, false);
    const std::string url = "file:" + tmp.path().string();  // never a protocol or pattern
    AVFormatContext* raw = nullptr;
    int r = avformat_alloc_output_context2(&raw, ofmt, nullptr, url.c_str());
    if (r < 0 || !raw)
        throw EngineError(ErrorCode::Internal, label + ": cannot set up the " +
                                                   containerName(kind) + " muxer (" +
                                                   ff::errorText(r) + ")");
    ff::OutputPtr oc(raw);
    auto enc = openEncoder(plan, clip, o, (ofmt->flags & AVFMT_GLOBALHEADER) != 0, label);
    AVStream* st = avformat_new_stream(oc.get(), nullptr);
    if (!st)
        throw EngineError(ErrorCode::Internal, "out of memory (avformat_new_stream)");
    r = avcodec_parameters_from_context(st->codecpar, enc.get());
    if (r < 0)
        throw EngineError(ErrorCode::Internal, label + ": " + ff::errorText(r));
    st->time_base = enc->time_base;
    st->avg_frame_rate = plan.frameRate;
    if (o.displayRotation % 360 != 0)
        writeRotation(st, o.displayRotation);
    r = avio_open(&oc->pb, url.c_str(), AVIO_FLAG_WRITE);
    if (r < 0)
        throw EngineError(ErrorCode::Io,
                          printable(tmp.path().string()) + ": cannot create: " + ff::errorText(r));
    AVDictionary* muxOpts = nullptr;
    if (kind == OutputKind::Mp4 || kind == OutputKind::Mov)
        av_dict_set(&muxOpts, "movflags", "+faststart", 0);  // playable while downloading
    r = avformat_write_header(oc.get(), &muxOpts);
    av_dict_free(&muxOpts);
    if (r < 0)
        throw EngineError(ErrorCode::Io, label + ": cannot write the header: " + ff::errorText(r));

    FrameFeeder feeder(plan, clip, o.quality);
    auto packet = ff::allocPacket();
    auto drain = [&] {
        for (;;) {
            int rr = avcodec_receive_packet(enc.get(), packet.get());
            if (rr == AVERROR(EAGAIN) || rr == AVERROR_EOF)
                return;
            if (rr < 0)
                throw EngineError(ErrorCode::Internal,
                                  label + ": " + plan.encoderName + " fails: " + ff::errorText(rr));
            av_packet_rescale_ts(packet.get(), enc->time_base, st->time_base);
            packet->stream_index = st->index;
            rr = av_interleaved_write_frame(oc.get(), packet.get());
            if (rr < 0)
                throw EngineError(ErrorCode::Io, label + ": write fails: " + ff::errorText(rr));
        }
    };
    const int n = clip.frameCount();
    for (int i = 0; i < n; ++i) {
        progressStep(job, i, n);
        auto f = feeder.frame(i);
        f->pts = kind == OutputKind::Gif ? std::llround(i * 100.0 / plan.fps) : i;
        if (enc->flags & AV_CODEC_FLAG_QSCALE)
            f->quality = enc->global_quality;
        r = avcodec_send_frame(enc.get(), f.get());
        if (r < 0)
            throw EngineError(ErrorCode::Internal, label + ": " + plan.encoderName +
                                                       " refuses frame " + std::to_string(i) +
                                                       ": " + ff::errorText(r));
        drain();
    }
    progressStep(job, n, n);
    avcodec_send_frame(enc.get(), nullptr);
    drain();
    r = av_write_trailer(oc.get());
    if (r < 0)
        throw EngineError(ErrorCode::Io, label + ": cannot finish the file: " + ff::errorText(r));
    oc.reset();  // closes the file
    fsyncPath(tmp.path());
    fs::rename(tmp.path(), dest, ec);
    if (ec)
        throw EngineError(ErrorCode::Io, label + ": cannot rename into place: " + ec.message());
    tmp.committed();
    return {dest,       kind,        name, av_get_pix_fmt_name(plan.pixelFormat),
            plan.width, plan.height, n,    plan.fps};
}

}  // namespace

OutputKind outputKindFor(const fs::path& path) {
    if (endsWithSeparator(path) || !path.has_extension())
        return OutputKind::PngFolder;
    const auto ext = str::toLower(path.extension().string());
    if (ext == ".mp4" || ext == ".m4v")
        return OutputKind::Mp4;
    if (ext == ".mov")
        return OutputKind::Mov;
    if (ext == ".webm")
        return OutputKind::Webm;
    if (ext == ".mkv")
        return OutputKind::Mkv;
    if (ext == ".gif")
        return OutputKind::Gif;
    throw EngineError(ErrorCode::InvalidArgument,
                      printable(path.string()) + ": cannot write '" + printable(ext) +
                          "' files (use .mp4, .mov, .webm, .mkv, .gif or a folder ending in /)");
}

const char* outputKindName(OutputKind kind) {
    switch (kind) {
        case OutputKind::Mp4:
            return "mp4";
        case OutputKind::Mov:
            return "mov";
        case OutputKind::Webm:
            return "webm";
        case OutputKind::Mkv:
            return "mkv";
        case OutputKind::Gif:
            return "gif";
        case OutputKind::PngFolder:
            return "png-folder";
    }
    return "?";
}

std::string defaultEncoder(OutputKind kind) {
    switch (kind) {
        case OutputKind::Mp4:
        case OutputKind::Mov:
            return hasEncoder("libx264") ? "libx264" : "mpeg4";
        case OutputKind::Webm:
            return hasEncoder("libvpx-vp9") ? "libvpx-vp9" : "libvpx";
        case OutputKind::Mkv:
            return "ffv1";
        case OutputKind::Gif:
            return "gif";
        case OutputKind::PngFolder:
            return "png";
    }
    return "";
}

Result<EncodeReport> encodeVideo(const Clip& clip,
                                 const fs::path& path,
                                 const EncodeOptions& options,
                                 const JobContext& job) {
    return capture([&] {
        ff::installLogForwarding();
        const std::string label = printable(path.string());
        validateClip(clip, label);
        if (options.quality < 0 || options.quality > 100)
            throw EngineError(ErrorCode::InvalidArgument, label + ": quality must be 0..100, not " +
                                                              std::to_string(options.quality));
        if (options.fps < 0 || !std::isfinite(options.fps))
            throw EngineError(ErrorCode::InvalidArgument, label + ": fps must be positive");
        if (options.displayRotation % 90 != 0)
            throw EngineError(ErrorCode::InvalidArgument,
                              label + ": rotation must be a multiple of 90 degrees");
        const OutputKind kind = outputKindFor(path);
        if (kind == OutputKind::PngFolder) {
            fs::path dest = path;
            while (endsWithSeparator(dest) && dest.native().size() > 1)
                dest = fs::path(dest.native().substr(0, dest.native().size() - 1));
            return encodePngFolder(clip, dest, options, label, job);
        }
        return encodeFile(clip, path, kind, options, label, job);
    });
}

}  // namespace mp::video
