#pragma once
// The input format of fuzz_snapshot (and of the seeds in tests/data/fuzz/snapshot/): one byte of
// layout flags, then up to five file contents separated by kPartSeparator:
//
//   part 0  model_index.json                                  (ignored in component mode)
//   part 1  unet/config.json                                  (component mode: ./config.json)
//   part 2  unet/diffusion_pytorch_model.safetensors          (sharded: the first shard)
//   part 3  unet/diffusion_pytorch_model.safetensors.index.json
//   part 4  the second shard
//
// A missing part is not written (or written empty with kEmptyForMissing). The flags:
//   kSharded          weights are parts 2 and 4 as shards "...-00001-of-00002.safetensors" and
//                     "...-00002-of-00002.safetensors", listed by the index (part 3)
//   kBoth             write the single file and the index both (the single file wins)
//   kVariantNames     name the weight files as the "fp16" variant
//   kComponentMode    no model_index.json: the root is one component's folder
//   kExtraComponents  add valid vae/, text_encoder/, tokenizer/ and scheduler/ folders
//   kInspectVariant   call inspectSnapshot with variant "fp16"
//   kPickle           drop a diffusion_pytorch_model.bin beside the weights
//   kEmptyForMissing  write missing parts as empty files
// tools/fuzz/make_seed_corpus.py writes the same format.

#include "fuzz_common.h"

#include "io/file_util.h"
#include "io/snapshot.h"
#include "io/weights.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

namespace mp_fuzz {

inline constexpr std::string_view kPartSeparator = "\n--mp--\n";
inline constexpr std::size_t kPartCount = 5;

enum SnapshotFlag : unsigned {
    kSharded = 1u << 0,
    kBoth = 1u << 1,
    kVariantNames = 1u << 2,
    kComponentMode = 1u << 3,
    kExtraComponents = 1u << 4,
    kInspectVariant = 1u << 5,
    kPickle = 1u << 6,
    kEmptyForMissing = 1u << 7,
};

struct SnapshotInput {
    unsigned flags = 0;
    std::vector<std::optional<std::string>> parts =
        std::vector<std::optional<std::string>>(kPartCount);
};

inline SnapshotInput decodeSnapshotInput(std::string_view data) {
    SnapshotInput in;
    if (data.empty())
        return in;
    in.flags = static_cast<unsigned char>(data[0]);
    std::string_view rest = data.substr(1);
    for (std::size_t i = 0; i < kPartCount && !rest.empty(); ++i) {
        const auto sep = rest.find(kPartSeparator);
        in.parts[i] = std::string(rest.substr(0, sep));
        rest = sep == std::string_view::npos ? std::string_view{}
                                             : rest.substr(sep + kPartSeparator.size());
    }
    return in;
}

inline void writeFile(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out)
        throw std::runtime_error("fuzz harness: cannot write " + path.string());
}

// A tiny valid safetensors file with one F32 tensor "w" of shape [1].
inline std::string tinySafetensors() {
    const std::string header = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i)
        out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
    return out + header + std::string(4, '\0');
}

struct MaterializedSnapshot {
    std::filesystem::path root;
    std::filesystem::path weightsDir;            // where the weights went (root or root/unet)
    std::optional<std::filesystem::path> index;  // the sharded index, when written
    std::string variant;                         // what inspectSnapshot is asked for
};

// Writes the input's files under `root` (emptied first).
inline MaterializedSnapshot materialize(const SnapshotInput& in,
                                        const std::filesystem::path& root) {
    namespace fs = std::filesystem;
    // mp::removeTree: the project never calls std::filesystem's recursive remove (see file_util.h).
    if (!mp::removeTree(root))
        throw std::runtime_error("fuzz harness: cannot empty " + root.string());
    std::error_code ec;
    fs::create_directories(root);
    MaterializedSnapshot m;
    m.root = root;
    const bool component = in.flags & kComponentMode;
    m.weightsDir = component ? root : root / "unet";
    fs::create_directories(m.weightsDir);
    m.variant = (in.flags & kInspectVariant) ? "fp16" : "";

    auto put = [&](std::size_t part, const fs::path& path) {
        if (in.parts[part])
            writeFile(path, *in.parts[part]);
        else if (in.flags & kEmptyForMissing)
            writeFile(path, "");
    };
    if (!component)
        put(0, root / "model_index.json");
    put(1, m.weightsDir / "config.json");

    const std::string v = (in.flags & kVariantNames) ? ".fp16" : "";
    const bool sharded = in.flags & kSharded;
    if (!sharded || (in.flags & kBoth))
        put(2, m.weightsDir / ("diffusion_pytorch_model" + v + ".safetensors"));
    if (sharded || (in.flags & kBoth)) {
        const fs::path index =
            m.weightsDir / (v.empty() ? "diffusion_pytorch_model.safetensors.index.json"
                                      : "diffusion_pytorch_model.safetensors.index.fp16.json");
        put(3, index);
        if (fs::is_regular_file(index, ec))
            m.index = index;
        if (sharded) {
            put(2, m.weightsDir / ("diffusion_pytorch_model" + v + "-00001-of-00002.safetensors"));
            put(4, m.weightsDir / ("diffusion_pytorch_model" + v + "-00002-of-00002.safetensors"));
        }
    }
    if (in.flags & kPickle)
        writeFile(m.weightsDir / "diffusion_pytorch_model.bin", "\x80\x02}q\x00.");

    if ((in.flags & kExtraComponents) && !component) {
        const std::string weights = tinySafetensors();
        for (const auto& [name, cls] :
             {std::pair{"vae", "AutoencoderKL"}, std::pair{"text_encoder", "CLIPTextModel"}}) {
            fs::create_directories(root / name);
            writeFile(root / name / "config.json",
                      std::string(R"({"_class_name":")") + cls + R"("})");
            writeFile(root / name / "model.safetensors", weights);
        }
        fs::create_directories(root / "tokenizer");
        writeFile(root / "tokenizer" / "tokenizer.json", "{}");
        fs::create_directories(root / "scheduler");
        writeFile(root / "scheduler" / "scheduler_config.json",
                  R"({"_class_name":"DDIMScheduler"})");
    }
    return m;
}

inline std::string currentExceptionText() {
    try {
        throw;
    } catch (const std::exception& e) {
        return std::string(typeid(e).name()) + ": " + e.what();
    } catch (...) {
        return "a non-std exception";
    }
}

inline void checkWeightSet(const mp::WeightSet& w) {
    const auto keys = w.keys();
    MP_FUZZ_CHECK(keys.size() == w.size(), w.describe());
    MP_FUZZ_CHECK(std::is_sorted(keys.begin(), keys.end()), w.describe());
    MP_FUZZ_CHECK(!w.files().empty(), w.describe());
    std::int64_t elements = 0;
    for (const auto& k : keys) {
        MP_FUZZ_CHECK(w.contains(k), k);
        const auto& e = w.entry(k);
        MP_FUZZ_CHECK(e.name == k, k);
        const auto bytes = w.bytes(k);
        MP_FUZZ_CHECK(bytes.size() == e.byteSize(), k);
        touch(bytes);
        MP_FUZZ_CHECK(w.fileOf(k).header().find(k) == &e, k);
        elements += e.numel();
    }
    MP_FUZZ_CHECK(w.elementCount() == elements, w.describe());
    std::int64_t byDType = 0;
    for (const auto& [_, n] : w.elementsByDType())
        byDType += n;
    MP_FUZZ_CHECK(byDType == elements, w.describe());
    try {
        (void)w.entry("\x01not-a-tensor");
        violated("entry() of an absent name returned");
    } catch (const mp::EngineError& e) {
        MP_FUZZ_CHECK(e.code() == mp::ErrorCode::NotFound, e.what());
    }
    (void)w.metadata();
    MP_FUZZ_CHECK(!w.describe().empty(), "describe()");
}

struct SnapshotOutcome {
    mp::SnapshotInfo info;
    bool indexWritten = false;
    std::optional<std::string> indexError;  // openIndex's EngineError, when it threw
};

// Writes the input under `root`, inspects it and opens its weights. inspectSnapshot must not throw
// at all, whatever the folder holds; openIndex and locateWeights may throw EngineError only.
inline SnapshotOutcome exerciseSnapshot(const SnapshotInput& in,
                                        const std::filesystem::path& root) {
    const MaterializedSnapshot m = materialize(in, root);
    SnapshotOutcome out;
    out.indexWritten = m.index.has_value();
    try {
        out.info = mp::inspectSnapshot(m.root, {m.variant});
    } catch (...) {
        violated("inspectSnapshot threw " + currentExceptionText() +
                 " (it must record problems instead)");
    }
    const auto& info = out.info;
    MP_FUZZ_CHECK(info.isPipeline == std::filesystem::is_regular_file(m.root / "model_index.json"),
                  "isPipeline");
    for (const auto& p : info.problems) {
        MP_FUZZ_CHECK(!p.what.empty(), p.line());
        MP_FUZZ_CHECK(!p.line().empty(), p.where);
    }
    std::int64_t params = 0;
    for (const auto& c : info.components) {
        MP_FUZZ_CHECK(!c.name.empty(), c.className);
        MP_FUZZ_CHECK(c.tensorCount >= 0 && c.parameterCount >= 0, c.name);
        MP_FUZZ_CHECK(c.hasWeights || (c.tensorCount == 0 && c.parameterCount == 0), c.name);
        MP_FUZZ_CHECK(info.component(c.name) != nullptr, c.name);
        params += c.parameterCount;
    }
    MP_FUZZ_CHECK(info.parameterCount() == params, "parameterCount");
    (void)info.familyLabel();
    (void)info.hasErrors();
    // `motionprobe-cli info --json` prints exactly this. Problem messages may quote file content
    // that is not UTF-8, so the contract is to dump with the replace handler; the result must then
    // be valid JSON again.
    std::string dumped;
    try {
        dumped = mp::toJson(info).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const nlohmann::json::exception& e) {
        violated(std::string("toJson(inspectSnapshot(...)).dump(replace) throws: ") + e.what());
    }
    MP_FUZZ_CHECK(nlohmann::json::accept(dumped), "toJson(...).dump() is not valid JSON");

    if (m.index) {
        try {
            const auto w = mp::WeightSet::openIndex(*m.index);
            checkWeightSet(w);
        } catch (const mp::EngineError& e) {
            MP_FUZZ_CHECK(std::string_view(e.what()).size() > 0, "empty message");
            out.indexError = e.what();
        }
    }
    try {
        const auto lookup = mp::locateWeights(m.weightsDir, m.variant);
        MP_FUZZ_CHECK(std::filesystem::is_regular_file(lookup.path), lookup.path.string());
        checkWeightSet(mp::WeightSet::open(lookup));
    } catch (const mp::EngineError& e) {
        MP_FUZZ_CHECK(std::string_view(e.what()).size() > 0, "empty message");
    }
    return out;
}

}  // namespace mp_fuzz
