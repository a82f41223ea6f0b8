#include "io/resources.h"

#include "core/error.h"

#include <cstdlib>
#include <system_error>

namespace mp {

namespace fs = std::filesystem;

std::vector<fs::path> resourceSearchPath() {
    std::vector<fs::path> dirs;
    if (const char* env = std::getenv("MOTIONPROBE_RESOURCES"); env && *env)
        dirs.emplace_back(env);
    std::error_code ec;
    if (const auto exe = fs::read_symlink("/proc/self/exe", ec); !ec)
        dirs.push_back(exe.parent_path().parent_path() / "share" / "motionprobe" / "resources");
#ifdef MP_SOURCE_RESOURCES_DIR
    dirs.emplace_back(MP_SOURCE_RESOURCES_DIR);
#endif
    return dirs;
}

fs::path findResource(const fs::path& relative) {
    const auto dirs = resourceSearchPath();
    std::string searched;
    for (const auto& d : dirs) {
        std::error_code ec;
        if (fs::exists(d / relative, ec))
            return d / relative;
        searched += (searched.empty() ? "" : ", ") + (d / relative).string();
    }
    throw EngineError(ErrorCode::NotFound,
                      "the embedded resource " + relative.string() + " was not found (searched " +
                          (searched.empty() ? std::string("nowhere") : searched) +
                          "; MOTIONPROBE_RESOURCES may name the resources folder)");
}

}  // namespace mp
