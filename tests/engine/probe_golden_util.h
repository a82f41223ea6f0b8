#pragma once
// Shared by the family parity tests: the planned probe (shared prefixes, branches batched) on a
// golden pipeline against the paper's procedure written naively with diffusers, as the
// tools/golden/*_pipeline.py and cogvideox.py scripts store it (probe.x0, probe.inverted,
// probe.<run>.final_latents and the probe_* metadata).

#include "golden_util.h"
#include "pipelines/pipeline.h"
#include "probe/probe.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <string>

namespace mp::test {

inline void checkProbeAgainstGolden(const pipelines::Pipeline& pipeline,
                                    const std::filesystem::path& dir,
                                    double tolerance) {
    const auto g = loadGolden(dir);
    const auto meta = goldenMetadata(dir);
    probe::ProbeRequest r;
    r.latents = g.at("probe.x0");
    r.caption = meta.at("probe_caption");
    r.edit = meta.at("probe_edit");
    r.steps = std::stoi(meta.at("probe_steps"));
    r.guidance = std::stod(meta.at("probe_guidance"));
    r.maxBatch = 16;
    const auto runs = nlohmann::json::parse(meta.at("probe_runs"));
    for (const auto& run : runs)
        if (!run["tau_start"].is_null())
            r.grid.pairs.push_back({run["tau_start"].get<int>(), run["tau_end"].get<int>()});
    const auto result = probe::runProbe(probe::probeModelOf(pipeline), r);
    QVERIFY2(result.ok(), result.ok() ? "" : result.error().what());
    MP_CHECK_CLOSE(result.value().invertedNoise, g.at("probe.inverted"), QStringLiteral("inverted"),
                   tolerance);
    const auto& plan = result.value().plan;
    int compared = 0;
    for (const auto& out : result.value().runs) {
        const auto name = plan.runs[static_cast<std::size_t>(out.run)].name();
        const auto key = "probe." + name + ".final_latents";
        if (!g.count(key))
            continue;
        MP_CHECK_CLOSE(out.latents, g.at(key), QString::fromStdString(name), tolerance);
        ++compared;
    }
    QCOMPARE(compared, static_cast<int>(runs.size()));
}

}  // namespace mp::test
