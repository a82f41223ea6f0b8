#include "train/trainer.h"

#include "core/log.h"
#include "core/stopwatch.h"
#include "core/strings.h"
#include "io/file_util.h"
#include "io/tensor_io.h"
#include "runtime/torch_shim.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>
#include <cstdio>

namespace mp::train {

namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr const char* kFormat = "motionprobe-train-checkpoint-1";

std::string checkpointName(int step) {
    char name[40];
    std::snprintf(name, sizeof name, "step-%08d.safetensors", step);
    return name;
}

}  // namespace

double emaDecayAt(const TrainConfig& c, int step) {
    return std::min(c.emaDecay, (1.0 + step) / (10.0 + step));
}

double learningRate(const TrainConfig& c, int step) {
    const double lr = c.adamw.lr;
    if (step < c.warmupSteps)
        return lr * (step + 1) / c.warmupSteps;
    const double span = std::max(1, c.totalSteps - c.warmupSteps);
    const double progress = std::clamp((step - c.warmupSteps) / span, 0.0, 1.0);
    return lr * (c.minLrRatio + (1 - c.minLrRatio) * 0.5 * (1 + std::cos(kPi * progress)));
}

Trainer::Trainer(std::vector<std::pair<std::string, at::Tensor>> parameters, TrainConfig config)
    : m_config(std::move(config)),
      m_generator(at::make_generator<at::CPUGeneratorImpl>(m_config.seed)) {
    if (parameters.empty())
        throw EngineError(ErrorCode::InvalidArgument, "trainer: nothing to train");
    if (m_config.totalSteps < 1 || m_config.warmupSteps < 0 || m_config.accumulate < 1)
        throw EngineError(ErrorCode::InvalidArgument,
                          "trainer: total steps and accumulation must be ≥ 1, warm-up steps ≥ 0");
    torch::NoGradGuard noGrad;
    for (auto& [name, p] : parameters) {
        if (!p.requires_grad())
            throw EngineError(ErrorCode::InvalidArgument,
                              "trainer: parameter '" + name + "' does not require grad");
        Slot s{name, p, at::zeros_like(p), at::zeros_like(p), {}};
        if (m_config.emaDecay > 0)
            s.ema = p.detach().clone();
        m_slots.push_back(std::move(s));
    }
}

std::vector<std::pair<std::string, at::Tensor>> namedParameters(const torch::nn::Module& module) {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& p : module.named_parameters())
        out.emplace_back(p.key(), p.value());
    return out;
}

void Trainer::useEmaWeights() {
    torch::NoGradGuard noGrad;
    for (auto& s : m_slots)
        if (s.ema.defined())
            s.param.copy_(s.ema);
}

std::vector<std::pair<std::string, at::Tensor>> Trainer::emaWeights() const {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& s : m_slots)
        out.emplace_back(s.name, s.ema.defined() ? s.ema : s.param.detach());
    return out;
}

void Trainer::takeStep(int step) {
    torch::NoGradGuard noGrad;
    const auto& a = m_config.adamw;
    // Multi-tensor (_foreach) kernels: one launch per operation for all parameters instead of
    // one per parameter, which bounds a small model's step on a GPU. Each is the same
    // elementwise arithmetic as the per-tensor form, so the update stays torch::optim::AdamW's.
    std::vector<at::Tensor> params, grads, ms, vs, emas, emaParams;
    for (auto& s : m_slots) {
        if (!s.param.grad().defined())
            continue;
        params.push_back(s.param);
        grads.push_back(s.param.grad());
        ms.push_back(s.m);
        vs.push_back(s.v);
        if (s.ema.defined()) {
            emas.push_back(s.ema);
            emaParams.push_back(s.param);
        }
    }
    if (params.empty())
        return;
    if (m_config.gradClipNorm > 0) {
        // torch.nn.utils.clip_grad_norm_: one global 2-norm, scale by max / (norm + 1e-6) ≤ 1.
        const auto total = at::stack(at::_foreach_norm(grads, 2)).norm(2);
        const auto coef = (m_config.gradClipNorm / (total + 1e-6)).clamp_max(1.0);
        for (auto& g : grads)
            g.mul_(coef);
    }
    const double lr = learningRate(m_config, step);
    const auto t = static_cast<double>(step + 1);
    const double c1 = 1 - std::pow(a.beta1, t), c2 = 1 - std::pow(a.beta2, t);
    // torch::optim::AdamW's update, operation for operation (decoupled weight decay first).
    at::_foreach_mul_(params, 1 - lr * a.weightDecay);
    at::_foreach_mul_(ms, a.beta1);
    at::_foreach_add_(ms, grads, 1 - a.beta1);
    at::_foreach_mul_(vs, a.beta2);
    at::_foreach_addcmul_(vs, grads, grads, 1 - a.beta2);
    auto denom = at::_foreach_sqrt(vs);
    at::_foreach_div_(denom, std::sqrt(c2));
    at::_foreach_add_(denom, a.eps);
    at::_foreach_addcdiv_(params, ms, denom, -lr / c1);
    if (!emas.empty()) {
        const double decay = emaDecayAt(m_config, step);
        at::_foreach_mul_(emas, decay);
        at::_foreach_add_(emas, emaParams, 1 - decay);
    }
    at::_foreach_zero_(grads);
}

Result<TrainReport> Trainer::run(const LossFn& loss, const JobContext& job) {
    return capture([&] { return during("training", [&] { return runImpl(loss, job); }); });
}

TrainReport Trainer::runImpl(const LossFn& loss, const JobContext& job) {
    TrainReport report;
    const Stopwatch watch;
    if (!m_config.checkpointDir.empty()) {
        if (const auto latest = latestCheckpoint(m_config.checkpointDir); !latest.empty()) {
            loadCheckpoint(latest);
            log::info("resuming " + m_config.checkpointDir.string() + " at step " +
                      std::to_string(m_step));
        }
    }
    report.firstStep = m_step;
    const bool cuda = m_slots.front().param.is_cuda();
    job.report("train", m_step, m_config.totalSteps);
    try {
        while (m_step < m_config.totalSteps) {
            job.throwIfCancelled();  // no step starts after a cancel
            double l = 0;
            for (int micro = 0; micro < m_config.accumulate; ++micro) {
                at::Tensor value;
                {
                    const shim::CudaAutocast autocast(m_config.bf16Autocast && cuda);
                    value = loss(m_step, m_generator);
                }
                if (!value.defined() || value.numel() != 1)
                    throw EngineError(ErrorCode::InvalidArgument,
                                      "trainer: the loss function must return one value");
                if (m_config.accumulate > 1)
                    value = value / m_config.accumulate;
                value.backward();  // gradients add up over the micro-batches
                l += value.item<double>();
            }
            if (!std::isfinite(l))
                throw EngineError(ErrorCode::InvalidArgument,
                                  "trainer: the loss is " + str::number(l) + " at step " +
                                      std::to_string(m_step) +
                                      "; lower the learning rate or check the data");
            takeStep(m_step);
            ++m_step;
            report.losses.push_back(l);
            if (m_config.onStep)
                m_config.onStep(m_step, l);
            const bool last = m_step == m_config.totalSteps;
            const bool due = m_config.checkpointEvery > 0 && m_step % m_config.checkpointEvery == 0;
            if (!m_config.checkpointDir.empty() && (due || last))
                report.lastCheckpoint = saveCheckpoint();
            job.report("train", m_step, m_config.totalSteps);
        }
    } catch (const EngineError& e) {
        if (e.code() == ErrorCode::Cancelled && m_config.checkpointOnCancel &&
            !m_config.checkpointDir.empty() && m_step > report.firstStep)
            saveCheckpoint();
        throw;
    }
    report.steps = m_step;
    report.seconds = watch.milliseconds() / 1000;
    return report;
}

fs::path Trainer::saveCheckpoint() const {
    NamedTensors tensors;
    for (const auto& s : m_slots) {
        tensors.emplace_back("param." + s.name, s.param.detach().cpu());
        tensors.emplace_back("adamw.m." + s.name, s.m.cpu());
        tensors.emplace_back("adamw.v." + s.name, s.v.cpu());
        if (s.ema.defined())
            tensors.emplace_back("ema." + s.name, s.ema.cpu());
    }
    tensors.emplace_back("generator", m_generator.get_state());
    fs::create_directories(m_config.checkpointDir);
    const auto path = m_config.checkpointDir / checkpointName(m_step);
    saveTensorFile(path, tensors,
                   {{"format", kFormat},
                    {"step", std::to_string(m_step)},
                    {"total_steps", std::to_string(m_config.totalSteps)},
                    {"seed", std::to_string(m_config.seed)},
                    {"lr", str::number(m_config.adamw.lr)}});
    // Keep the newest few.
    std::vector<fs::path> all;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(m_config.checkpointDir, ec))
        if (e.path().filename().string().rfind("step-", 0) == 0 &&
            e.path().extension() == ".safetensors")
            all.push_back(e.path());
    std::sort(all.begin(), all.end());
    for (std::size_t i = 0;
         i + static_cast<std::size_t>(std::max(1, m_config.checkpointsKept)) < all.size(); ++i)
        fs::remove(all[i], ec);
    return path;
}

void Trainer::loadCheckpoint(const fs::path& file) {
    const auto meta = loadTensorFileMetadata(file);
    const auto label = file.string();
    if (auto it = meta.find("format"); it == meta.end() || it->second != kFormat)
        throw EngineError(ErrorCode::Format, label + ": not a MotionProbe training checkpoint");
    std::map<std::string, at::Tensor> byName;
    for (auto& [name, t] : loadTensorFile(file))
        byName.emplace(name, std::move(t));
    const auto take = [&](const std::string& name, const at::Tensor& like) {
        auto it = byName.find(name);
        if (it == byName.end())
            throw EngineError(ErrorCode::Weights, label + ": no tensor '" + name + "'");
        if (it->second.sizes() != like.sizes())
            throw EngineError(ErrorCode::Weights, label + ": '" + name + "' is " +
                                                      str::shape(it->second.sizes().vec()) +
                                                      ", the model has " +
                                                      str::shape(like.sizes().vec()));
        return it->second;
    };
    torch::NoGradGuard noGrad;
    for (auto& s : m_slots) {
        s.param.copy_(take("param." + s.name, s.param));
        s.m.copy_(take("adamw.m." + s.name, s.m));
        s.v.copy_(take("adamw.v." + s.name, s.v));
        if (s.ema.defined())
            s.ema.copy_(byName.count("ema." + s.name) ? take("ema." + s.name, s.ema)
                                                      : s.param.detach());
    }
    auto generator = byName.find("generator");
    if (generator == byName.end())
        throw EngineError(ErrorCode::Weights, label + ": no generator state");
    m_generator.set_state(generator->second);
    try {
        m_step = std::stoi(meta.at("step"));
    } catch (const std::exception&) {
        throw EngineError(ErrorCode::Format, label + ": metadata 'step' is not a number");
    }
}

fs::path Trainer::latestCheckpoint(const fs::path& dir) {
    std::error_code ec;
    fs::path best;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const auto name = e.path().filename().string();
        if (name.rfind("step-", 0) == 0 && e.path().extension() == ".safetensors" &&
            (best.empty() || name > best.filename().string()))
            best = e.path();
    }
    return best;
}

}  // namespace mp::train
