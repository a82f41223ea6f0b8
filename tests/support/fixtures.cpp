#include "fixtures.h"

#include "io/file_util.h"
#include "io/safetensors.h"

#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

namespace mp::test {

namespace fs = std::filesystem;

namespace {

std::vector<std::byte> fillBytes(DType dtype, std::int64_t numel) {
    std::vector<std::byte> out(static_cast<std::size_t>(numel) * dtypeSize(dtype));
    for (std::int64_t i = 0; i < numel; ++i) {
        std::byte* p = out.data() + i * dtypeSize(dtype);
        const double v = static_cast<double>(i);
        switch (dtype) {
            case DType::F64:
                std::memcpy(p, &v, 8);
                break;
            case DType::F32: {
                float f = static_cast<float>(v);
                std::memcpy(p, &f, 4);
                break;
            }
            case DType::BF16: {
                float f = static_cast<float>(v);
                std::uint32_t bits;
                std::memcpy(&bits, &f, 4);
                std::uint16_t h = static_cast<std::uint16_t>(bits >> 16);  // exact for small ints
                std::memcpy(p, &h, 2);
                break;
            }
            case DType::F16: {
                // Small non-negative integers are exact in half precision.
                std::uint16_t h = 0;
                if (i > 0) {
                    int e = 0;
                    while ((std::int64_t(1) << (e + 1)) <= i)
                        ++e;
                    const std::uint32_t mant =
                        static_cast<std::uint32_t>(((i - (std::int64_t(1) << e)) << 10) >> e);
                    h = static_cast<std::uint16_t>(((e + 15) << 10) | (mant & 0x3ff));
                }
                std::memcpy(p, &h, 2);
                break;
            }
            case DType::I64: {
                std::int64_t x = i;
                std::memcpy(p, &x, 8);
                break;
            }
            case DType::I32: {
                std::int32_t x = static_cast<std::int32_t>(i);
                std::memcpy(p, &x, 4);
                break;
            }
            case DType::I16: {
                std::int16_t x = static_cast<std::int16_t>(i);
                std::memcpy(p, &x, 2);
                break;
            }
            case DType::I8:
            case DType::U8:
                *p = static_cast<std::byte>(i & 0x7f);
                break;
            case DType::Bool:
                *p = static_cast<std::byte>(i & 1);
                break;
        }
    }
    return out;
}

}  // namespace

void writeTensors(const fs::path& path,
                  const std::vector<FakeTensor>& tensors,
                  const std::map<std::string, std::string>& metadata) {
    std::vector<std::vector<std::byte>> storage;
    std::vector<TensorWrite> writes;
    storage.reserve(tensors.size());
    for (const auto& t : tensors) {
        std::int64_t n = 1;
        for (auto d : t.shape)
            n *= d;
        storage.push_back(fillBytes(t.dtype, n));
        writes.push_back({t.name, t.dtype, t.shape, storage.back()});
    }
    fs::create_directories(path.parent_path());
    writeSafetensors(path, writes, metadata);
}

void writeRawSafetensors(const fs::path& path,
                         const std::string& header,
                         std::size_t dataBytes,
                         std::int64_t declaredLength) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    const std::uint64_t n =
        declaredLength < 0 ? header.size() : static_cast<std::uint64_t>(declaredLength);
    for (int i = 0; i < 8; ++i)
        out.put(static_cast<char>((n >> (8 * i)) & 0xff));
    out << header;
    out << std::string(dataBytes, '\0');
}

void writeText(const fs::path& path, const std::string& text) {
    if (path.has_parent_path())
        fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out)
        throw std::runtime_error("cannot write " + path.string());
}

std::int64_t writePipeline(const fs::path& root, FixtureFamily family) {
    const bool modelscope = family == FixtureFamily::ModelScope || family == FixtureFamily::Toy;
    const bool cog = family == FixtureFamily::CogVideoX2b || family == FixtureFamily::CogVideoX5b;
    const std::string pipeline = modelscope                       ? "TextToVideoSDPipeline"
                                 : family == FixtureFamily::Latte ? "LattePipeline"
                                                                  : "CogVideoXPipeline";
    const std::string denoiser = modelscope ? "unet" : "transformer";
    const std::string denoiserClass = modelscope ? "UNet3DConditionModel"
                                      : cog      ? "CogVideoXTransformer3DModel"
                                                 : "LatteTransformer3DModel";
    const std::string vaeClass = cog ? "AutoencoderKLCogVideoX" : "AutoencoderKL";
    const std::string textClass = modelscope ? "CLIPTextModel" : "T5EncoderModel";
    const std::string tokClass = modelscope ? "CLIPTokenizer" : "T5Tokenizer";
    const std::string scheduler = cog ? "CogVideoXDDIMScheduler" : "DDIMScheduler";

    writeText(root / "model_index.json",
              "{\"_class_name\": \"" + pipeline + "\", \"_diffusers_version\": \"0.31.0\",\n" +
                  (family == FixtureFamily::Toy ? " \"_motionprobe_toy_world\": true,\n" : "") +
                  " \"" + denoiser + "\": [\"diffusers\", \"" + denoiserClass +
                  "\"],\n"
                  " \"vae\": [\"diffusers\", \"" +
                  vaeClass +
                  "\"],\n"
                  " \"text_encoder\": [\"transformers\", \"" +
                  textClass +
                  "\"],\n"
                  " \"tokenizer\": [\"transformers\", \"" +
                  tokClass +
                  "\"],\n"
                  " \"scheduler\": [\"diffusers\", \"" +
                  scheduler + "\"]}\n");

    std::string denoiserConfig = "{\"_class_name\": \"" + denoiserClass + "\"";
    if (family == FixtureFamily::CogVideoX5b)
        denoiserConfig +=
            ", \"num_attention_heads\": 48, \"num_layers\": 42, "
            "\"use_rotary_positional_embeddings\": true";
    if (family == FixtureFamily::CogVideoX2b)
        denoiserConfig += ", \"num_attention_heads\": 30, \"num_layers\": 30";
    writeText(root / denoiser / "config.json", denoiserConfig + "}\n");
    writeTensors(root / denoiser / "diffusion_pytorch_model.safetensors",
                 {{"conv_in.weight", DType::F32, {4, 4, 3, 3}}, {"conv_in.bias", DType::F32, {4}}});
    writeText(root / "vae" / "config.json", "{\"_class_name\": \"" + vaeClass + "\"}\n");
    writeTensors(root / "vae" / "diffusion_pytorch_model.safetensors",
                 {{"encoder.conv_in.weight", DType::F32, {8, 3, 3, 3}}});
    writeText(root / "text_encoder" / "config.json",
              "{\"architectures\": [\"" + textClass + "\"], \"hidden_size\": 8}\n");
    writeTensors(root / "text_encoder" / "model.safetensors",
                 {{"text_model.embeddings.token_embedding.weight", DType::F32, {10, 8}}});
    if (modelscope) {
        writeText(root / "tokenizer" / "vocab.json", "{\"a</w>\": 0}\n");
        writeText(root / "tokenizer" / "merges.txt", "#version: 0.2\n");
    } else {
        writeText(root / "tokenizer" / "spiece.model", "not a real model");
    }
    writeText(root / "scheduler" / "scheduler_config.json",
              "{\"_class_name\": \"" + scheduler + "\", \"num_train_timesteps\": 1000}\n");
    return 4 * 4 * 3 * 3 + 4 + 8 * 3 * 3 * 3 + 10 * 8;
}

TempDir::TempDir() {
    static std::mt19937_64 rng(std::random_device{}());
    for (int attempt = 0; attempt < 100; ++attempt) {
        auto p = fs::temp_directory_path() / ("mp-test-" + std::to_string(rng()));
        if (fs::create_directory(p)) {
            m_path = p;
            return;
        }
    }
    throw std::runtime_error("cannot create a temporary folder");
}

TempDir::~TempDir() {
    removeTree(m_path);
}

}  // namespace mp::test
