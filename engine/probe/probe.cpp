#include "probe/probe.h"

#include "core/stopwatch.h"
#include "pipelines/pipeline.h"
#include "runtime/cuda_memory.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace mp::probe {

namespace {

[[noreturn]] void invalid(const std::string& what) {
    throw EngineError(ErrorCode::InvalidArgument, "probe: " + what);
}

void check(const ProbeModel& m, const ProbeRequest& r) {
    if (!m.scheduler || !m.model || !m.encodePrompt)
        invalid("the model is incomplete (scheduler, denoiser and text encoder are needed)");
    if (!r.latents.defined() || r.latents.dim() < 2 || r.latents.size(0) != 1)
        invalid("expected the latents of one video (batch 1)");
    if (r.caption.empty())
        invalid("the caption c is empty");
    if (r.edit.empty())
        invalid("the edited caption c' is empty");
    if (r.steps < 1 || r.steps > m.scheduler->numTrainTimesteps())
        invalid("steps must be between 1 and " + std::to_string(m.scheduler->numTrainTimesteps()) +
                ", got " + std::to_string(r.steps));
    if (r.maxBatch < 1)
        invalid("the batch must hold at least one run, got " + std::to_string(r.maxBatch));
}

sampling::Guidance guidanceOf(double scale) {
    sampling::Guidance g;
    g.scale = scale;
    return g;
}

}  // namespace

sampling::ConditionSchedule runSchedule(const ProbePlan::Run& run) {
    switch (run.kind) {
        case ProbePlan::RunKind::Reconstruction:
            return sampling::ConditionSchedule::constant(0);
        case ProbePlan::RunKind::FullEdit:
            return sampling::ConditionSchedule::constant(1);
        case ProbePlan::RunKind::Pair:
            break;
    }
    return sampling::ConditionSchedule::window(1, 0, run.pair.start, run.pair.end);
}

at::Tensor resampleNaive(const ProbeModel& model,
                         const at::Tensor& invertedNoise,
                         const sampling::Conditioning& caption,
                         const sampling::Conditioning& edit,
                         const sampling::ConditionSchedule& schedule,
                         int steps,
                         double guidance) {
    sampling::DenoiseRequest r;
    r.numSteps = steps;
    r.latents = invertedNoise;
    r.conditions = {caption, edit};
    r.conditionSchedule = schedule;
    r.guidance = guidanceOf(guidance);
    return sampling::denoise(*model.scheduler, model.model, r).value().latents;
}

Result<ProbeResult> runProbe(const ProbeModel& model,
                             const ProbeRequest& request,
                             const JobContext& job,
                             const RunsFinished& onRunsFinished) {
    return capture([&] {
        check(model, request);
        const auto& scheduler = *model.scheduler;
        const double guidance = request.guidance.value_or(model.defaultGuidance);
        ProbeResult result;
        result.plan = planProbe(scheduler.timesteps(request.steps), gridPairs(request.grid));
        result.batchUsed = request.maxBatch;
        const auto& plan = result.plan;

        const auto caption = during("encoding the caption", [&] {
            return model.encodePrompt(request.caption, request.negativePrompt);
        });
        const auto edit = during("encoding the edited caption", [&] {
            return model.encodePrompt(request.edit, request.negativePrompt);
        });

        const auto& keep = request.checkpoints;
        const auto load = [&](const std::string& name) -> std::optional<at::Tensor> {
            return keep.load ? keep.load(name) : std::nullopt;
        };
        const auto save = [&](const std::string& name, const at::Tensor& t) {
            if (keep.save)
                keep.save(name, t.to(at::kCPU).contiguous());
        };

        const Stopwatch inverting;
        if (auto kept = load("inverted")) {
            result.invertedNoise = *kept;
            result.inversionResumed = true;
        } else {
            sampling::InversionRequest inv;
            inv.latents = request.latents.to(at::kFloat);
            inv.condition = caption;
            inv.numSteps = request.steps;
            inv.guidance = guidanceOf(request.inversionGuidance);
            inv.measureReconstruction = false;
            auto inverted = sampling::invert(scheduler, model.model, inv, job).value();
            result.invertedNoise = inverted.trajectory.latents.back();
            save("inverted", result.invertedNoise);
        }
        result.inversionSeconds = inverting.milliseconds() / 1000;

        // Inner denoise calls share the cancel token but report no progress of their own: the
        // probe reports evaluations done of the plan's.
        JobContext inner;
        inner.cancel = job.cancel;
        inner.previewEvery = 0;

        const Stopwatch resampling;
        std::vector<at::Tensor> state(plan.nodes.size());
        state[0] = result.invertedNoise;
        result.runs.resize(plan.runs.size());
        int done = 0;
        job.report("probe", 0, plan.evaluations());
        const auto runName = [&](int run) {
            return "run." + plan.runs[static_cast<std::size_t>(run)].name();
        };
        for (std::size_t g = 0; g < plan.groups.size(); ++g) {
            const auto& group = plan.groups[g];
            const auto groupRuns = plan.runsOfGroup(static_cast<int>(g));
            // A finished group comes back from the checkpoints: the trunk as its states (later
            // groups start from them), the others as their runs' final latents.
            bool resumed = false;
            if (g == 0) {
                if (auto trunk = load("trunk");
                    trunk && trunk->size(0) == static_cast<std::int64_t>(group.size())) {
                    for (std::size_t k = 0; k < group.size(); ++k)
                        state[static_cast<std::size_t>(group[k])] =
                            trunk->narrow(0, static_cast<std::int64_t>(k), 1)
                                .to(result.invertedNoise.device());
                    resumed = true;
                }
            } else {
                std::vector<std::optional<at::Tensor>> kept;
                for (const int run : groupRuns)
                    kept.push_back(load(runName(run)));
                resumed = std::all_of(kept.begin(), kept.end(),
                                      [](const auto& k) { return k.has_value(); });
                if (resumed)
                    for (std::size_t k = 0; k < groupRuns.size(); ++k)
                        state[static_cast<std::size_t>(
                            plan.runs[static_cast<std::size_t>(groupRuns[k])].leaf)] = *kept[k];
            }
            if (resumed) {
                done += static_cast<int>(group.size());
                result.runsResumed += static_cast<int>(groupRuns.size());
                job.report("probe", done, plan.evaluations());
            }
            for (std::size_t i = 0; !resumed && i < group.size();) {
                // The next nodes at one depth, up to the batch.
                const int depth = plan.nodes[static_cast<std::size_t>(group[i])].depth;
                std::size_t j = i;
                while (j < group.size() &&
                       plan.nodes[static_cast<std::size_t>(group[j])].depth == depth &&
                       j - i < static_cast<std::size_t>(result.batchUsed))
                    ++j;
                std::vector<at::Tensor> inputs;
                sampling::DenoiseRequest r;
                r.numSteps = request.steps;
                r.firstStep = depth - 1;
                r.stepCount = 1;
                r.conditions = {caption, edit};
                r.guidance = guidanceOf(guidance);
                r.stage = "probe";
                for (std::size_t k = i; k < j; ++k) {
                    const auto& node = plan.nodes[static_cast<std::size_t>(group[k])];
                    inputs.push_back(state[static_cast<std::size_t>(node.parent)]);
                    r.itemConditionSchedules.push_back(
                        sampling::ConditionSchedule::constant(node.condition));
                }
                r.latents = at::cat(inputs, 0);
                auto denoised = sampling::denoise(scheduler, model.model, r, inner);
                if (!denoised.ok() && denoised.error().code() == ErrorCode::OutOfMemory &&
                    j - i > 1) {
                    // Too large for this device: the same nodes again in halves, and every
                    // later batch no larger.
                    result.batchUsed = static_cast<int>((j - i) / 2);
                    inputs.clear();
                    r.latents = at::Tensor();
                    emptyCudaCache();
                    continue;
                }
                const auto out = std::move(denoised).value().latents;
                for (std::size_t k = i; k < j; ++k)
                    state[static_cast<std::size_t>(group[k])] =
                        out.narrow(0, static_cast<std::int64_t>(k - i), 1);
                done += static_cast<int>(j - i);
                result.evaluationsComputed += static_cast<int>(j - i);
                job.report("probe", done, plan.evaluations());
                i = j;
            }
            if (!resumed && g == 0) {
                std::vector<at::Tensor> trunk;
                for (const int n : group)
                    trunk.push_back(state[static_cast<std::size_t>(n)]);
                save("trunk", at::cat(trunk, 0));
            }
            std::vector<ProbeRunOutput> finished;
            for (const int run : groupRuns) {
                const auto leaf =
                    static_cast<std::size_t>(plan.runs[static_cast<std::size_t>(run)].leaf);
                ProbeRunOutput o{run, state[leaf].to(at::kCPU).clone()};
                result.runs[static_cast<std::size_t>(run)] = o;
                if (!resumed && g > 0)
                    save(runName(run), o.latents);
                finished.push_back(o);
            }
            if (onRunsFinished) {
                const Stopwatch handing;
                onRunsFinished(plan, finished);
                result.runsFinishedSeconds += handing.milliseconds() / 1000;
            }
            // Only the trunk's states are read by later groups.
            if (g > 0)
                for (const int n : group)
                    state[static_cast<std::size_t>(n)] = at::Tensor();
        }
        result.resamplingSeconds = resampling.milliseconds() / 1000 - result.runsFinishedSeconds;
        return result;
    });
}

ProbeModel probeModelOf(const pipelines::Pipeline& pipeline) {
    ProbeModel m;
    m.scheduler = &pipeline.scheduler();
    m.model = pipeline.eagerModelFn();  // the batch changes with the branches at each depth
    m.encodePrompt = [&pipeline](const std::string& prompt,
                                 const std::optional<std::string>& negative) {
        return pipeline.encodePrompt(prompt, negative);
    };
    m.defaultGuidance = pipeline.defaultGuidance();
    return m;
}

}  // namespace mp::probe
