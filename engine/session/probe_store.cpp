#include "session/probe_store.h"

#include <ATen/ATen.h>

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

}  // namespace

std::string probeKey(const fs::path& model,
                     const video::Clip& clip,
                     const probe::ProbeRequest& r,
                     const std::string& device) {
    Fnv f;
    std::error_code ec;
    f.add(fs::weakly_canonical(model, ec).string());
    for (const char* c : {"model_index.json", "unet/config.json", "vae/config.json",
                          "text_encoder/config.json", "scheduler/scheduler_config.json"})
        f.add(fileText(model / c));
    for (const char* c : {"unet", "vae", "text_encoder"})
        if (fs::is_directory(model / c, ec))
            for (const auto& e : fs::directory_iterator(model / c))
                if (e.path().extension() == ".safetensors")
                    f.add(e.path().filename().string() + ":" + std::to_string(e.file_size()));
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
