#include "session/probe_store.h"

#include "io/fingerprint.h"

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
    Fingerprint f;
    std::error_code ec;
    f.add(fs::weakly_canonical(model, ec).string());
    addModelFolder(f, model);
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
