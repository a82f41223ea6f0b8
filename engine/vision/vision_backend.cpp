#include "vision/vision_backend.h"

#include <opencv2/core/version.hpp>

namespace mp::vision {

std::string backendVersion() {
    return std::string("OpenCV ") + CV_VERSION;
}

}  // namespace mp::vision
