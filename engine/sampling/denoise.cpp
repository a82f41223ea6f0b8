#include "sampling/denoise.h"

#include "core/error.h"
#include "core/log.h"
#include "core/strings.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>

namespace mp::sampling {

namespace {

[[noreturn]] void invalid(const std::string& what) {
    throw EngineError(ErrorCode::InvalidArgument, "denoise: " + what);
}

// Row b of a (1|B, L, D) condition tensor.
at::Tensor conditionRow(const at::Tensor& embeddings, std::int64_t b) {
    return embeddings.size(0) == 1 ? embeddings[0] : embeddings[b];
}

// Row b of a condition, padded with zeros to `length` tokens.
at::Tensor paddedRow(const at::Tensor& embeddings, std::int64_t b, std::int64_t length) {
    const auto row = conditionRow(embeddings, b);
    const auto missing = length - row.size(0);
    return missing == 0 ? row : at::cat({row, at::zeros({missing, row.size(1)}, row.options())});
}

struct StepContext {
    at::Tensor context;  // (N, L, D)
    at::Tensor mask;     // (N, L) bool, when the items' lengths differ
};

// The context for one step: every item's chosen condition, the negative ones first when `cfg`
// ([unconditional; conditional], as diffusers concatenates them).
StepContext assembleContext(const std::vector<Conditioning>& conditions,
                            const std::vector<int>& itemIndex,
                            bool cfg) {
    const auto B = static_cast<std::int64_t>(itemIndex.size());
    auto pick = [&](int idx, bool negative) -> const at::Tensor& {
        return negative ? conditions[static_cast<std::size_t>(idx)].negativeEmbeddings
                        : conditions[static_cast<std::size_t>(idx)].embeddings;
    };
    std::int64_t longest = 0;
    bool sameLength = true;
    for (const int i : itemIndex) {
        const auto L = pick(i, false).size(1);
        sameLength = sameLength && (longest == 0 || L == longest);
        longest = std::max(longest, L);
    }
    const auto side = [&](bool negative) {
        const bool uniform = std::all_of(itemIndex.begin(), itemIndex.end(),
                                         [&](int i) { return i == itemIndex[0]; });
        if (uniform) {
            const auto& e = pick(itemIndex[0], negative);
            return e.size(0) == B ? e : e.expand({B, e.size(1), e.size(2)});
        }
        std::vector<at::Tensor> rows;
        for (std::int64_t b = 0; b < B; ++b)
            rows.push_back(
                paddedRow(pick(itemIndex[static_cast<std::size_t>(b)], negative), b, longest));
        return at::stack(rows);
    };
    StepContext out;
    const auto positive = side(false);
    out.context = cfg ? at::cat({side(true), positive}) : positive;
    if (!sameLength) {
        auto mask = at::zeros({B, longest}, at::TensorOptions().dtype(at::kBool));
        for (std::int64_t b = 0; b < B; ++b)
            mask[b]
                .narrow(0, 0, pick(itemIndex[static_cast<std::size_t>(b)], false).size(1))
                .fill_(true);
        mask = mask.to(positive.device());
        out.mask = cfg ? at::cat({mask, mask}) : mask;
    }
    return out;
}

void validate(const DenoiseRequest& r, std::size_t listSize) {
    if (!r.latents.defined() || r.latents.dim() < 2)
        invalid("latents must be a tensor with a batch dimension");
    if (!at::isFloatingType(r.latents.scalar_type()))
        invalid("latents must be floating point");
    const std::int64_t B = r.latents.size(0);
    if (r.conditions.empty())
        invalid("no conditions given");
    if (!r.itemConditionSchedules.empty() &&
        static_cast<std::int64_t>(r.itemConditionSchedules.size()) != B)
        invalid("itemConditionSchedules has " + std::to_string(r.itemConditionSchedules.size()) +
                " entries for a batch of " + std::to_string(B));
    int maxIndex = r.conditionSchedule.maxIndex();
    for (const auto& s : r.itemConditionSchedules)
        maxIndex = std::max(maxIndex, s.maxIndex());
    if (maxIndex >= static_cast<int>(r.conditions.size()))
        invalid("the condition schedule uses condition " + std::to_string(maxIndex) + " but only " +
                std::to_string(r.conditions.size()) + " were given");
    std::int64_t channels = -1;
    for (std::size_t i = 0; i < r.conditions.size(); ++i) {
        const auto& c = r.conditions[i];
        const std::string name = "condition " + std::to_string(i);
        if (!c.embeddings.defined() || c.embeddings.dim() != 3)
            invalid(name + ": embeddings must be (batch, tokens, channels)");
        if (c.embeddings.size(0) != 1 && c.embeddings.size(0) != B)
            invalid(name + ": embeddings batch " + std::to_string(c.embeddings.size(0)) +
                    " must be 1 or the latents' batch " + std::to_string(B));
        if (channels >= 0 && c.embeddings.size(2) != channels)
            invalid(name + ": all conditions must have the same number of channels, " +
                    std::to_string(channels) + " and " + std::to_string(c.embeddings.size(2)));
        channels = c.embeddings.size(2);
        if (r.guidance.enabled()) {
            if (!c.negativeEmbeddings.defined())
                invalid(name + ": guidance scale " + std::to_string(r.guidance.scale) +
                        " needs negative (unconditional) embeddings");
            if (c.negativeEmbeddings.sizes() != c.embeddings.sizes())
                invalid(name + ": negative embeddings " +
                        str::shape(c.negativeEmbeddings.sizes().vec()) +
                        " must match the embeddings " + str::shape(c.embeddings.sizes().vec()));
        }
    }
    if (r.direction == Direction::Inverse && r.eta != 0.0)
        invalid("inversion is deterministic; eta must be 0");
    if (r.firstStep < 0 || static_cast<std::size_t>(r.firstStep) > listSize)
        invalid("firstStep " + std::to_string(r.firstStep) + " is outside the " +
                std::to_string(listSize) + "-step schedule");
    if (r.stepCount < -1 ||
        (r.stepCount >= 0 && static_cast<std::size_t>(r.firstStep + r.stepCount) > listSize))
        invalid("firstStep + stepCount runs past the " + std::to_string(listSize) +
                "-step schedule");
}

// "denoising [1, 4, 16, 32, 32] latents": what an out-of-memory message names.
std::string latentActivity(const char* verb, const at::Tensor& latents) {
    return std::string(verb) + " " +
           (latents.defined() ? str::shape(latents.sizes().vec()) + " " : std::string()) +
           "latents";
}

std::int64_t levelAfter(const DdimScheduler& s, Direction d, std::int64_t t, int numSteps) {
    if (d == Direction::Inverse)
        return t;
    return std::max<std::int64_t>(t - s.stride(numSteps), kCleanLevel);
}

DenoiseResult run(const DdimScheduler& scheduler,
                  const ModelFn& model,
                  const DenoiseRequest& r,
                  const JobContext& context) {
    if (!model)
        invalid("no model function");
    const bool forward = r.direction == Direction::Forward;
    const auto all =
        forward ? scheduler.timesteps(r.numSteps) : scheduler.inverseTimesteps(r.numSteps);
    validate(r, all.size());
    const int first = r.firstStep;
    const int count = r.stepCount < 0 ? static_cast<int>(all.size()) - first : r.stepCount;
    const std::string stage = r.stage.empty() ? (forward ? "denoise" : "invert") : r.stage;
    const std::int64_t B = r.latents.size(0);
    const bool cfg = r.guidance.enabled();

    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(r.seed);
    // The model runs where its text embeddings are; latents made on the CPU (a seeded draw, a
    // tensor file) follow them there.
    at::Tensor x = r.latents.to(r.conditions.front().embeddings.device(), at::kFloat);
    DenoiseResult result;
    if (r.recordTrajectory) {
        result.trajectory.direction = r.direction;
        result.trajectory.numSteps = r.numSteps;
        result.trajectory.levels.push_back(startLevel(scheduler, r.direction, r.numSteps, first));
        result.trajectory.latents.push_back(x.clone());
    }
    context.report(stage, 0, count);  // starts the stage's clock, so the ETA covers every step

    std::vector<int> itemIndex(static_cast<std::size_t>(B));
    std::vector<int> contextIndex;
    StepContext modelContext;
    for (int i = first; i < first + count; ++i) {
        const std::int64_t t = all[static_cast<std::size_t>(i)];
        for (std::int64_t b = 0; b < B; ++b)
            itemIndex[static_cast<std::size_t>(b)] =
                r.itemConditionSchedules.empty()
                    ? r.conditionSchedule.conditionAt(t)
                    : r.itemConditionSchedules[static_cast<std::size_t>(b)].conditionAt(t);

        ModelInput in;
        in.timestep = t;
        in.adapterScale = r.adapterSchedule.scaleAt(t);
        // The context changes only where a schedule switches condition; reuse it otherwise.
        if (itemIndex != contextIndex) {
            modelContext = assembleContext(r.conditions, itemIndex, cfg);
            contextIndex = itemIndex;
        }
        in.latents = cfg ? at::cat({x, x}) : x;
        in.context = modelContext.context;
        in.contextMask = modelContext.mask;
        in.timesteps = at::full({in.latents.size(0)}, t,
                                at::TensorOptions().dtype(at::kLong).device(x.device()));
        at::Tensor prediction = model(in);
        if (!prediction.defined() || prediction.sizes() != in.latents.sizes())
            throw EngineError(ErrorCode::Internal,
                              "denoise: the model returned " +
                                  (prediction.defined() ? str::shape(prediction.sizes().vec())
                                                        : std::string("nothing")) +
                                  " for latents " + str::shape(in.latents.sizes().vec()));
        prediction = prediction.to(at::kFloat);
        if (cfg) {
            auto halves = prediction.chunk(2);
            const double g = r.guidance.scaleAt(t, r.numSteps);
            prediction = halves[0] + (halves[1] - halves[0]) * g;
        }

        StepOutput out;
        if (forward) {
            at::Tensor noise;
            if (r.eta > 0.0)
                noise = at::randn(x.sizes(), generator, at::TensorOptions().dtype(at::kFloat))
                            .to(x.device());
            out = scheduler.step(prediction, t, r.numSteps, x, r.eta, noise);
        } else {
            out = scheduler.inverseStep(prediction, t, r.numSteps, x);
        }
        x = out.sample;
        result.predictedX0 = out.predictedX0;
        result.timesteps.push_back(t);
        if (r.recordTrajectory) {
            result.trajectory.levels.push_back(levelAfter(scheduler, r.direction, t, r.numSteps));
            result.trajectory.latents.push_back(x);
        }
        context.step(stage, i - first + 1, count, [&] { return x; });
    }
    result.latents = x;
    return result;
}

}  // namespace

std::int64_t startLevel(const DdimScheduler& scheduler,
                        Direction direction,
                        int numSteps,
                        int firstStep) {
    const auto all = direction == Direction::Forward ? scheduler.timesteps(numSteps)
                                                     : scheduler.inverseTimesteps(numSteps);
    if (firstStep < 0 || static_cast<std::size_t>(firstStep) > all.size())
        invalid("firstStep " + std::to_string(firstStep) + " is outside the schedule");
    if (static_cast<std::size_t>(firstStep) == all.size())
        return direction == Direction::Forward
                   ? std::max<std::int64_t>(all.back() - scheduler.stride(numSteps), kCleanLevel)
                   : all.back();
    const std::int64_t t = all[static_cast<std::size_t>(firstStep)];
    if (direction == Direction::Forward)
        return t;
    return std::max<std::int64_t>(t - scheduler.stride(numSteps), kCleanLevel);
}

Result<DenoiseResult> denoise(const DdimScheduler& scheduler,
                              const ModelFn& model,
                              const DenoiseRequest& request,
                              const JobContext& context) {
    return capture([&] {
        return during(latentActivity("denoising", request.latents),
                      [&] { return run(scheduler, model, request, context); });
    });
}

Result<InversionResult> invert(const DdimScheduler& scheduler,
                               const ModelFn& model,
                               const InversionRequest& request,
                               const JobContext& context) {
    return capture([&] {
        return during(latentActivity("inverting", request.latents), [&] {
            DenoiseRequest down;
            down.direction = Direction::Inverse;
            down.numSteps = request.numSteps;
            down.latents = request.latents;
            down.conditions = {request.condition};
            down.guidance = request.guidance;
            down.recordTrajectory = true;
            down.stage = "invert";
            InversionResult result;
            result.trajectory = run(scheduler, model, down, context).trajectory;
            result.trajectory.info["scheduler"] = scheduler.config().toString();
            result.trajectory.info["guidance_scale"] = std::to_string(request.guidance.scale);

            if (request.measureReconstruction) {
                DenoiseRequest up;
                up.direction = Direction::Forward;
                up.numSteps = request.numSteps;
                up.latents = result.trajectory.latents.back();
                up.conditions = {request.condition};
                up.guidance = request.guidance;
                up.stage = "reconstruct";
                result.reconstruction = run(scheduler, model, up, context).latents;
                result.reconstructionError =
                    compareLatents(result.reconstruction,
                                   request.latents.to(result.reconstruction.device(), at::kFloat));
                result.trajectory.info["reconstruction_error"] =
                    result.reconstructionError->toString();
                log::info("DDIM inversion (" + std::to_string(request.numSteps) +
                          " steps) → resample: " + result.reconstructionError->toString());
            }
            if (request.saveTrajectory) {
                context.throwIfCancelled();
                result.trajectory.save(*request.saveTrajectory);
            }
            return result;
        });
    });
}

}  // namespace mp::sampling
