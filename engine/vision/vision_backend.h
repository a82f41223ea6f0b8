#pragma once
// OpenCV sub-target (optical flow): only this folder includes OpenCV.

#include <string>

namespace mp::vision {

std::string backendVersion();  // "OpenCV 4.6.0"

}  // namespace mp::vision
