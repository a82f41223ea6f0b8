#include "commands.h"

#include "runtime/device.h"
#include "runtime/torch_shim.h"
#ifdef MP_HAVE_VIDEO
#include "video/video_backend.h"
#endif
#ifdef MP_HAVE_VISION
#include "vision/vision_backend.h"
#endif

#include <iostream>

namespace mp::cli {

Command versionCommand() {
    CommandSpec spec{"version",
                     "Print the versions of MotionProbe and the libraries it uses, the "
                     "thread count and whether CUDA is available.",
                     {},
                     {},
                     ""};
    return {spec, [](const ParsedArgs&) {
                std::cout << "motionprobe-cli " << MP_VERSION << "\n";
                std::cout << "LibTorch " << shim::torchVersion()
                          << (shim::kHasNativeSdpa ? " (native SDPA)" : " (SDPA shim)") << "\n";
                std::cout << "threads  " << configureThreads() << "\n";
                std::cout << "CUDA     " << (cudaAvailable() ? "available" : "not available")
                          << "\n";
#ifdef MP_HAVE_VIDEO
                std::cout << "FFmpeg   " << video::backendVersions() << "\n";
#endif
#ifdef MP_HAVE_VISION
                std::cout << "vision   " << vision::backendVersion() << "\n";
#endif
                return kExitOk;
            }};
}

}  // namespace mp::cli
