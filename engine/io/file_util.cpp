#include "io/file_util.h"

#include "core/error.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace mp {

namespace fs = std::filesystem;

namespace {

std::string sysError() {
    return std::strerror(errno);
}

struct FdCloser {
    int fd;
    ~FdCloser() {
        if (fd >= 0)
            ::close(fd);
    }
};

}  // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        auto code = errno == ENOENT ? ErrorCode::NotFound : ErrorCode::Io;
        throw EngineError(code, path.string() + ": cannot open: " + sysError());
    }
    FdCloser closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        throw EngineError(ErrorCode::Io, path.string() + ": cannot stat: " + sysError());
    if (!S_ISREG(st.st_mode))
        throw EngineError(ErrorCode::Format, path.string() + ": not a regular file");
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->m_path = path;
    file->m_size = static_cast<std::size_t>(st.st_size);
    if (file->m_size > 0) {
        void* p = ::mmap(nullptr, file->m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            throw EngineError(ErrorCode::Io, path.string() + ": cannot map: " + sysError());
        file->m_data = static_cast<const std::byte*>(p);
    }
    return file;
}

MappedFile::~MappedFile() {
    if (m_data)
        ::munmap(const_cast<std::byte*>(m_data), m_size);
}

void writeFileAtomically(const fs::path& path, const std::function<void(std::ostream&)>& write) {
    static std::atomic<unsigned> counter{0};
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw EngineError(ErrorCode::NotFound,
                          path.string() + ": folder " + dir.string() + " does not exist");
    const fs::path tmp = dir / ("." + path.filename().string() + ".tmp-" +
                                std::to_string(::getpid()) + "-" + std::to_string(counter++));
    struct TmpGuard {
        fs::path p;
        bool keep = false;
        ~TmpGuard() {
            if (!keep) {
                std::error_code e;
                fs::remove(p, e);
            }
        }
    } guard{tmp};
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw EngineError(ErrorCode::Io, tmp.string() + ": cannot create: " + sysError());
        write(out);
        out.flush();
        if (!out)
            throw EngineError(ErrorCode::Io, path.string() + ": write failed");
    }
    int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    fs::rename(tmp, path, ec);
    if (ec)
        throw EngineError(ErrorCode::Io, path.string() + ": cannot replace: " + ec.message());
    guard.keep = true;
}

std::string readTextFile(const fs::path& path, std::size_t maxBytes) {
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw EngineError(ErrorCode::NotFound, path.string() + ": file not found");
    if (!fs::is_regular_file(path, ec))
        throw EngineError(ErrorCode::Format, path.string() + ": not a regular file");
    const auto size = fs::file_size(path, ec);
    if (ec)
        throw EngineError(ErrorCode::Io, path.string() + ": cannot read size: " + ec.message());
    if (size > maxBytes)
        throw EngineError(ErrorCode::Format, path.string() + ": file is " + std::to_string(size) +
                                                 " bytes, more than the " +
                                                 std::to_string(maxBytes) + "-byte limit");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw EngineError(ErrorCode::Io, path.string() + ": cannot open: " + sysError());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool removeTree(const fs::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0)
        return errno == ENOENT;
    auto removeOne = [](const char* p, const struct stat*, int, struct FTW*) {
        return ::remove(p) == 0 ? 0 : -1;
    };
    // Depth-first, not following symbolic links, so a link inside never removes its target.
    return ::nftw(path.c_str(), removeOne, 16, FTW_DEPTH | FTW_PHYS) == 0;
}

bool isPickleWeightFile(const fs::path& path) {
    const auto ext = path.extension().string();
    return ext == ".bin" || ext == ".pt" || ext == ".pth" || ext == ".ckpt" || ext == ".pkl" ||
           ext == ".pickle";
}

}  // namespace mp
