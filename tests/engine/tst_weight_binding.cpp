// Strict by-name weight binding: values land where the names say; every missing, unexpected and
// wrong-shape key is reported at once.

#include "../support/fixtures.h"
#include "core/error.h"
#include "io/tensor_io.h"
#include "io/weight_binding.h"
#include "nn/layers.h"

#include <QtTest/QtTest>

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <functional>

using namespace mp;
using namespace Qt::StringLiterals;

namespace {

// Names mirror a diffusers block: "proj_in", "ff.net.0", "ff.net.2", "norm".
struct TinyBlockImpl : torch::nn::Module {
    TinyBlockImpl() {
        proj_in = register_module("proj_in", torch::nn::Linear(3, 4));
        auto net = torch::nn::Sequential(
            torch::nn::Linear(4, 8), torch::nn::Functional(torch::relu), torch::nn::Linear(8, 4));
        ff = register_module("ff", std::make_shared<torch::nn::Module>());
        ff->register_module("net", net.ptr());
        norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({4})));
        register_buffer("scale", torch::ones({4}));
    }
    torch::nn::Linear proj_in{nullptr};
    std::shared_ptr<torch::nn::Module> ff;
    torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(TinyBlock);

std::vector<test::FakeTensor> goodTensors(const std::string& prefix = "",
                                          DType dtype = DType::F32) {
    return {{prefix + "proj_in.weight", dtype, {4, 3}},
            {prefix + "proj_in.bias", dtype, {4}},
            {prefix + "ff.net.0.weight", dtype, {8, 4}},
            {prefix + "ff.net.0.bias", dtype, {8}},
            {prefix + "ff.net.2.weight", dtype, {4, 8}},
            {prefix + "ff.net.2.bias", dtype, {4}},
            {prefix + "norm.weight", dtype, {4}},
            {prefix + "norm.bias", dtype, {4}},
            {prefix + "scale", dtype, {4}}};
}

}  // namespace

class TstWeightBinding : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void bindsByName_data();
    void bindsByName();
    void reportsEveryProblem();
    void prefixAndExemptions();
    void integersNeverBecomeFloats();
    void viewIsZeroCopyAndLoadRoundTrips();
    void layersInitialiseAsTorch_data();
    void layersInitialiseAsTorch();
    void uninitialisedDrawsNothing();
    void bindsOntoTarget_data();
    void bindsOntoTarget();
};

void TstWeightBinding::bindsByName_data() {
    QTest::addColumn<DType>("dtype");
    QTest::newRow("F32") << DType::F32;
    QTest::newRow("BF16 into fp32 model") << DType::BF16;
    QTest::newRow("F16 into fp32 model") << DType::F16;
}

void TstWeightBinding::bindsByName() {
    QFETCH(DType, dtype);
    test::TempDir dir;
    test::writeTensors(dir / "w.safetensors", goodTensors("", dtype));
    TinyBlock block;
    const auto report = bindWeights(*block, WeightSet::openFile(dir / "w.safetensors"));
    QCOMPARE(report.bound, 9);
    QVERIFY(report.ok());
    // The fixture fills element i with the value i: check placement by name, incl. Sequential.
    const auto expected = at::arange(32, at::kFloat).reshape({4, 8});
    QVERIFY(at::equal(block->ff->named_parameters()["net.2.weight"], expected));
    QVERIFY(at::equal(block->proj_in->bias, at::arange(4, at::kFloat)));
    QVERIFY(at::equal(block->named_buffers()["scale"], at::arange(4, at::kFloat)));
    QCOMPARE(block->proj_in->weight.scalar_type(), at::kFloat);  // module dtype kept
}

void TstWeightBinding::reportsEveryProblem() {
    test::TempDir dir;
    auto tensors = goodTensors();
    tensors.erase(tensors.begin() + 1);                       // proj_in.bias missing
    tensors[0].shape = {3, 4};                                // proj_in.weight transposed
    tensors.push_back({"ff.net.1.weight", DType::F32, {4}});  // unexpected
    tensors.push_back({"extra.bias", DType::F32, {2}});       // unexpected
    test::writeTensors(dir / "w.safetensors", tensors);
    TinyBlock block;
    const auto before = block->proj_in->weight.clone();
    try {
        bindWeights(*block, WeightSet::openFile(dir / "w.safetensors"));
        QFAIL("a mismatching checkpoint was bound");
    } catch (const EngineError& e) {
        QCOMPARE(e.code(), ErrorCode::Weights);
        const QString msg = QString::fromStdString(e.what());
        QVERIFY2(msg.contains(u"1 missing key(s)"), qPrintable(msg));
        QVERIFY2(msg.contains(u"  proj_in.bias"), qPrintable(msg));
        QVERIFY2(msg.contains(u"2 unexpected key(s)"), qPrintable(msg));
        QVERIFY2(msg.contains(u"ff.net.1.weight") && msg.contains(u"extra.bias"), qPrintable(msg));
        QVERIFY2(msg.contains(u"proj_in.weight: checkpoint [3, 4] F32 vs model [4, 3] Float"),
                 qPrintable(msg));
    }
    // Nothing was copied: a failed bind leaves the module as it was.
    QVERIFY(at::equal(block->proj_in->weight, before));
}

void TstWeightBinding::prefixAndExemptions() {
    test::TempDir dir;
    auto tensors = goodTensors("unet.");
    tensors.erase(tensors.end() - 1);  // "scale" computed at load, not stored
    test::writeTensors(dir / "w.safetensors", tensors);
    TinyBlock block;
    BindOptions options;
    options.prefix = "unet.";
    options.notInCheckpoint = {"scale"};
    const auto report = bindWeights(*block, WeightSet::openFile(dir / "w.safetensors"), options);
    QCOMPARE(report.bound, 8);
    // Without the exemption the same file is incomplete.
    options.notInCheckpoint.clear();
    const auto check = checkBinding(*block, WeightSet::openFile(dir / "w.safetensors"), options);
    QCOMPARE(check.missing, std::vector<std::string>{"unet.scale"});
}

void TstWeightBinding::integersNeverBecomeFloats() {
    test::TempDir dir;
    auto tensors = goodTensors();
    tensors[0].dtype = DType::I32;
    test::writeTensors(dir / "w.safetensors", tensors);
    TinyBlock block;
    const auto report = checkBinding(*block, WeightSet::openFile(dir / "w.safetensors"));
    QCOMPARE(report.mismatched.size(), std::size_t(1));
    QVERIFY(QString::fromStdString(report.mismatched[0]).contains(u"checkpoint [4, 3] I32"));
}

void TstWeightBinding::viewIsZeroCopyAndLoadRoundTrips() {
    test::TempDir dir;
    NamedTensors in = {{"a", at::randn({3, 5})},
                       {"b", at::randint(0, 100, {4}, at::kLong)},
                       {"c", at::randn({2, 2}).to(at::kBFloat16)}};
    saveTensorFile(dir / "t.safetensors", in, {{"note", "x"}});
    const auto out = loadTensorFile(dir / "t.safetensors");
    QCOMPARE(out.size(), in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        QCOMPARE(out[i].first, in[i].first);
        QVERIFY(at::equal(out[i].second, in[i].second));
    }
    QCOMPARE(loadTensorFileMetadata(dir / "t.safetensors").at("note"), std::string("x"));
    const auto w = WeightSet::openFile(dir / "t.safetensors");
    const auto view = viewTensor(w, "a");
    QCOMPARE(static_cast<const void*>(view.data_ptr()),
             static_cast<const void*>(w.bytes("a").data()));
}

// Our layers draw their initial weights as torch's do, in the same order from the same generator,
// so a model trained from scratch starts where it did with torch's layers.
using Params = std::function<std::vector<at::Tensor>()>;
Q_DECLARE_METATYPE(Params)
Q_DECLARE_METATYPE(c10::ScalarType)

void TstWeightBinding::layersInitialiseAsTorch_data() {
    QTest::addColumn<Params>("ours");
    QTest::addColumn<Params>("torchs");
    const auto both = [](const auto& m) { return std::vector<at::Tensor>{m->weight, m->bias}; };
    QTest::newRow("linear") << Params([&] { return both(nn::Linear(7, 5)); })
                            << Params([&] { return both(torch::nn::Linear(7, 5)); });
    QTest::newRow("linear without bias")
        << Params([] { return std::vector<at::Tensor>{nn::Linear(7, 5, false)->weight}; })
        << Params([] {
               return std::vector<at::Tensor>{
                   torch::nn::Linear(torch::nn::LinearOptions(7, 5).bias(false))->weight};
           });
    QTest::newRow("conv2d 3x3 stride 2") << Params([&] {
        return both(nn::Conv2d(3, 6, 3, 2, 1));
    }) << Params([&] {
        return both(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 6, 3).stride(2).padding(1)));
    });
    QTest::newRow("conv3d (3,1,1)") << Params([&] {
        return both(nn::Conv3d(4, 4, std::vector<std::int64_t>{3, 1, 1},
                               std::vector<std::int64_t>{1, 0, 0}));
    }) << Params([&] {
        return both(
            torch::nn::Conv3d(torch::nn::Conv3dOptions(4, 4, {3, 1, 1}).padding({1, 0, 0})));
    });
    QTest::newRow("embedding") << Params([] {
        return std::vector<at::Tensor>{nn::Embedding(11, 6)->weight};
    }) << Params([] { return std::vector<at::Tensor>{torch::nn::Embedding(11, 6)->weight}; });
    QTest::newRow("group norm") << Params([&] {
        return both(nn::GroupNorm(2, 6, 1e-6));
    }) << Params([&] { return both(torch::nn::GroupNorm(torch::nn::GroupNormOptions(2, 6))); });
    QTest::newRow("layer norm") << Params([&] {
        return both(nn::LayerNorm(6, 1e-5));
    }) << Params([&] { return both(torch::nn::LayerNorm(torch::nn::LayerNormOptions({6}))); });
}

void TstWeightBinding::layersInitialiseAsTorch() {
    QFETCH(Params, ours);
    QFETCH(Params, torchs);
    at::manual_seed(17);
    const auto a = ours();
    const auto nextA = at::rand({1}).item<double>();
    at::manual_seed(17);
    const auto b = torchs();
    const auto nextB = at::rand({1}).item<double>();
    QCOMPARE(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        QCOMPARE(a[i].sizes(), b[i].sizes());
        QVERIFY(at::equal(a[i], b[i]));
    }
    QCOMPARE(nextA, nextB);  // the generator moved on as far
}

// Inside the scope no layer draws from the generator (nor writes its parameters); outside it
// they do again.
void TstWeightBinding::uninitialisedDrawsNothing() {
    at::manual_seed(3);
    const auto expected = at::rand({4});
    at::manual_seed(3);
    {
        nn::UninitialisedScope scope;
        QVERIFY(!nn::initialisesWeights());
        nn::Linear(64, 64);
        nn::Conv2d(8, 8, 3);
        nn::Embedding(100, 8);
        nn::GroupNorm(2, 8, 1e-5);
        { nn::UninitialisedScope nested; }
        QVERIFY(!nn::initialisesWeights());  // a nested scope restores, not resets
    }
    QVERIFY(nn::initialisesWeights());
    QVERIFY(at::equal(at::rand({4}), expected));
    at::manual_seed(3);
    nn::Linear(64, 64);
    QVERIFY(!at::equal(at::rand({4}), expected));
}

// With a target, bound tensors are the checkpoint's converted once (floats to the dtype, integer
// buffers as stored) and own their storage: writing to them leaves the file's mapping alone.
void TstWeightBinding::bindsOntoTarget_data() {
    QTest::addColumn<DType>("stored");
    QTest::addColumn<c10::ScalarType>("target");
    QTest::newRow("F32 onto fp32") << DType::F32 << c10::kFloat;
    QTest::newRow("BF16 onto bf16") << DType::BF16 << c10::kBFloat16;
    QTest::newRow("F16 onto fp32") << DType::F16 << c10::kFloat;
    QTest::newRow("F32 onto fp16") << DType::F32 << c10::kHalf;
}

void TstWeightBinding::bindsOntoTarget() {
    QFETCH(DType, stored);
    QFETCH(c10::ScalarType, target);
    test::TempDir dir;
    test::writeTensors(dir / "w.safetensors", goodTensors("", stored));
    const auto weights = WeightSet::openFile(dir / "w.safetensors");
    auto block = [] {
        nn::UninitialisedScope scope;
        return TinyBlock();
    }();
    BindOptions options;
    options.device = c10::Device(c10::kCPU);
    options.dtype = target;
    const auto report = bindWeights(*block, weights, options);
    QCOMPARE(report.bound, 9);
    const auto expected = at::arange(32, at::kFloat).reshape({4, 8});
    const auto w = block->ff->named_parameters()["net.2.weight"];
    QCOMPARE(w.scalar_type(), target);
    QVERIFY(at::equal(w.to(at::kFloat), expected));
    QCOMPARE(block->proj_in->weight.scalar_type(), target);
    QVERIFY(block->proj_in->weight.requires_grad());  // still a trainable parameter
    // The module's own handle (what forward uses) sees the bound values.
    QVERIFY(at::equal(block->proj_in->weight.to(at::kFloat),
                      at::arange(12, at::kFloat).reshape({4, 3})));
    {
        torch::NoGradGuard noGrad;
        block->proj_in->weight.add_(1);
    }
    QVERIFY(at::equal(viewTensor(weights, "proj_in.weight").to(at::kFloat),
                      at::arange(12, at::kFloat).reshape({4, 3})));
}

QTEST_APPLESS_MAIN(TstWeightBinding)
#include "tst_weight_binding.moc"
