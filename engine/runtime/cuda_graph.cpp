#include "runtime/cuda_graph.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#ifdef MP_TORCH_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

#include <string>

namespace mp {

struct GraphedFunction::State {
    Fn fn;
    bool enabled = false;
    std::string signature;
    std::vector<at::Tensor> inputs;  // the buffers the graph reads
    at::Tensor output;               // the buffer the graph writes
#ifdef MP_TORCH_CUDA
    std::unique_ptr<at::cuda::CUDAGraph> graph;
#endif
};

namespace {
[[maybe_unused]] std::string signatureOf(const std::vector<at::Tensor>& inputs) {
    std::string s;
    for (const auto& t : inputs) {
        s += t.device().str() + ":" + std::string(c10::toString(t.scalar_type())) + "[";
        for (auto d : t.sizes())
            s += std::to_string(d) + ",";
        s += "];";
    }
    return s;
}
}  // namespace

GraphedFunction::GraphedFunction(Fn fn, bool enabled) : m(std::make_shared<State>()) {
    m->fn = std::move(fn);
    m->enabled = enabled && supported();
}

bool GraphedFunction::supported() {
#ifdef MP_TORCH_CUDA
    return true;
#else
    return false;
#endif
}

at::Tensor GraphedFunction::operator()(const std::vector<at::Tensor>& inputs) {
#ifdef MP_TORCH_CUDA
    const bool cuda = !inputs.empty() && inputs.front().is_cuda();
    if (m->enabled && cuda) {
        c10::NoGradGuard noGrad;
        const auto signature = signatureOf(inputs);
        if (!m->graph || signature != m->signature) {
            m->graph.reset();
            m->output = at::Tensor();
            m->inputs.clear();
            for (const auto& t : inputs)
                m->inputs.push_back(t.clone());
            const auto device = inputs.front().device();
            c10::cuda::CUDAGuard deviceGuard(device);
            c10::cuda::device_synchronize();
            auto stream = c10::cuda::getStreamFromPool(false, device.index());
            {
                c10::cuda::CUDAStreamGuard streamGuard(stream);
                for (int i = 0; i < 2; ++i)
                    (void)m->fn(m->inputs);  // autotuning and lazy initialisation, uncaptured
                stream.synchronize();
                auto graph = std::make_unique<at::cuda::CUDAGraph>();
                graph->capture_begin();
                m->output = m->fn(m->inputs);
                graph->capture_end();
                m->graph = std::move(graph);
            }
            c10::cuda::device_synchronize();
            m->signature = signature;
        }
        for (std::size_t i = 0; i < inputs.size(); ++i)
            m->inputs[i].copy_(inputs[i]);
        m->graph->replay();
        return m->output.clone();
    }
#endif
    return m->fn(inputs);
}

}  // namespace mp
