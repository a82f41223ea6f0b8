#!/usr/bin/env bash
# On the GPU machine (no FFmpeg there): build a small shared FFmpeg from a source tarball staged by
# tools/gpu/stage-video.sh, with what MotionProbe's video code uses (frame folders of PNG, JPEG
# and BMP; MP4/MOV/MKV/GIF in and out with the encoders that need no outside library: MPEG-4
# part 2, FFV1, PNG, GIF; bwdif/yadif), so that the engine-only build gains the video commands,
# the probe, customize and the dataset benchmarks. Prints the pkg-config folder.
#   tools/gpu/build-ffmpeg.sh SOURCE.tar.xz PREFIX [ZLIB_PREFIX]
set -euo pipefail
src=$1 prefix=$2 zlib=${3:-}
if [ -f "$prefix/lib/pkgconfig/libavcodec.pc" ]; then
    echo "$prefix/lib/pkgconfig"
    exit 0
fi
work=$(mktemp -d)
tar xJf "$src" -C "$work"
cd "$work"/ffmpeg-*
extra=()
if [ ! -f /usr/include/zlib.h ] && [ -n "$zlib" ]; then
    # The staged headers, linked against the machine's own zlib runtime (the package's libz.so is
    # an absolute link to a file of another version).
    runtime=$(ldconfig -p | awk '/libz\.so\.1 .*x86-64/ {print $NF; exit}')
    mkdir -p "$work/zlib"
    ln -s "$runtime" "$work/zlib/libz.so"
    extra+=(--extra-cflags="-I$zlib/include" --extra-ldflags="-L$work/zlib")
fi
./configure --prefix="$prefix" --enable-shared --disable-static --enable-pic \
    --disable-programs --disable-doc --disable-x86asm --disable-network --disable-autodetect \
    --disable-everything --enable-zlib --enable-avfilter --enable-swscale --enable-swresample \
    --enable-protocol=file \
    --enable-demuxer=image2,png_pipe,jpeg_pipe,bmp_pipe,mov,matroska,gif,avi \
    --enable-muxer=mp4,mov,matroska,gif,image2,avi \
    --enable-decoder=png,mjpeg,bmp,gif,mpeg4,ffv1,rawvideo \
    --enable-encoder=png,mjpeg,mpeg4,ffv1,gif,rawvideo \
    --enable-parser=png,mjpeg,bmp,mpeg4video \
    --enable-bsf=extract_extradata \
    --enable-filter=bwdif,yadif,buffer,buffersink,format,scale,null \
    "${extra[@]}" > configure.log 2>&1 || { tail -n 30 configure.log ffbuild/config.log >&2; exit 1; }
make -j"$(nproc)" > make.log 2>&1 || { tail -n 40 make.log >&2; exit 1; }
make install > /dev/null
rm -rf "$work"
echo "$prefix/lib/pkgconfig"
