#include "video/synthetic.h"

#include "io/json_util.h"
#include "video/ffmpeg_util.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mp::video {

namespace {

// The band: rows [h/3, 2h/3), `bits` equal cells across the whole width.
struct Band {
    int top, bottom, bits;
};

Band bandOf(int width, int height) {
    return {height / 3, std::max(height / 3 + 1, 2 * height / 3), syntheticBits(width)};
}

int cellLeft(int i, int bits, int width) {
    return i * width / bits;
}

}  // namespace

int syntheticBits(int width) {
    return std::clamp(width / 6, 4, 12);
}

namespace {

int squareSize(int width, int height) {
    return std::max(2, std::min(width, height) / 8);
}

// The square runs along the top edge, inside the top quadrants; `step` is its position.
int squareLeft(int width, int height, int step) {
    const int span = std::max(1, width - squareSize(width, height));
    return step % span;
}

std::vector<std::uint8_t> drawPattern(int width, int height, int index, int sx, bool alpha) {
    const int channels = alpha ? 4 : 3;
    std::vector<std::uint8_t> out(static_cast<std::size_t>(width) * height * channels);
    const Band band = bandOf(width, height);
    const int square = squareSize(width, height);
    const int sy = std::max(0, band.top / 2 - square / 2);
    auto put = [&](std::uint8_t* p, Rgb c, int x) {
        p[0] = c.r;
        p[1] = c.g;
        p[2] = c.b;
        if (alpha)
            p[3] = syntheticAlpha(x, width);
    };
    // One row per kind (top quadrants, band, bottom quadrants), copied down; then the square.
    std::vector<std::uint8_t> top(static_cast<std::size_t>(width) * channels), mid(top.size()),
        bottom(top.size());
    for (int x = 0, cell = 0; x < width; ++x) {
        const int right = x >= width / 2 ? 1 : 0;
        put(top.data() + x * channels, kSyntheticCorners[right], x);
        put(bottom.data() + x * channels, kSyntheticCorners[2 + right], x);
        while (cell + 1 < band.bits && x >= cellLeft(cell + 1, band.bits, width))
            ++cell;
        const bool one = (index >> (band.bits - 1 - cell)) & 1;
        put(mid.data() + x * channels, one ? Rgb{255, 255, 255} : Rgb{0, 0, 0}, x);
    }
    for (int y = 0; y < height; ++y) {
        const auto& row = (y >= band.top && y < band.bottom) ? mid : y < height / 2 ? top : bottom;
        std::copy(row.begin(), row.end(),
                  out.begin() + static_cast<std::ptrdiff_t>(y) * width * channels);
    }
    for (int y = sy; y < std::min(height, sy + square); ++y) {
        if (y >= band.top && y < band.bottom)
            continue;
        for (int x = sx; x < std::min(width, sx + square); ++x)
            put(out.data() + (static_cast<std::size_t>(y) * width + x) * channels, {250, 250, 250},
                x);
    }
    return out;
}

}  // namespace

std::uint8_t syntheticAlpha(int x, int width) {
    return x < width / 3 ? 255 : x < 2 * width / 3 ? 128 : 0;
}

std::vector<std::uint8_t> syntheticFrame(int width, int height, int index, bool alpha) {
    return drawPattern(width, height, index, squareLeft(width, height, index * 3), alpha);
}

std::vector<std::uint8_t> syntheticField(int width, int height, int index, bool bottom) {
    const int square = squareSize(width, height);
    return drawPattern(width, height, index,
                       squareLeft(width, height, (2 * index + (bottom ? 1 : 0)) * square), false);
}

std::vector<std::uint8_t> syntheticInterlacedFrame(int width, int height, int index) {
    auto out = syntheticField(width, height, index, false);
    const auto bottom = syntheticField(width, height, index, true);
    const auto row = static_cast<std::size_t>(width) * 3;
    for (int y = 1; y < height; y += 2)
        std::copy_n(bottom.begin() + static_cast<std::ptrdiff_t>(y * row), row,
                    out.begin() + static_cast<std::ptrdiff_t>(y * row));
    return out;
}

int readSyntheticFrameNumber(const std::vector<std::uint8_t>& rgb, int width, int height) {
    const Band band = bandOf(width, height);
    const int y = (band.top + band.bottom) / 2;
    int value = 0;
    for (int i = 0; i < band.bits; ++i) {
        const int x = (cellLeft(i, band.bits, width) + cellLeft(i + 1, band.bits, width)) / 2;
        const auto* p = rgb.data() + (static_cast<std::size_t>(y) * width + x) * 3;
        const int luma = (p[0] + p[1] + p[2]) / 3;
        if (luma > 96 && luma < 160)
            return -1;
        value = value * 2 + (luma >= 160 ? 1 : 0);
    }
    return value;
}

Result<void> writeSyntheticVideo(const std::filesystem::path& path,
                                 const SyntheticSpec& spec,
                                 const JobContext& job) {
    return capture([&] {
        ff::installLogForwarding();
        const std::string label = printable(path.string());
        const bool vfr = !spec.frameTimes.empty();
        if (spec.width < 1 || spec.height < 1 || spec.frames < 1 || (!vfr && !(spec.fps > 0)) ||
            (vfr && static_cast<int>(spec.frameTimes.size()) != spec.frames))
            throw EngineError(ErrorCode::InvalidArgument,
                              label +
                                  ": a synthetic video needs a size, frames and a rate (or "
                                  "one time per frame)");
        const AVCodec* codec = avcodec_find_encoder_by_name(spec.codec.c_str());
        if (!codec)
            throw EngineError(ErrorCode::Unsupported,
                              label + ": this FFmpeg has no encoder '" + spec.codec + "'");
        AVFormatContext* rawOc = nullptr;
        avformat_alloc_output_context2(&rawOc, nullptr,
                                       spec.container.empty() ? nullptr : spec.container.c_str(),
                                       path.string().c_str());
        if (!rawOc)
            throw EngineError(ErrorCode::InvalidArgument,
                              label + ": no muxer for this name or container");
        ff::OutputPtr oc(rawOc);
        ff::CodecPtr enc(avcodec_alloc_context3(codec));
        if (!enc)
            throw EngineError(ErrorCode::Internal, "out of memory (avcodec_alloc_context3)");
        AVPixelFormat pixFmt = AV_PIX_FMT_NONE;
        if (!spec.pixelFormat.empty()) {
            pixFmt = av_get_pix_fmt(spec.pixelFormat.c_str());
            if (pixFmt == AV_PIX_FMT_NONE)
                throw EngineError(ErrorCode::InvalidArgument,
                                  label + ": unknown pixel format '" + spec.pixelFormat + "'");
        } else if (codec->pix_fmts) {
            pixFmt = codec->pix_fmts[0];
        }
        enc->width = spec.width;
        enc->height = spec.height;
        enc->pix_fmt = pixFmt;
        const AVRational rate = av_d2q(vfr ? 0.0 : spec.fps, 100000);
        enc->time_base = vfr ? AVRational{1, 1000} : av_inv_q(rate);
        if (!vfr)
            enc->framerate = rate;
        if (spec.gop > 0)
            enc->gop_size = spec.gop;
        enc->sample_aspect_ratio = {spec.sampleAspectNum, spec.sampleAspectDen};
        const auto* desc = av_pix_fmt_desc_get(pixFmt);
        const bool alpha = !spec.interlaced && desc && (desc->flags & AV_PIX_FMT_FLAG_ALPHA);
        if (spec.pixelFormat.rfind("yuvj", 0) == 0)
            enc->color_range = AVCOL_RANGE_JPEG;
        if (spec.interlaced) {
            enc->flags |= AV_CODEC_FLAG_INTERLACED_DCT | AV_CODEC_FLAG_INTERLACED_ME;
            enc->field_order = AV_FIELD_TT;
        }
        if (oc->oformat->flags & AVFMT_GLOBALHEADER)
            enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
        AVDictionary* opts = nullptr;
        for (const auto& [k, v] : spec.codecOptions)
            av_dict_set(&opts, k.c_str(), v.c_str(), 0);
        if (spec.interlaced && spec.codec == "libx264")
            av_dict_set(&opts, "x264-params", "interlaced=1:tff=1", 0);
        int r = avcodec_open2(enc.get(), codec, &opts);
        av_dict_free(&opts);
        if (r < 0)
            throw EngineError(ErrorCode::Unsupported, label + ": cannot open the " + spec.codec +
                                                          " encoder for " + spec.pixelFormat +
                                                          " (" + ff::errorText(r) + ")");
        AVStream* st = avformat_new_stream(oc.get(), nullptr);
        if (!st)
            throw EngineError(ErrorCode::Internal, "out of memory (avformat_new_stream)");
        avcodec_parameters_from_context(st->codecpar, enc.get());
        st->time_base = enc->time_base;
        st->sample_aspect_ratio = enc->sample_aspect_ratio;
        if (!vfr)
            st->avg_frame_rate = rate;
        if (spec.writeMatrix) {
            std::int32_t matrix[9];
            av_display_rotation_set(matrix, spec.matrixRotation);
            av_display_matrix_flip(matrix, spec.matrixHflip, spec.matrixVflip);
            std::uint8_t* data =
                av_stream_new_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, sizeof matrix);
            if (!data)
                throw EngineError(ErrorCode::Internal, "out of memory (display matrix)");
            std::memcpy(data, matrix, sizeof matrix);
        }
        if (!spec.rotateTag.empty())
            av_dict_set(&st->metadata, "rotate", spec.rotateTag.c_str(), 0);
        r = avio_open(&oc->pb, ("file:" + path.string()).c_str(), AVIO_FLAG_WRITE);
        if (r < 0)
            throw EngineError(ErrorCode::Io, label + ": cannot write: " + ff::errorText(r));
        // The index first (as encodeVideo writes mp4/mov), so a cut file still opens.
        AVDictionary* muxOpts = nullptr;
        if (std::strcmp(oc->oformat->name, "mp4") == 0 ||
            std::strcmp(oc->oformat->name, "mov") == 0)
            av_dict_set(&muxOpts, "movflags", "+faststart", 0);
        r = avformat_write_header(oc.get(), &muxOpts);
        av_dict_free(&muxOpts);
        if (r < 0)
            throw EngineError(ErrorCode::Io,
                              label + ": cannot write the header: " + ff::errorText(r));

        std::vector<std::int64_t> pts;  // per frame, in the encoder's time base
        for (int i = 0; i < spec.frames; ++i)
            pts.push_back(vfr ? std::llround(spec.frameTimes[i] * 1000) : i);
        ff::PacketPtr packet = ff::allocPacket();
        auto drain = [&](bool flushing) {
            for (;;) {
                const int rr = avcodec_receive_packet(enc.get(), packet.get());
                if (rr == AVERROR(EAGAIN) || (flushing && rr == AVERROR_EOF))
                    return;
                if (rr < 0)
                    throw EngineError(ErrorCode::Internal,
                                      label + ": encoding fails: " + ff::errorText(rr));
                packet->stream_index = st->index;
                if (vfr && packet->duration <= 0) {
                    // Each frame lasts until the next (the last as long as the one before), so
                    // that an mp4 edit list keeps the last frame.
                    const auto it = std::lower_bound(pts.begin(), pts.end(), packet->pts);
                    if (it != pts.end() && *it == packet->pts) {
                        const auto i = it - pts.begin();
                        packet->duration = i + 1 < static_cast<std::ptrdiff_t>(pts.size())
                                               ? pts[i + 1] - pts[i]
                                               : (i > 0 ? pts[i] - pts[i - 1] : 1);
                    }
                }
                av_packet_rescale_ts(packet.get(), enc->time_base, st->time_base);
                const int wr = av_interleaved_write_frame(oc.get(), packet.get());
                if (wr < 0)
                    throw EngineError(ErrorCode::Io,
                                      label + ": writing fails: " + ff::errorText(wr));
            }
        };
        const AVPixelFormat srcFmt = alpha ? AV_PIX_FMT_RGBA : AV_PIX_FMT_RGB24;
        ff::SwsPtr sws(sws_getContext(spec.width, spec.height, srcFmt, spec.width, spec.height,
                                      pixFmt, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP,
                                      nullptr, nullptr, nullptr));
        if (!sws)
            throw EngineError(ErrorCode::Unsupported,
                              label + ": cannot convert RGB to " + spec.pixelFormat);
        if (enc->color_range == AVCOL_RANGE_JPEG) {
            int* inv = nullptr;
            int* tbl = nullptr;
            int srcRange = 0, dstRange = 0, b = 0, c = 0, s = 0;
            sws_getColorspaceDetails(sws.get(), &inv, &srcRange, &tbl, &dstRange, &b, &c, &s);
            sws_setColorspaceDetails(sws.get(), inv, srcRange, tbl, 1, b, c, s);
        }
        ff::FramePtr frame = ff::allocFrame();
        frame->format = pixFmt;
        frame->width = spec.width;
        frame->height = spec.height;
        if (av_frame_get_buffer(frame.get(), 0) < 0)
            throw EngineError(ErrorCode::Internal, "out of memory (frame)");
        for (int i = 0; i < spec.frames; ++i) {
            job.report("encode", i + 1, spec.frames);
            const int number = spec.firstIndex + i;
            const auto rgb = spec.interlaced
                                 ? syntheticInterlacedFrame(spec.width, spec.height, number)
                                 : syntheticFrame(spec.width, spec.height, number, alpha);
            if (av_frame_make_writable(frame.get()) < 0)
                throw EngineError(ErrorCode::Internal, "out of memory (frame)");
            const std::uint8_t* src[1] = {rgb.data()};
            const int stride[1] = {spec.width * (alpha ? 4 : 3)};
            sws_scale(sws.get(), src, stride, 0, spec.height, frame->data, frame->linesize);
            frame->pts = pts[i];
            frame->sample_aspect_ratio = enc->sample_aspect_ratio;
            if (enc->color_range == AVCOL_RANGE_JPEG)
                frame->color_range = AVCOL_RANGE_JPEG;
            if (spec.interlaced) {
                frame->interlaced_frame = 1;
                frame->top_field_first = 1;
            }
            r = avcodec_send_frame(enc.get(), frame.get());
            if (r < 0)
                throw EngineError(ErrorCode::Internal,
                                  label + ": encoding fails: " + ff::errorText(r));
            drain(false);
        }
        avcodec_send_frame(enc.get(), nullptr);
        drain(true);
        r = av_write_trailer(oc.get());
        if (r < 0)
            throw EngineError(ErrorCode::Io, label + ": cannot finish: " + ff::errorText(r));
    });
}

}  // namespace mp::video
