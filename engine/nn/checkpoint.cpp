#include "nn/checkpoint.h"

#include "runtime/torch_shim.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

namespace mp::nn {

namespace {

// What the backward needs besides the inputs: the function and the autocast state it ran under.
struct Recompute : torch::CustomClassHolder {
    CheckpointFn fn;
    bool autocast = false;
    at::ScalarType dtype = at::kBFloat16;
};

struct CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
    static at::Tensor forward(torch::autograd::AutogradContext* ctx,
                              at::TensorList inputs,
                              const c10::intrusive_ptr<Recompute>& recompute) {
        ctx->save_for_backward(inputs.vec());
        ctx->saved_data["recompute"] = c10::IValue::make_capsule(recompute);
        // Autograd is off inside a custom function's forward: nothing here is kept.
        return recompute->fn(inputs.vec());
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        const auto recompute =
            c10::static_intrusive_pointer_cast<Recompute>(ctx->saved_data["recompute"].toCapsule());
        std::vector<at::Tensor> inputs;
        for (const auto& x : ctx->get_saved_variables())
            inputs.push_back(x.defined() ? x.detach().requires_grad_(x.requires_grad()) : x);
        at::Tensor out;
        {
            at::AutoGradMode enable(true);
            const shim::CudaAutocast autocast(recompute->autocast, recompute->dtype);
            out = recompute->fn(inputs);
        }
        // Reentrant: the parameters' gradients accumulate here, the inputs' come back below.
        if (out.requires_grad())
            torch::autograd::backward({out}, {grads[0]});
        torch::autograd::variable_list result;
        for (const auto& x : inputs)
            result.push_back(x.defined() && x.requires_grad() ? x.grad() : at::Tensor());
        result.emplace_back();  // the recompute argument
        return result;
    }
};

}  // namespace

at::Tensor checkpoint(const CheckpointFn& fn, const std::vector<at::Tensor>& inputs) {
    if (!at::GradMode::is_enabled())
        return fn(inputs);
    auto recompute = c10::make_intrusive<Recompute>();
    recompute->fn = fn;
    const auto state = shim::cudaAutocastState();
    recompute->autocast = state.first;
    recompute->dtype = state.second;
    // A tensor that requires grad among the inputs, so that the backward runs even when no input
    // does (a frozen network before the piece): the piece's own parameters still need it.
    auto all = inputs;
    all.push_back(at::empty({0}, at::kFloat).requires_grad_());
    return CheckpointFunction::apply(at::TensorList(all), recompute);
}

}  // namespace mp::nn
