// Strict by-name weight binding: values land where the names say; every missing, unexpected and
// wrong-shape key is reported at once.

#include "../support/fixtures.h"
#include "core/error.h"
#include "io/tensor_io.h"
#include "io/weight_binding.h"

#include <QtTest/QtTest>

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

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

QTEST_APPLESS_MAIN(TstWeightBinding)
#include "tst_weight_binding.moc"
