#pragma once
// Shared by the family parity tests, on a golden pipeline folder as tools/golden/*_pipeline.py and
// cogvideox.py write it: a generate run against the diffusers pipeline's (<run>.latents,
// .prompt_embeds, .negative_prompt_embeds, .final_latents, .video and the "runs" metadata), and
// the planned probe against the paper's procedure written naively with diffusers (probe.x0,
// probe.inverted, probe.<run>.final_latents and the probe_* metadata).

#include "golden_util.h"
#include "pipelines/pipeline.h"
#include "probe/probe.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mp::test {

// The golden run `run`: the prompt and its negative encoded, then `steps` of generate from the
// golden initial latents with its guidance (and dynamic guidance where the run says so); the
// embeddings, the final latents and the decoded video held to `tolerance`.
inline void checkGenerateAgainstGolden(const pipelines::Pipeline& pipeline,
                                       const std::filesystem::path& dir,
                                       const std::string& run,
                                       const std::vector<std::int64_t>& timesteps,
                                       double tolerance) {
    const auto g = loadGolden(dir);
    const auto spec = goldenRun(dir, run);
    const auto r = run + ".";
    const auto label = QString::fromStdString(run);
    std::optional<std::string> negative;
    if (!spec["negative_prompt"].is_null())
        negative = spec["negative_prompt"].get<std::string>();
    const auto cond = pipeline.encodePrompt(spec["prompt"].get<std::string>(), negative);
    QCOMPARE(cond.embeddings.sizes(), g.at(r + "prompt_embeds").sizes());
    MP_CHECK_CLOSE(cond.embeddings, g.at(r + "prompt_embeds"), label + u" prompt", tolerance);
    MP_CHECK_CLOSE(cond.negativeEmbeddings, g.at(r + "negative_prompt_embeds"),
                   label + u" negative prompt", tolerance);

    pipelines::GenerateRequest req;
    req.prompt = spec["prompt"].get<std::string>();
    req.negativePrompt = negative;
    req.steps = spec["steps"].get<int>();
    req.guidance = spec["guidance"].get<double>();
    req.dynamicGuidance = spec.value("dynamic_cfg", false);
    req.initialLatents = g.at(r + "latents");
    auto result = pipelines::generate(pipeline, req);
    QVERIFY2(result.ok(), result.ok() ? "" : result.error().what());
    QCOMPARE(result.value().timesteps, timesteps);
    MP_CHECK_CLOSE(result.value().latents, g.at(r + "final_latents"), label + u" latents",
                   tolerance);
    // The steps moved the latents.
    QVERIFY(relMax(result.value().latents, g.at(r + "latents")) > 1e-2);
    QCOMPARE(result.value().video.sizes(), g.at(r + "video").sizes());
    MP_CHECK_CLOSE(result.value().video, g.at(r + "video"), label + u" video", tolerance);
}

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
