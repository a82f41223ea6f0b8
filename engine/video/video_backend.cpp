#include "video/video_backend.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libswscale/swscale.h>
}

namespace mp::video {

namespace {
std::string versionText(unsigned v) {
    return std::to_string(AV_VERSION_MAJOR(v)) + "." + std::to_string(AV_VERSION_MINOR(v)) + "." +
           std::to_string(AV_VERSION_MICRO(v));
}
}  // namespace

std::string backendVersions() {
    return "libavformat " + versionText(avformat_version()) + ", libavcodec " +
           versionText(avcodec_version()) + ", libswscale " + versionText(swscale_version()) +
           ", libavutil " + versionText(avutil_version());
}

}  // namespace mp::video
