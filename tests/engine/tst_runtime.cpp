// Engine runtime: device/dtype policy, thread configuration, cancel token, log sink, Result and
// capture(), and the attention shim against a float64 reference.

#include "core/error.h"
#include "core/job.h"
#include "core/log.h"
#include "nn/layout.h"
#include "runtime/cpu_batch.h"
#include "runtime/device.h"
#include "runtime/fused_cpu.h"
#include "runtime/torch_shim.h"

#include <ATen/Context.h>

#include <QtTest/QtTest>

#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

using namespace mp;
using namespace Qt::StringLiterals;

namespace {
// Attention computed element by element in double: the reference the shim must match.
at::Tensor naiveAttention(const at::Tensor& q,
                          const at::Tensor& k,
                          const at::Tensor& v,
                          const at::Tensor& bias,
                          bool causal) {
    auto qd = q.to(at::kDouble), kd = k.to(at::kDouble), vd = v.to(at::kDouble);
    const auto L = q.size(-2), S = k.size(-2), E = q.size(-1);
    auto out = at::zeros({q.size(0), q.size(1), L, v.size(-1)}, at::kDouble);
    for (int64_t b = 0; b < q.size(0); ++b)
        for (int64_t h = 0; h < q.size(1); ++h)
            for (int64_t i = 0; i < L; ++i) {
                std::vector<double> w(S);
                double mx = -1e300;
                for (int64_t j = 0; j < S; ++j) {
                    double s = 0;
                    for (int64_t e = 0; e < E; ++e)
                        s += qd[b][h][i][e].item<double>() * kd[b][h][j][e].item<double>();
                    s = s / std::sqrt(double(E));
                    if (bias.defined())
                        s += bias[i][j].item<double>();
                    if (causal && j > i)
                        s = -1e300;
                    w[j] = s;
                    mx = std::max(mx, s);
                }
                double z = 0;
                for (auto& x : w)
                    z += (x = std::exp(x - mx));
                for (int64_t j = 0; j < S; ++j)
                    out[b][h][i] += vd[b][h][j] * (w[j] / z);
            }
    return out;
}

double relErr(const at::Tensor& a, const at::Tensor& b) {
    return ((a.to(at::kDouble) - b.to(at::kDouble)).norm() / b.to(at::kDouble).norm())
        .item<double>();
}
}  // namespace

class TstRuntime : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void resolveDevice_data();
    void resolveDevice();
    void threadsFromEnvironment();
    void hostPeakResident();
    void hostHeapStaysWarm_data();
    void hostHeapStaysWarm();
    void addFolded_data();
    void addFolded();
    void cudnnBenchmarkSwitch_data();
    void cudnnBenchmarkSwitch();
    void cancelAcrossThreads();
    void logSink();
    void resultAndCapture();
    void jobContextCadence_data();
    void jobContextCadence();
    void jobContextCancels();
    void jobContextEta();
    void attentionShim_data();
    void attentionShim();
    void attentionBlocked_data();
    void attentionBlocked();
    void attentionBlockedGradients();
    void attentionShort_data();
    void attentionShort();
    void attentionInBatchChunks();
    void groupNormSilu_data();
    void groupNormSilu();
    void geluGate_data();
    void geluGate();
    void cpuSlices_data();
    void cpuSlices();
    void cpuSlicesFallBack();
    void cpuSlicesKeptWorkers();
};

// The peak grows by what the process touches (a block larger than the peak so far, written so
// that it is resident), and does not fall when it is freed.
void TstRuntime::hostPeakResident() {
    const auto before = hostPeakResidentBytes();
    QVERIFY(before.has_value());
    QVERIFY(*before > 1 << 20);
    const std::int64_t bytes = *before + (128ll << 20);
    {
        std::vector<char> block(static_cast<std::size_t>(bytes), 1);
        QVERIFY(block.back() == 1);
        QVERIFY2(*hostPeakResidentBytes() >= bytes,
                 qPrintable(QString::number(*hostPeakResidentBytes())));
    }
    QVERIFY(*hostPeakResidentBytes() >= bytes);
}

// glibc accepts the warm-heap thresholds (keepHostHeapWarm is true only when both mallopt calls
// succeed); with MP_HOST_HEAP=default it is left alone. The effect, 8x fewer page faults per
// toy forward, is a benchmark figure (docs/performance.md): a fault count inside this process
// depends on what the process allocated before, and proved unstable as a test.
void TstRuntime::hostHeapStaysWarm_data() {
    QTest::addColumn<QByteArray>("env");  // MP_HOST_HEAP; empty: unset
    QTest::addColumn<bool>("changes");
    QTest::newRow("left alone on request") << QByteArray("default") << false;
    QTest::newRow("kept warm") << QByteArray() << true;
}

void TstRuntime::hostHeapStaysWarm() {
    QFETCH(QByteArray, env);
    QFETCH(bool, changes);
#if !defined(__GLIBC__)
    QSKIP("the heap settings are glibc's");
#endif
    if (qEnvironmentVariableIsSet("GLIBC_TUNABLES") ||
        qEnvironmentVariableIsSet("MALLOC_MMAP_THRESHOLD_"))
        QSKIP("the environment sets glibc's malloc tunables");
    if (env.isEmpty())
        qunsetenv("MP_HOST_HEAP");
    else
        qputenv("MP_HOST_HEAP", env);
    QCOMPARE(keepHostHeapWarm(), changes);
    qunsetenv("MP_HOST_HEAP");
}

// addFolded writes a + b straight into (B·F, C, H, W): equal to folding the sum, for
// contiguous and permuted operands, and through autograd (which takes the two steps).
void TstRuntime::addFolded_data() {
    QTest::addColumn<bool>("permuted");
    QTest::addColumn<bool>("grad");
    QTest::newRow("contiguous") << false << false;
    QTest::newRow("permuted operand") << true << false;
    QTest::newRow("autograd") << true << true;
}

void TstRuntime::addFolded() {
    QFETCH(bool, permuted);
    QFETCH(bool, grad);
    at::manual_seed(3);
    const std::int64_t B = 2, C = 3, F = 4, H = 5, W = 6;
    auto a = at::randn({B, C, F, H, W});
    auto b =
        permuted ? at::randn({B, H, W, F, C}).permute({0, 4, 3, 1, 2}) : at::randn({B, C, F, H, W});
    if (grad)
        a.set_requires_grad(true);
    const auto out = nn::addFolded(a, b);
    QCOMPARE(out.sizes().vec(), (std::vector<std::int64_t>{B * F, C, H, W}));
    QVERIFY(out.is_contiguous());
    QVERIFY(at::equal(out, nn::foldFrames(a + b)));
    if (grad) {
        out.sum().backward();
        QVERIFY(at::equal(a.grad(), at::ones_like(a)));
    }
}

// cuDNN's benchmark mode is a flag of the context, set without a GPU: off for CUDA unless
// MP_CUDNN_BENCHMARK is 1, untouched for the CPU.
void TstRuntime::cudnnBenchmarkSwitch_data() {
    QTest::addColumn<QByteArray>("env");  // empty: unset
    QTest::addColumn<bool>("cuda");
    QTest::addColumn<bool>("expected");
    QTest::newRow("cuda, unset") << QByteArray() << true << false;
    QTest::newRow("cuda, 1") << QByteArray("1") << true << true;
    QTest::newRow("cuda, 0") << QByteArray("0") << true << false;
    QTest::newRow("cpu") << QByteArray() << false << false;
}

void TstRuntime::cudnnBenchmarkSwitch() {
    QFETCH(QByteArray, env);
    QFETCH(bool, cuda);
    QFETCH(bool, expected);
    const bool before = at::globalContext().benchmarkCuDNN();
    at::globalContext().setBenchmarkCuDNN(false);
    if (env.isEmpty())
        qunsetenv("MP_CUDNN_BENCHMARK");
    else
        qputenv("MP_CUDNN_BENCHMARK", env);
    DeviceChoice choice;
    if (cuda)
        choice.device = c10::Device(c10::kCUDA, 0);
    tuneForDevice(choice);
    const bool got = at::globalContext().benchmarkCuDNN();
    qunsetenv("MP_CUDNN_BENCHMARK");
    at::globalContext().setBenchmarkCuDNN(before);
    QCOMPARE(got, expected);
}

void TstRuntime::resolveDevice_data() {
    QTest::addColumn<QString>("device");
    QTest::addColumn<QString>("dtype");
    QTest::addColumn<QString>("expected");  // describe() or "error:<code>:<phrase>"
    const bool cuda = cudaAvailable();
    QTest::newRow("auto") << "auto"
                          << "auto" << (cuda ? u"cuda:0 bf16"_s : u"cpu fp32"_s);
    QTest::newRow("cpu auto") << "cpu"
                              << ""
                              << "cpu fp32";
    QTest::newRow("cpu explicit fp32") << "cpu"
                                       << "fp32"
                                       << "cpu fp32";
    QTest::newRow("bad device") << "tpu"
                                << "auto"
                                << "error:invalid-argument:expected auto, cpu, cuda";
    QTest::newRow("bad index") << "cuda:x"
                               << "auto"
                               << "error:invalid-argument:expected cuda:N";
    QTest::newRow("bad dtype") << "cpu"
                               << "int8"
                               << "error:invalid-argument:'int8' is not a dtype";
    if (!cuda)
        QTest::newRow("cuda missing") << "cuda"
                                      << "auto"
                                      << "error:device:no CUDA device";
    else
        QTest::newRow("cuda index too big") << "cuda:99"
                                            << "auto"
                                            << "error:device:CUDA device(s) present";
}

void TstRuntime::resolveDevice() {
    QFETCH(QString, device);
    QFETCH(QString, dtype);
    QFETCH(QString, expected);
    try {
        const auto c = mp::resolveDevice(device.toStdString(), dtype.toStdString());
        QCOMPARE(QString::fromStdString(c.describe()), expected);
    } catch (const EngineError& e) {
        QVERIFY2(expected.startsWith(u"error:"), e.what());
        // The engine speaks of the thing, never of a command-line flag.
        QVERIFY2(!QString::fromStdString(e.what()).contains(u"--"), e.what());
        QCOMPARE(QString::fromLatin1(errorCodeName(e.code())), expected.section(u':', 1, 1));
        QVERIFY2(QString::fromStdString(e.what()).contains(expected.section(u':', 2)), e.what());
    }
}

void TstRuntime::threadsFromEnvironment() {
    qputenv("MP_NUM_THREADS", "3");
    QCOMPARE(configureThreads(), 3);
    // An OpenBLAS (Debian's libblas.so.3 with libopenblas0-pthread) is left one thread: ATen's
    // own threads would otherwise each start its pool (docs/toy-world.md, speed).
    using GetBlasThreads = int (*)();
    if (auto* blasThreads =
            reinterpret_cast<GetBlasThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads")))
        QCOMPARE(blasThreads(), 1);
    else
        qInfo("the BLAS is not OpenBLAS: nothing to check");
    qunsetenv("MP_NUM_THREADS");
    QCOMPARE(configureThreads(1), 1);
    // Unset, it uses the cores this process may run on, not Debian's default of one thread.
    const int n = configureThreads();
    QCOMPARE(n, at::get_num_threads());
    QVERIFY(n >= 1 && n <= int(std::thread::hardware_concurrency()));
    if (std::thread::hardware_concurrency() > 1)
        QVERIFY(n > 1);
}

void TstRuntime::cancelAcrossThreads() {
    CancelToken token;
    CancelToken copy = token;  // copies share one flag
    std::atomic<int> steps{0};
    std::thread worker([copy, &steps] {
        try {
            for (;;) {
                copy.throwIfCancelled();
                ++steps;
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        } catch (const EngineError& e) {
            QCOMPARE(e.code(), ErrorCode::Cancelled);
        }
    });
    while (steps < 3)
        std::this_thread::yield();
    token.cancel();
    worker.join();
    QVERIFY(copy.isCancelled());
}

void TstRuntime::logSink() {
    std::vector<std::pair<log::Level, std::string>> seen;
    log::setSink([&](log::Level l, std::string_view m) { seen.emplace_back(l, std::string(m)); });
    log::setMinLevel(log::Level::Info);
    log::debug("hidden");
    log::info("shown");
    log::warning("careful");
    log::setSink({});
    log::info("after reset");
    QCOMPARE(seen.size(), std::size_t(2));
    QCOMPARE(seen[0].second, std::string("shown"));
    QCOMPARE(seen[1].first, log::Level::Warning);
}

void TstRuntime::resultAndCapture() {
    auto ok = capture([] { return 42; });
    QVERIFY(ok.ok());
    QCOMPARE(ok.value(), 42);
    auto typed = capture([]() -> int { throw EngineError(ErrorCode::Config, "x.json: bad"); });
    QVERIFY(!typed);
    QCOMPARE(typed.error().code(), ErrorCode::Config);
    QVERIFY_THROWS_EXCEPTION(EngineError, typed.value());
    auto foreign = capture([]() -> int { throw std::out_of_range("index 9"); });
    QCOMPARE(foreign.error().code(), ErrorCode::Internal);
    QCOMPARE(std::string(foreign.error().what()), std::string("index 9"));
    auto torchError = capture([] { return at::ones({2}).view({3}); });  // c10::Error
    QCOMPARE(torchError.error().code(), ErrorCode::Internal);
    // LibTorch appends a C++ stack trace to its messages; people get the message only.
    QVERIFY2(!QString::fromUtf8(torchError.error().what()).contains(u"Exception raised from"),
             torchError.error().what());
    QVERIFY(QString::fromUtf8(torchError.error().what()).contains(u"invalid for input of size 2"));
    // An allocation no machine can make (128 TiB, the whole x86-64 user address space; a
    // smaller one may succeed where the kernel overcommits): OutOfMemory, saying what and how
    // much.
    auto huge = capture([] {
        return during("testing a huge tensor", [] { return at::empty({1LL << 45}, at::kFloat); });
    });
    QCOMPARE(huge.error().code(), ErrorCode::OutOfMemory);
    QCOMPARE(QString::fromUtf8(huge.error().what()),
             u"out of memory while testing a huge tensor: one allocation of 128.0 TiB failed; use "
             "fewer frames, a smaller size or batch, or a device with more memory"_s);
    auto bad = capture([]() -> int { throw std::bad_alloc(); });
    QCOMPARE(bad.error().code(), ErrorCode::OutOfMemory);
    auto cancelled = capture([] {
        CancelToken t;
        t.cancel();
        t.throwIfCancelled();
    });
    QVERIFY(cancelled.cancelled());
}

void TstRuntime::jobContextCadence_data() {
    QTest::addColumn<int>("every");
    QTest::addColumn<int>("total");
    QTest::addColumn<QList<int>>("previews");
    QTest::newRow("every 5 of 12") << 5 << 12 << QList<int>{5, 10, 12};
    QTest::newRow("every 1 of 3") << 1 << 3 << QList<int>{1, 2, 3};
    QTest::newRow("every 4 of 8") << 4 << 8 << QList<int>{4, 8};
    QTest::newRow("disabled") << 0 << 6 << QList<int>{};
}

void TstRuntime::jobContextCadence() {
    QFETCH(int, every);
    QFETCH(int, total);
    QFETCH(QList<int>, previews);
    QList<int> progressSteps, previewSteps;
    int materialised = 0;
    JobContext ctx;
    ctx.previewEvery = every;
    ctx.progress = [&](const ProgressEvent& e) {
        QCOMPARE(e.stage, std::string("denoise"));
        QCOMPARE(e.total, total);
        progressSteps << e.step;
    };
    ctx.preview = [&](int step, const at::Tensor& latents) {
        QCOMPARE(latents.item<int>(), step);
        previewSteps << step;
    };
    for (int s = 1; s <= total; ++s)
        ctx.step("denoise", s, total, [&] {
            ++materialised;
            return at::tensor(s);
        });
    QCOMPARE(progressSteps.size(), total);
    QCOMPARE(previewSteps, previews);
    QCOMPARE(materialised, int(previews.size()));  // latents only built for due previews
}

void TstRuntime::jobContextCancels() {
    JobContext ctx;
    int reported = 0;
    ctx.progress = [&](const ProgressEvent&) { ++reported; };
    ctx.step("invert", 1, 3);
    ctx.cancel.cancel();
    QVERIFY_THROWS_EXCEPTION(EngineError, ctx.step("invert", 2, 3));
    QCOMPARE(reported, 1);  // nothing reported once cancelled
}

// Progress carries the time in the stage and the time left, extrapolated from the steps so far;
// a new stage starts its own clock, and copies of a context share it.
void TstRuntime::jobContextEta() {
    JobContext ctx;
    std::vector<ProgressEvent> seen;
    ctx.progress = [&](const ProgressEvent& e) { seen.push_back(e); };
    const JobContext copy = ctx;
    for (int s = 0; s <= 4; ++s) {
        (s % 2 ? copy : ctx).report("denoise", s, 4);
        std::this_thread::sleep_for(std::chrono::milliseconds(15));
    }
    ctx.report("decode", 0, 2);
    QCOMPARE(seen.size(), std::size_t(6));
    QCOMPARE(seen[0].etaSeconds, -1.0);  // nothing done yet: unknown
    QCOMPARE(seen[0].elapsedSeconds, 0.0);
    for (int s = 1; s <= 4; ++s) {
        const auto& e = seen[std::size_t(s)];
        QVERIFY(e.elapsedSeconds >= 0.015 * s * 0.9);
        QVERIFY(e.elapsedSeconds > seen[std::size_t(s) - 1].elapsedSeconds);
        QVERIFY(std::abs(e.etaSeconds - e.elapsedSeconds / s * (4 - s)) < 1e-12);
    }
    QCOMPARE(seen[4].etaSeconds, 0.0);
    QCOMPARE(seen[5].stage, std::string("decode"));
    QVERIFY(seen[5].elapsedSeconds < 0.01);  // the new stage's own clock
    QCOMPARE(seen[5].etaSeconds, -1.0);
}

void TstRuntime::attentionShim_data() {
    QTest::addColumn<int>("L");
    QTest::addColumn<int>("S");
    QTest::addColumn<bool>("withBias");
    QTest::addColumn<bool>("causal");
    QTest::newRow("self 5x5") << 5 << 5 << false << false;
    QTest::newRow("cross 4x7") << 4 << 7 << false << false;
    QTest::newRow("bias") << 6 << 3 << true << false;
    QTest::newRow("causal") << 6 << 6 << false << true;
}

void TstRuntime::attentionShim() {
    QFETCH(int, L);
    QFETCH(int, S);
    QFETCH(bool, withBias);
    QFETCH(bool, causal);
    at::manual_seed(L * 100 + S);
    auto q = at::randn({2, 3, L, 8}), k = at::randn({2, 3, S, 8}), v = at::randn({2, 3, S, 5});
    at::Tensor bias = withBias ? at::randn({L, S}) : at::Tensor();
    const auto ref = naiveAttention(q, k, v, bias, causal);
    const auto out =
        shim::sdpa(q, k, v, withBias ? std::optional<at::Tensor>(bias) : std::nullopt, causal);
    QCOMPARE(out.sizes(), ref.sizes());
    QVERIFY2(relErr(out, ref) < 1e-5, qPrintable(QString::number(relErr(out, ref))));
    // A boolean mask that keeps the same positions as `causal` gives the same result.
    if (causal) {
        auto keep = at::ones({L, S}, at::kBool).tril();
        QVERIFY(relErr(shim::sdpa(q, k, v, keep), ref) < 1e-5);
    }
}

void TstRuntime::attentionBlocked_data() {
    QTest::addColumn<int>("L");
    QTest::addColumn<int>("S");
    QTest::addColumn<QString>("mask");   // none, causal, bias, padding (B,1,1,S), full (B,1,L,S)
    QTest::addColumn<int>("maxScores");  // forces blocks of that many scores
    for (int maxScores : {1, 6 * 7 * 2, 1 << 20}) {
        const auto tag = QString::number(maxScores);
        QTest::newRow(qPrintable(u"self "_s + tag)) << 7 << 7 << u"none"_s << maxScores;
        QTest::newRow(qPrintable(u"cross "_s + tag)) << 5 << 9 << u"none"_s << maxScores;
        QTest::newRow(qPrintable(u"causal "_s + tag)) << 7 << 7 << u"causal"_s << maxScores;
        QTest::newRow(qPrintable(u"bias "_s + tag)) << 6 << 4 << u"bias"_s << maxScores;
        QTest::newRow(qPrintable(u"padding "_s + tag)) << 6 << 8 << u"padding"_s << maxScores;
        QTest::newRow(qPrintable(u"full mask "_s + tag)) << 6 << 8 << u"full"_s << maxScores;
    }
}

// The blocked CPU attention equals the reference, whatever the block size and mask shape.
void TstRuntime::attentionBlocked() {
    QFETCH(int, L);
    QFETCH(int, S);
    QFETCH(QString, mask);
    QFETCH(int, maxScores);
    at::manual_seed(L * 31 + S);
    auto q = at::randn({2, 3, L, 8}), k = at::randn({2, 3, S, 8}), v = at::randn({2, 3, S, 5});
    std::optional<at::Tensor> m;
    if (mask == u"bias")
        m = at::randn({L, S});
    else if (mask == u"padding")
        m = at::arange(S).lt(S - 3).view({1, 1, 1, S}).expand({2, 1, 1, S});
    else if (mask == u"full")
        m = at::rand({2, 1, L, S}).gt(0.3).logical_or(at::eye(L, S, at::kBool));
    const bool causal = mask == u"causal";
    const auto ref = shim::attentionMath(
        q.to(at::kDouble), k.to(at::kDouble), v.to(at::kDouble),
        m ? std::optional(m->scalar_type() == at::kBool ? *m : m->to(at::kDouble)) : std::nullopt,
        causal);
    const auto out = shim::attentionBlocked(q, k, v, m, causal, std::nullopt, maxScores);
    QCOMPARE(out.sizes(), ref.sizes());
    QVERIFY2(relErr(out, ref) < 1e-5, qPrintable(QString::number(relErr(out, ref))));
}

void TstRuntime::attentionShort_data() {
    QTest::addColumn<int>("L");
    QTest::addColumn<int>("S");
    QTest::addColumn<int>("E");
    // packed; transposed: k, v with their last dimension strided (copied first); heads: q, k, v
    // as (B, H, L, E) views of (B, L, H, E) projections, read in place, as the models pass them;
    // repeated: k, v broadcast over the batch (stride 0), as a context shared by frames.
    QTest::addColumn<QByteArray>("layout");
    QTest::addColumn<bool>("applies");  // sdpa takes the kernel
    QTest::newRow("temporal 16 frames") << 16 << 16 << 8 << QByteArray("packed") << true;
    QTest::newRow("temporal 16 frames, heads in place")
        << 16 << 16 << 4 << QByteArray("heads") << true;
    QTest::newRow("cross 5x9") << 5 << 9 << 8 << QByteArray("packed") << true;
    QTest::newRow("cross 5x9, context repeated") << 5 << 9 << 8 << QByteArray("repeated") << true;
    QTest::newRow("one key") << 3 << 1 << 4 << QByteArray("packed") << true;
    QTest::newRow("longest short, odd sizes, head 64")
        << 7 << int(shim::kShortSequence) << 64 << QByteArray("transposed") << true;
    QTest::newRow("toy spatial 64 tokens, head 4")
        << 64 << 64 << 4 << QByteArray("transposed") << true;
    QTest::newRow("toy spatial 64 tokens, heads in place")
        << 64 << 64 << 4 << QByteArray("heads") << true;
    QTest::newRow("toy cross 64 x 77, head 4") << 64 << 77 << 4 << QByteArray("packed") << true;
    QTest::newRow("longest small-head, odd sizes")
        << 37 << int(shim::kSmallHeadSequence) << int(shim::kSmallHead) << QByteArray("transposed")
        << true;
    QTest::newRow("64 tokens, head 17: not taken")
        << 64 << 64 << 17 << QByteArray("packed") << false;
    QTest::newRow("129 keys: not taken")
        << 8 << int(shim::kSmallHeadSequence) + 1 << 4 << QByteArray("packed") << false;
}

// The short-sequence CPU kernel (both compiled copies: the widest vectors the CPU has, and the
// baseline) equals the reference attention at any size, and sdpa takes it only where it applies
// (not with a mask, a causal mask, autograd recording, or past its sizes).
void TstRuntime::attentionShort() {
    QFETCH(int, L);
    QFETCH(int, S);
    QFETCH(int, E);
    QFETCH(QByteArray, layout);
    QFETCH(bool, applies);
    at::manual_seed(L * 7 + S);
    auto q = at::randn({4, 3, L, E});
    auto k = at::randn({4, 3, S, E});
    auto v = at::randn({4, 3, S, 5});
    if (layout == "transposed") {
        k = at::randn({4, 3, E, S}).transpose(-2, -1);
        v = at::randn({4, 3, 5, S}).transpose(-2, -1);
    } else if (layout == "heads") {
        q = at::randn({4, L, 3, E}).transpose(1, 2);
        k = at::randn({4, S, 3, E}).transpose(1, 2);
        v = at::randn({4, S, 3, 5}).transpose(1, 2);
    } else if (layout == "repeated") {
        k = at::randn({1, 3, S, E}).expand({4, 3, S, E});
        v = at::randn({1, 3, S, 5}).expand({4, 3, S, 5});
    }
    QCOMPARE(shim::shortAttentionApplies(q, k, v, std::nullopt, false), applies);
    const auto ref = shim::attentionMath(q.to(at::kDouble), k.to(at::kDouble), v.to(at::kDouble));
    for (const auto kernel :
         {shim::CpuKernel::Best, shim::CpuKernel::Avx2, shim::CpuKernel::Baseline}) {
        const auto out = shim::attentionShort(q, k, v, std::nullopt, kernel);
        QCOMPARE(out.sizes(), ref.sizes());
        QVERIFY2(relErr(out, ref) < 1e-5, qPrintable(QString::number(relErr(out, ref))));
        // Heads read in place come back in their projection's layout: merging them is a view.
        QCOMPARE(out.transpose(1, 2).is_contiguous(), layout == "heads");
        QVERIFY(relErr(shim::attentionShort(q, k, v, 0.3, kernel),
                       shim::attentionMath(q, k, v, {}, false, 0.3)) < 1e-5);
    }
    // Scores far apart: the softmax's exp underflows for all but the largest, as the reference's.
    const auto sharp = shim::attentionShort(q * 40, k, v);
    QVERIFY(relErr(sharp, shim::attentionMath(q.to(at::kDouble) * 40, k.to(at::kDouble),
                                              v.to(at::kDouble))) < 1e-5);
    if (!applies)
        return;
    QVERIFY(!shim::shortAttentionApplies(q, k, v, at::ones({L, S}), false));
    QVERIFY(!shim::shortAttentionApplies(q, k, v, std::nullopt, true));
    QVERIFY(!shim::shortAttentionApplies(q, at::randn({4, 3, shim::kSmallHeadSequence + 1, E}),
                                         at::randn({4, 3, shim::kSmallHeadSequence + 1, 5}),
                                         std::nullopt, false));
    QVERIFY(!shim::shortAttentionApplies(q, k.expand({4, 3, S, E}).narrow(0, 0, 1), v, std::nullopt,
                                         false));
    const auto trainable = q.clone().requires_grad_(true);
    QVERIFY(!shim::shortAttentionApplies(trainable, k, v, std::nullopt, false));
}

// The chunked batch (CUDA's grid limit) gives the unchunked result, with k, v and masks cut
// alongside q or broadcast whole.
void TstRuntime::attentionInBatchChunks() {
    at::manual_seed(5);
    const auto q = at::randn({7, 2, 5, 4}), k = at::randn({7, 2, 6, 4}),
               v = at::randn({7, 2, 6, 3});
    const auto math = [](const at::Tensor& a, const at::Tensor& b, const at::Tensor& c,
                         const std::optional<at::Tensor>& m) {
        return shim::attentionMath(a, b, c, m);
    };
    for (const std::optional<at::Tensor>& mask :
         {std::optional<at::Tensor>(), std::optional(at::randn({7, 1, 5, 6})),
          std::optional(at::randn({5, 6}))}) {
        const auto whole = shim::attentionMath(q, k, v, mask);
        for (std::int64_t chunk : {1, 3, 7, 100}) {
            const auto out = shim::attentionInBatchChunks(q, k, v, mask, chunk, math);
            QCOMPARE(out.sizes(), whole.sizes());
            QVERIFY(relErr(out, whole) < 1e-6);
        }
    }
    // Keys shared by the whole batch (leading size 1) broadcast in every chunk.
    const auto shared = shim::attentionInBatchChunks(q, k.narrow(0, 0, 1), v.narrow(0, 0, 1),
                                                     std::nullopt, 3, math);
    QVERIFY(relErr(shared, shim::attentionMath(q, k.narrow(0, 0, 1), v.narrow(0, 0, 1))) < 1e-6);
}

// Training runs through the same attention: with autograd recording, the blocked path keeps the
// softmax out of place and its gradients equal the reference's.
void TstRuntime::attentionBlockedGradients() {
    at::manual_seed(7);
    const auto q0 = at::randn({2, 3, 6, 8}), k0 = at::randn({2, 3, 9, 8}),
               v0 = at::randn({2, 3, 9, 5});
    const auto w = at::randn({2, 3, 6, 5});
    const auto grads = [&](bool blocked) {
        auto q = q0.clone().requires_grad_(), k = k0.clone().requires_grad_(),
             v = v0.clone().requires_grad_();
        const auto out = blocked ? shim::attentionBlocked(q, k, v, std::nullopt, false,
                                                          std::nullopt, /*maxScores=*/20)
                                 : shim::attentionMath(q, k, v);
        (out * w).sum().backward();
        return std::vector<at::Tensor>{q.grad(), k.grad(), v.grad()};
    };
    const auto a = grads(true), b = grads(false);
    for (std::size_t i = 0; i < a.size(); ++i) {
        QVERIFY(a[i].defined());
        QVERIFY2(relErr(a[i], b[i]) < 1e-5, qPrintable(QString::number(relErr(a[i], b[i]))));
    }
}

void TstRuntime::cpuSlices_data() {
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("calls");  // of fn: the slices
    QTest::newRow("one item: one call") << 1 << 2 << 1;
    QTest::newRow("2 over 2") << 2 << 2 << 2;
    QTest::newRow("odd batch: 2 + 1") << 3 << 2 << 2;
    QTest::newRow("3 workers: 2 + 2 + 1") << 5 << 3 << 3;
    QTest::newRow("more workers than items") << 2 << 8 << 2;
    QTest::newRow("one worker: one call") << 4 << 1 << 1;
}

// Each item's output depends only on that item and on the inputs that are not sliced; the slices
// come back in order; each slice runs on one intra-op thread; the caller's thread count stays.
void TstRuntime::cpuSlices() {
    QFETCH(int, batch);
    QFETCH(int, workers);
    QFETCH(int, calls);
    c10::NoGradGuard noGrad;
    configureThreads(2);
    at::manual_seed(3);
    const auto x = at::randn({batch, 3, 4}), shared = at::randn({4});
    const auto t = at::arange(batch, at::kLong);
    std::atomic<int> called{0}, wideSlices{0}, cutShared{0};
    const BatchFn fn = [&](const std::vector<at::Tensor>& in) {
        ++called;
        if (at::get_num_threads() != 1 && calls > 1)
            ++wideSlices;
        if (in[2].dim() != 1 || in[2].size(0) != 4)
            ++cutShared;
        return in[0] * in[2] + in[1].to(at::kFloat).view({-1, 1, 1});
    };
    const auto whole = x * shared + t.to(at::kFloat).view({-1, 1, 1});
    const auto out = forwardInCpuSlices(fn, {x, t, shared}, workers);
    QCOMPARE(called.load(), calls);
    QCOMPARE(wideSlices.load(), 0);
    QCOMPARE(cutShared.load(), 0);
    QVERIFY(at::equal(out, whole));
    QCOMPARE(at::get_num_threads(), 2);
}

// Not sliced: autograd recording (training), CUDA-less nesting (a slice that calls again runs
// whole), and an error in a slice reaches the caller after the others finished.
void TstRuntime::cpuSlicesFallBack() {
    configureThreads(2);
    const auto x = at::randn({4, 2});
    std::atomic<int> called{0};
    const BatchFn count = [&](const std::vector<at::Tensor>& in) {
        ++called;
        return in[0] * 2;
    };
    {
        c10::AutoGradMode grad(true);
        QVERIFY(at::equal(forwardInCpuSlices(count, {x}, 2), x * 2));
        QCOMPARE(called.load(), 1);
    }
    c10::NoGradGuard noGrad;
    called = 0;
    const BatchFn nested = [&](const std::vector<at::Tensor>& in) {
        return forwardInCpuSlices(count, in, 2);
    };
    QVERIFY(at::equal(forwardInCpuSlices(nested, {x}, 2), x * 2));
    QCOMPARE(called.load(), 2);  // once per outer slice
    std::atomic<int> finished{0};
    const BatchFn failing = [&](const std::vector<at::Tensor>& in) {
        if (in[0].size(0) == 2 && in[0][0][0].item<float>() == x[0][0].item<float>())
            throw EngineError(ErrorCode::InvalidArgument, "first slice fails");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ++finished;
        return in[0];
    };
    try {
        forwardInCpuSlices(failing, {x}, 2);
        QFAIL("the slice's error must reach the caller");
    } catch (const EngineError& e) {
        QVERIFY(std::string(e.what()).find("first slice fails") != std::string::npos);
    }
    QCOMPARE(finished.load(), 1);
    QCOMPARE(at::get_num_threads(), 2);
}

// The slices after the caller's run on workers kept between calls (the same threads each time),
// and two callers at once both get their own results: the one that finds the workers busy runs
// its slices itself.
void TstRuntime::cpuSlicesKeptWorkers() {
    c10::NoGradGuard noGrad;
    configureThreads(2);
    const auto x = at::randn({4, 3});
    // A thread's count of the slices it ran: a kept worker's grows from call to call (thread
    // ids alone could be reused by a fresh thread).
    static thread_local int ranHere = 0;
    std::mutex m;
    std::vector<int> counts;
    const auto caller = std::this_thread::get_id();
    const BatchFn record = [&](const std::vector<at::Tensor>& in) {
        if (std::this_thread::get_id() != caller) {
            const std::lock_guard lock(m);
            counts.push_back(++ranHere);
        }
        return in[0] + 1;
    };
    for (int call = 0; call < 3; ++call)
        QVERIFY(at::equal(forwardInCpuSlices(record, {x}, 2), x + 1));
    QCOMPARE(counts.size(), std::size_t{3});
    QCOMPARE(counts[2], counts[0] + 2);

    const BatchFn slow = [](const std::vector<at::Tensor>& in) {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        return in[0] * 3;
    };
    at::Tensor a, b;
    std::thread first([&] {
        c10::NoGradGuard inference;
        a = forwardInCpuSlices(slow, {x}, 2);
    });
    std::thread second([&] {
        c10::NoGradGuard inference;
        b = forwardInCpuSlices(slow, {x + 1}, 2);
    });
    first.join();
    second.join();
    QVERIFY(at::equal(a, x * 3));
    QVERIFY(at::equal(b, (x + 1) * 3));
}

void TstRuntime::groupNormSilu_data() {
    QTest::addColumn<QList<qint64>>("shape");
    QTest::addColumn<int>("groups");
    QTest::addColumn<double>("offset");  // added to x: a mean large against the spread
    QTest::addColumn<bool>("affine");
    QTest::newRow("toy UNet frames (2·16, 32, 16, 16), 8 groups")
        << QList<qint64>{32, 32, 16, 16} << 8 << 0.0 << true;
    QTest::newRow("temporal layer video (2, 32, 16, 8, 8)")
        << QList<qint64>{2, 32, 16, 8, 8} << 8 << 0.0 << true;
    QTest::newRow("odd spatial size (3, 6, 5, 7): vector tails")
        << QList<qint64>{3, 6, 5, 7} << 3 << 0.0 << true;
    QTest::newRow("one group, no affine") << QList<qint64>{2, 4, 9} << 1 << 0.0 << false;
    QTest::newRow("a channel per group") << QList<qint64>{2, 8, 33} << 8 << 0.0 << true;
    QTest::newRow("mean 1000 against spread 1")
        << QList<qint64>{2, 16, 12, 12} << 4 << 1000.0 << true;
    QTest::newRow("just (N, C)") << QList<qint64>{5, 12} << 4 << 0.0 << true;
}

// The fused CPU GroupNorm + SiLU (both compiled copies) equals ATen's group_norm then silu, and
// groupNormAct takes it for inference only.
void TstRuntime::groupNormSilu() {
    QFETCH(QList<qint64>, shape);
    QFETCH(int, groups);
    QFETCH(double, offset);
    QFETCH(bool, affine);
    const std::vector<std::int64_t> sizes(shape.begin(), shape.end());
    at::manual_seed(static_cast<std::uint64_t>(sizes.size() * 31 + groups));
    const auto x = at::randn(sizes) * 3 + offset;
    const auto C = sizes[1];
    const auto w = affine ? at::randn({C}) : at::Tensor();
    const auto b = affine ? at::randn({C}) : at::Tensor();
    const auto ref = at::silu(at::group_norm(x.to(at::kDouble), groups,
                                             affine ? w.to(at::kDouble) : at::Tensor(),
                                             affine ? b.to(at::kDouble) : at::Tensor(), 1e-5));
    QVERIFY(shim::groupNormSiluApplies(x, groups, w, b));
    for (const auto kernel :
         {shim::CpuKernel::Best, shim::CpuKernel::Avx2, shim::CpuKernel::Baseline}) {
        const auto out = shim::groupNormSilu(x, groups, w, b, 1e-5, kernel);
        QCOMPARE(out.sizes(), x.sizes());
        QVERIFY2(relErr(out, ref) < 1e-5, qPrintable(QString::number(relErr(out, ref))));
    }
    // A strided input is read as its values, not its memory.
    const auto strided = x.transpose(0, 1).contiguous().transpose(0, 1);
    QVERIFY(relErr(shim::groupNormSilu(strided, groups, w, b, 1e-5), ref) < 1e-5);
    QVERIFY(!shim::groupNormSiluApplies(x.to(at::kDouble), groups, w, b));
    QVERIFY(!shim::groupNormSiluApplies(x, C + 1, w, b));  // groups not dividing C
    QVERIFY(!shim::groupNormSiluApplies(x.clone().requires_grad_(true), groups, w, b));
    {
        at::NoGradGuard inference;
        QVERIFY(shim::groupNormSiluApplies(x.clone().requires_grad_(true), groups, w, b));
    }
}

void TstRuntime::geluGate_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<double>("spread");
    QTest::newRow("toy GEGLU (2·16·64 tokens, 128)") << 2 * 16 * 64 * 128 << 3.0;
    QTest::newRow("vector tails: 37 values") << 37 << 3.0;
    QTest::newRow("far tails: erf at ±1, exp underflowing") << 4096 << 20.0;
    QTest::newRow("near zero") << 1000 << 1e-3;
}

// value · GELU(gate), fused (every compiled copy), equals ATen's exact GELU and product; the
// feed-forward takes it for inference only.
void TstRuntime::geluGate() {
    QFETCH(int, n);
    QFETCH(double, spread);
    at::manual_seed(n);
    const auto value = at::randn({n});
    const auto gate = at::randn({n}) * spread;
    const auto ref = value.to(at::kDouble) * at::gelu(gate.to(at::kDouble));
    for (const auto kernel :
         {shim::CpuKernel::Best, shim::CpuKernel::Avx2, shim::CpuKernel::Baseline}) {
        auto out = value.clone();
        QVERIFY(shim::geluGateApplies(out, gate));
        QCOMPARE(shim::geluGateInPlace(out, gate, kernel).data_ptr(), out.data_ptr());
        QVERIFY2(relErr(out, ref) < 1e-6, qPrintable(QString::number(relErr(out, ref))));
    }
    QVERIFY(!shim::geluGateApplies(value, gate.narrow(0, 0, n - 1)));
    QVERIFY(!shim::geluGateApplies(value.to(at::kDouble), gate.to(at::kDouble)));
    QVERIFY(!shim::geluGateApplies(value.clone().requires_grad_(true), gate));
}

QTEST_APPLESS_MAIN(TstRuntime)
#include "tst_runtime.moc"
