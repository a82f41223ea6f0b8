#pragma once
// Shared by the parity tests: reading a golden.safetensors file and the error measure every
// parity tolerance is stated in.

#include "io/safetensors.h"
#include "io/tensor_io.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>

namespace mp::test {

// max|actual − expected| / max|expected|, in double.
inline double relMax(const at::Tensor& actual, const at::Tensor& expected) {
    auto a = actual.to(at::kDouble), e = expected.to(at::kDouble);
    return ((a - e).abs().max() / e.abs().max().clamp_min(1e-30)).item<double>();
}

// The tensors of DIR/golden.safetensors by name.
inline std::map<std::string, at::Tensor> loadGolden(const std::filesystem::path& dir) {
    std::map<std::string, at::Tensor> out;
    for (auto& [k, v] : loadTensorFile(dir / "golden.safetensors"))
        out[k] = v;
    return out;
}

// The metadata of DIR/golden.safetensors (the generating script's versions and inputs).
inline std::map<std::string, std::string> goldenMetadata(const std::filesystem::path& dir) {
    return SafetensorsFile::open(dir / "golden.safetensors").header().metadata;
}

// The run named `name` in a pipeline golden's "runs" metadata (tools/golden/*.py write them).
inline nlohmann::json goldenRun(const std::filesystem::path& dir, const std::string& name) {
    for (const auto& r : nlohmann::json::parse(goldenMetadata(dir).at("runs")))
        if (r["name"] == name)
            return r;
    throw std::runtime_error("golden run " + name + " not found in " + dir.string());
}

}  // namespace mp::test

// In a Qt Test slot: relMax(actual, expected) logged and held to `tolerance`; `label` a QString.
#define MP_CHECK_CLOSE(actual, expected, label, tolerance)                                    \
    do {                                                                                      \
        const double err_ = ::mp::test::relMax(actual, expected);                             \
        qInfo("%s: %.2e (max|ref| %.3g)", qPrintable(label), err_,                            \
              (expected).abs().max().item<double>());                                         \
        QVERIFY2(err_ <= (tolerance),                                                         \
                 qPrintable((label) + QStringLiteral(" differs: ") + QString::number(err_))); \
    } while (false)
