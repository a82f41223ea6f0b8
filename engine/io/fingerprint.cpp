#include "io/fingerprint.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

namespace mp {

namespace fs = std::filesystem;

void Fingerprint::add(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i)
        m_hash = (m_hash ^ p[i]) * 1099511628211ull;
}

void Fingerprint::add(std::string_view text) {
    add(text.data(), text.size());
    add("\0", 1);
}

std::string Fingerprint::hex() const {
    char s[17];
    std::snprintf(s, sizeof s, "%016llx", static_cast<unsigned long long>(m_hash));
    return s;
}

namespace {

std::string fileText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void addWeightFile(Fingerprint& f, const fs::path& file) {
    std::error_code ec;
    const std::uint64_t size = fs::file_size(file, ec);
    f.add(file.filename().string() + ":" + std::to_string(ec ? 0 : size));
    std::ifstream in(file, std::ios::binary);
    constexpr std::uint64_t kWhole = 64ull << 20, kBlock = 64ull << 10, kBlocks = 64;
    std::string bytes;
    const auto addRange = [&](std::uint64_t offset, std::uint64_t n) {
        bytes.resize(n);
        in.clear();
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(bytes.data(), static_cast<std::streamsize>(n));
        f.add(bytes.data(), static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
    };
    if (ec || !in)
        return;
    if (size <= kWhole) {
        addRange(0, size);
        return;
    }
    std::uint64_t header = 0;
    in.read(reinterpret_cast<char*>(&header), 8);  // little-endian, as safetensors writes it
    if (!in || header > size - 8)
        header = 0;  // not safetensors: the blocks alone
    addRange(0, 8 + header);
    const std::uint64_t data = 8 + header, span = size - data;
    for (std::uint64_t k = 0; k < kBlocks; ++k)
        addRange(data + (span - std::min(span, kBlock)) * k / (kBlocks - 1),
                 std::min(span, kBlock));
}

}  // namespace

void addModelFolder(Fingerprint& f, const fs::path& model) {
    static constexpr const char* kComponents[] = {"", "unet", "transformer", "vae", "text_encoder"};
    f.add(fileText(model / "model_index.json"));
    f.add(fileText(model / "scheduler" / "scheduler_config.json"));
    std::error_code ec;
    for (const char* c : kComponents) {
        const auto dir = *c ? model / c : model;
        f.add(fileText(dir / "config.json"));
        std::vector<fs::path> files;
        if (fs::is_directory(dir, ec))
            for (const auto& e : fs::directory_iterator(dir, ec))
                if (e.path().extension() == ".safetensors")
                    files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& file : files)
            addWeightFile(f, file);
    }
}

std::string modelFingerprint(const fs::path& model) {
    Fingerprint f;
    addModelFolder(f, model);
    return f.hex();
}

}  // namespace mp
