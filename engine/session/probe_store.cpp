#include "session/probe_store.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace mp::session {

namespace fs = std::filesystem;

namespace {

// FNV-1a, 64 bits.
struct Fnv {
    std::uint64_t h = 1469598103934665603ull;
    void add(const void* data, std::size_t n) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < n; ++i)
            h = (h ^ p[i]) * 1099511628211ull;
    }
    void add(const std::string& s) {
        add(s.data(), s.size());
        add("\0", 1);
    }
    std::string hex() const {
        char s[17];
        std::snprintf(s, sizeof s, "%016llx", static_cast<unsigned long long>(h));
        return s;
    }
};

std::string fileText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string number(double v) {
    std::ostringstream s;
    s.precision(6);
    s << v;
    return s.str();
}

store::Blob toBlob(const at::Tensor& t) {
    const auto c = t.to(at::kCPU, at::kFloat).contiguous();
    store::Blob b{"F32", c.sizes().vec(), {}};
    const auto* p = static_cast<const std::byte*>(c.data_ptr());
    b.data.assign(p, p + c.numel() * 4);
    return b;
}

std::optional<at::Tensor> fromBlob(const std::optional<store::Blob>& b) {
    if (!b || b->dtype != "F32")
        return std::nullopt;
    auto t = at::empty(b->shape, at::kFloat);
    if (static_cast<std::size_t>(t.numel()) * 4 != b->data.size())
        return std::nullopt;
    std::memcpy(t.data_ptr(), b->data.data(), b->data.size());
    return t;
}

// A weight file as the key sees it: its name and size, and its bytes: all of them up to 64 MiB
// (the toy models, in milliseconds), else its safetensors header (names, dtypes, shapes,
// offsets) and 64 blocks of 64 KiB spread evenly over the data, so that weights retrained to
// the same shapes change the key without reading gigabytes.
void addWeightFile(Fnv& f, const fs::path& file) {
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

std::string probeKey(const fs::path& model,
                     const video::Clip& clip,
                     const probe::ProbeRequest& r,
                     const std::string& device) {
    Fnv f;
    std::error_code ec;
    f.add(fs::weakly_canonical(model, ec).string());
    // Every denoiser family's folders (ModelScope's unet, Latte's and CogVideoX's transformer),
    // and a component folder given directly (its own config.json and weights).
    static constexpr const char* kComponents[] = {"", "unet", "transformer", "vae", "text_encoder"};
    f.add(fileText(model / "model_index.json"));
    f.add(fileText(model / "scheduler" / "scheduler_config.json"));
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
    for (const auto& frame : clip.frames)
        f.add(frame.data(), frame.size());
    f.add(r.caption);
    f.add(r.edit);
    f.add(r.negativePrompt ? "negative:" + *r.negativePrompt : "no negative");
    f.add(std::to_string(r.steps));
    f.add(number(r.inversionGuidance));
    f.add(r.guidance ? number(*r.guidance) : "default guidance");
    f.add(device);
    return f.hex();
}

probe::ProbeCheckpoints storeCheckpoints(store::ExperimentStore& db, std::int64_t probe) {
    probe::ProbeCheckpoints c;
    c.load = [&db, probe](const std::string& name) { return fromBlob(db.blob(probe, name)); };
    c.save = [&db, probe](const std::string& name, const at::Tensor& t) {
        db.putBlob(probe, name, toBlob(t));
    };
    return c;
}

nlohmann::ordered_json runJson(const RunReport& run) {
    nlohmann::ordered_json j;
    j["run"] = run.name;
    if (run.tauStart && run.tauEnd) {
        j["tau_start"] = *run.tauStart;
        j["tau_end"] = *run.tauEnd;
    }
    if (run.clipChange)
        j["clip_change"] = *run.clipChange;
    j["flow_similarity"] = run.flowSimilarity ? nlohmann::ordered_json(*run.flowSimilarity)
                                              : nlohmann::ordered_json(nullptr);
    if (run.oracle)
        j["oracle"] = verdictsJson(*run.oracle);
    return j;
}

void recordRun(store::ExperimentStore& db,
               std::int64_t probe,
               const RunReport& run,
               const nlohmann::ordered_json& json) {
    db.putRun(probe, {run.name, run.tauStart, run.tauEnd, json.dump()});
}

}  // namespace mp::session
