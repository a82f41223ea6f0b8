#pragma once
// Read-only memory maps and atomic file writes (temporary file in the same folder + rename), so
// that a crash or a cancel never leaves a half-written result where a good one is expected.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <span>
#include <string>

namespace mp {

class MappedFile {
public:
    // Throws EngineError{NotFound|Io} naming the path.
    static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::span<const std::byte> bytes() const { return {m_data, m_size}; }
    const std::filesystem::path& path() const { return m_path; }

private:
    MappedFile() = default;
    std::filesystem::path m_path;
    const std::byte* m_data = nullptr;
    std::size_t m_size = 0;
};

// Calls `write` with a stream on a temporary file next to `path`, flushes and fsyncs it, then
// renames it over `path`. If `write` throws or the stream fails, the temporary file is removed
// and `path` is untouched.
void writeFileAtomically(const std::filesystem::path& path,
                         const std::function<void(std::ostream&)>& write);

// Whole-file text read with a size cap; throws EngineError naming the path.
std::string readTextFile(const std::filesystem::path& path, std::size_t maxBytes = 64u << 20);

// Removes a file or a whole folder tree; a missing path is not an error. Use this instead of
// std::filesystem::remove_all: PyTorch's libtorch.so exports its own copy of libstdc++'s
// filesystem code, and on toolchains that link libstdc++ statically our remove_all calls bind to
// that copy and crash (seen on the GPU machine with torch 2.11). Returns false on failure.
bool removeTree(const std::filesystem::path& path);

// Pickle-based weight formats we refuse to open.
bool isPickleWeightFile(const std::filesystem::path& path);

}  // namespace mp
