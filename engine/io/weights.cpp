#include "io/weights.h"

#include "core/error.h"
#include "io/file_util.h"
#include "io/json_util.h"

#include <algorithm>
#include <set>

namespace mp {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kBaseNames[] = {"diffusion_pytorch_model", "model"};

bool isFile(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

std::optional<WeightLookup> findPlainOrVariant(const fs::path& dir, const std::string& variant) {
    for (const char* base : kBaseNames) {
        const std::string b(base);
        const std::string single =
            variant.empty() ? b + ".safetensors" : b + "." + variant + ".safetensors";
        const std::string index = variant.empty() ? b + ".safetensors.index.json"
                                                  : b + ".safetensors.index." + variant + ".json";
        if (isFile(dir / single))
            return WeightLookup{dir / single, false, variant, {}};
        if (isFile(dir / index))
            return WeightLookup{dir / index, true, variant, {}};
    }
    return std::nullopt;
}

// Variants present in the folder: "<base>.<v>.safetensors" or "<base>.safetensors.index.<v>.json".
std::set<std::string> variantsIn(const fs::path& dir) {
    std::set<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const auto name = e.path().filename().string();
        for (const char* base : kBaseNames) {
            const std::string b = std::string(base) + ".";
            if (name.rfind(b, 0) != 0)
                continue;
            std::string rest = name.substr(b.size());
            const std::string idx = "safetensors.index.";
            if (rest.rfind(idx, 0) == 0 && rest.size() > idx.size() + 5 &&
                rest.ends_with(".json")) {
                out.insert(rest.substr(idx.size(), rest.size() - idx.size() - 5));
            } else if (rest.ends_with(".safetensors")) {
                std::string v = rest.substr(0, rest.size() - 12);
                // Shards of a variant index are "<v>-00001-of-00002"; they are not variants.
                if (!v.empty() && v.find('.') == std::string::npos &&
                    v.find("-of-") == std::string::npos)
                    out.insert(v);
            }
        }
    }
    return out;
}

std::vector<fs::path> pickleFilesIn(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file(ec) && isPickleWeightFile(e.path()))
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

bool isPlainFileName(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
           name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

}  // namespace

WeightLookup locateWeights(const fs::path& dir, std::string_view variantView) {
    const std::string variant(variantView);
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw EngineError(ErrorCode::NotFound, dir.string() + ": folder not found");
    if (!variant.empty()) {
        if (auto hit = findPlainOrVariant(dir, variant))
            return *hit;
    }
    if (auto hit = findPlainOrVariant(dir, "")) {
        if (!variant.empty())
            hit->notes.push_back("variant '" + variant + "' not found; using the plain weights");
        return *hit;
    }
    const auto variants = variantsIn(dir);
    if (variant.empty() && variants.size() == 1) {
        auto hit = findPlainOrVariant(dir, *variants.begin());
        if (hit) {
            hit->notes.push_back("only the '" + *variants.begin() +
                                 "' variant is present; using it");
            return *hit;
        }
    }
    const auto pickles = pickleFilesIn(dir);
    if (!pickles.empty())
        throw EngineError(ErrorCode::Unsupported, pickleRefusal(pickles.front()));
    std::string msg = dir.string() +
                      ": no safetensors weights (looked for "
                      "diffusion_pytorch_model.safetensors, model.safetensors and their "
                      "*.safetensors.index.json";
    if (!variant.empty())
        msg += ", variant '" + variant + "'";
    msg += ")";
    if (!variants.empty()) {
        msg += "; variants present:";
        for (const auto& v : variants)
            msg += " " + v;
        msg += " (choose one as the weights variant)";
    }
    throw EngineError(ErrorCode::NotFound, msg);
}

WeightSet WeightSet::openFile(const fs::path& path) {
    WeightSet w;
    w.m_origin = path;
    w.m_files.push_back(std::make_shared<SafetensorsFile>(SafetensorsFile::open(path)));
    w.m_paths.push_back(path);
    for (const auto& e : w.m_files[0]->header().tensors)
        w.m_entries.emplace(e.name, Slot{0, &e});
    return w;
}

WeightSet WeightSet::openIndex(const fs::path& indexPath) {
    const std::string label = indexPath.string();
    const json index = parseJsonStrict(readTextFile(indexPath, 64u << 20), label);
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
        throw EngineError(ErrorCode::Format,
                          label + ": expected an object with a 'weight_map' object");
    const auto& map = index["weight_map"];
    if (map.empty())
        throw EngineError(ErrorCode::Format, label + ": 'weight_map' lists no tensors");

    WeightSet w;
    w.m_origin = indexPath;
    std::map<std::string, std::size_t> shardSlot;
    const fs::path dir = indexPath.parent_path();
    for (const auto& [key, value] : map.items()) {
        if (!value.is_string())
            throw EngineError(ErrorCode::Format, label + ": weight_map['" + printable(key) +
                                                     "'] must be a file name string");
        const auto shard = value.get<std::string>();
        if (!isPlainFileName(shard))
            throw EngineError(ErrorCode::Format, label + ": weight_map['" + printable(key) +
                                                     "'] names '" + printable(shard) +
                                                     "', which is not a file beside the index");
        if (isPickleWeightFile(shard))
            throw EngineError(ErrorCode::Unsupported, pickleRefusal(dir / printable(shard)));
        if (!shardSlot.count(shard)) {
            const fs::path shardPath = dir / shard;
            if (!isFile(shardPath))
                throw EngineError(ErrorCode::NotFound, label + ": shard '" + printable(shard) +
                                                           "' is listed but missing");
            shardSlot.emplace(shard, w.m_files.size());
            w.m_files.push_back(
                std::make_shared<SafetensorsFile>(SafetensorsFile::open(shardPath)));
            w.m_paths.push_back(shardPath);
        }
        const std::size_t slot = shardSlot.at(shard);
        const TensorEntry* e = w.m_files[slot]->header().find(key);
        if (!e)
            throw EngineError(ErrorCode::Format, label + ": index puts tensor '" + printable(key) +
                                                     "' in '" + shard +
                                                     "', which does not contain it");
        w.m_entries.emplace(key, Slot{slot, e});
    }
    for (const auto& [shard, slot] : shardSlot)
        for (const auto& e : w.m_files[slot]->header().tensors)
            if (!map.contains(e.name))
                throw EngineError(ErrorCode::Format, label + ": shard '" + printable(shard) +
                                                         "' holds tensor '" + printable(e.name) +
                                                         "', which the index does not list");
    return w;
}

WeightSet WeightSet::open(const WeightLookup& lookup) {
    return lookup.sharded ? openIndex(lookup.path) : openFile(lookup.path);
}

WeightSet WeightSet::openComponent(const fs::path& dir, std::string_view variant) {
    return open(locateWeights(dir, variant));
}

std::vector<std::string> WeightSet::keys() const {
    std::vector<std::string> out;
    out.reserve(m_entries.size());
    for (const auto& [k, _] : m_entries)
        out.push_back(k);
    return out;
}

const WeightSet::Slot& WeightSet::slot(std::string_view name) const {
    auto it = m_entries.find(std::string(name));
    if (it == m_entries.end())
        throw EngineError(ErrorCode::NotFound,
                          describe() + ": no tensor '" + printable(name) + "'");
    return it->second;
}

const TensorEntry& WeightSet::entry(std::string_view name) const {
    return *slot(name).entry;
}

const SafetensorsFile& WeightSet::fileOf(std::string_view name) const {
    return *m_files[slot(name).file];
}

std::span<const std::byte> WeightSet::bytes(std::string_view name) const {
    const Slot& s = slot(name);
    return m_files[s.file]->bytes(*s.entry);
}

std::int64_t WeightSet::elementCount() const {
    std::int64_t n = 0;
    for (const auto& [_, s] : m_entries)
        n += s.entry->numel();
    return n;
}

std::map<DType, std::int64_t> WeightSet::elementsByDType() const {
    std::map<DType, std::int64_t> out;
    for (const auto& [_, s] : m_entries)
        out[s.entry->dtype] += s.entry->numel();
    return out;
}

const std::map<std::string, std::string>& WeightSet::metadata() const {
    static const std::map<std::string, std::string> kEmpty;
    return m_files.empty() ? kEmpty : m_files.front()->header().metadata;
}

std::string WeightSet::describe() const {
    if (m_files.size() <= 1)
        return m_origin.string();
    return m_origin.string() + " (" + std::to_string(m_files.size()) + " shards)";
}

}  // namespace mp
