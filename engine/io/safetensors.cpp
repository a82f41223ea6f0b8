#include "io/safetensors.h"

#include "core/error.h"
#include "io/file_util.h"
#include "io/json_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <set>

namespace mp {

using nlohmann::json;

namespace {

[[noreturn]] void fail(std::string_view label,
                       const std::string& what,
                       ErrorCode code = ErrorCode::Format) {
    throw EngineError(code, std::string(label) + ": " + what);
}

std::uint64_t readLe64(const std::byte* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | static_cast<std::uint8_t>(p[i]);
    return v;
}

std::uint64_t requireUnsigned(const json& v, std::string_view label, const std::string& where) {
    if (!v.is_number_unsigned()) {
        if (v.is_number_integer() && v.get<std::int64_t>() >= 0)
            return v.get<std::uint64_t>();
        fail(label, where + " must be a non-negative integer, got " +
                        printable(v.dump(-1, ' ', false, json::error_handler_t::replace)));
    }
    return v.get<std::uint64_t>();
}

}  // namespace

std::int64_t TensorEntry::numel() const {
    // The parser guarantees the product of the non-zero dims fits; a zero dim makes it empty.
    std::int64_t n = 1;
    for (auto d : shape) {
        if (d == 0)
            return 0;
        n *= d;
    }
    return n;
}

const TensorEntry* SafetensorsHeader::find(std::string_view name) const {
    auto it = m_index.find(std::string(name));
    return it == m_index.end() ? nullptr : &tensors[it->second];
}

void SafetensorsHeader::buildIndex() {
    m_index.clear();
    for (std::size_t i = 0; i < tensors.size(); ++i)
        m_index.emplace(tensors[i].name, i);
}

SafetensorsHeader parseSafetensors(std::span<const std::byte> file, std::string_view label) {
    if (file.size() < 8)
        fail(label, "file is " + std::to_string(file.size()) +
                        " bytes, too short for a safetensors header (need at least 8)");
    const std::uint64_t n = readLe64(file.data());
    if (n > kMaxSafetensorsHeaderBytes)
        fail(label, "header length " + std::to_string(n) + " exceeds the " +
                        std::to_string(kMaxSafetensorsHeaderBytes) + "-byte limit");
    if (n > file.size() - 8)
        fail(label, "header length " + std::to_string(n) + " runs past the end of the " +
                        std::to_string(file.size()) + "-byte file");
    if (n < 2)
        fail(label, "header length " + std::to_string(n) + " is too short for a JSON object");

    const std::string_view text(reinterpret_cast<const char*>(file.data() + 8), n);
    if (text.front() != '{')
        fail(label, "header does not start with '{'");
    const json header = parseJsonStrict(text, label, {.rejectDuplicateKeys = true, .maxDepth = 16});
    if (!header.is_object())
        fail(label, "header is not a JSON object");

    SafetensorsHeader out;
    out.dataStart = 8 + n;
    const std::uint64_t dataSize = file.size() - out.dataStart;

    for (const auto& [name, value] : header.items()) {
        if (name == "__metadata__") {
            if (!value.is_object())
                fail(label, "__metadata__ must be an object of strings");
            for (const auto& [k, v] : value.items()) {
                if (!v.is_string())
                    fail(label,
                         "__metadata__['" + printable(k) + "'] must be a string, got " +
                             printable(v.dump(-1, ' ', false, json::error_handler_t::replace)));
                out.metadata.emplace(k, v.get<std::string>());
            }
            continue;
        }
        const std::string where = "tensor '" + printable(name) + "'";
        if (name.empty())
            fail(label, "a tensor has an empty name");
        if (!value.is_object())
            fail(label, where + " must be an object with dtype, shape and data_offsets");
        for (const auto& [k, _] : value.items())
            if (k != "dtype" && k != "shape" && k != "data_offsets")
                fail(label, where + " has unknown field '" + printable(k) + "'");
        if (!value.contains("dtype") || !value["dtype"].is_string())
            fail(label, where + " has no string 'dtype'");
        if (!value.contains("shape") || !value["shape"].is_array())
            fail(label, where + " has no 'shape' array");
        if (!value.contains("data_offsets") || !value["data_offsets"].is_array() ||
            value["data_offsets"].size() != 2)
            fail(label, where + " needs 'data_offsets' as [begin, end]");

        TensorEntry e;
        e.name = name;
        const auto dtypeText = value["dtype"].get<std::string>();
        const auto dtype = dtypeFromName(dtypeText);
        if (!dtype)
            fail(label,
                 where + " has unsupported dtype '" + printable(dtypeText) +
                     "' (supported: " + supportedDTypeNames() + ")",
                 ErrorCode::Unsupported);
        e.dtype = *dtype;

        // Every partial product of the non-zero dims must fit in int64, so numel() never
        // overflows even when a later zero dim makes the tensor empty.
        std::uint64_t nonZero = 1;
        bool overflow = false, empty = false;
        for (const auto& d : value["shape"]) {
            const auto dim = requireUnsigned(d, label, where + " shape entry");
            if (dim > static_cast<std::uint64_t>(INT64_MAX))
                overflow = true;
            e.shape.push_back(static_cast<std::int64_t>(dim));
            if (dim == 0)
                empty = true;
            else if (__builtin_mul_overflow(nonZero, dim, &nonZero) ||
                     nonZero > static_cast<std::uint64_t>(INT64_MAX))
                overflow = true;
        }
        const std::uint64_t numel = empty ? 0 : nonZero;
        std::uint64_t bytes = 0;
        if (overflow || __builtin_mul_overflow(numel, dtypeSize(e.dtype), &bytes))
            fail(label, where + " shape is too large");
        e.begin = requireUnsigned(value["data_offsets"][0], label, where + " data_offsets[0]");
        e.end = requireUnsigned(value["data_offsets"][1], label, where + " data_offsets[1]");
        if (e.end < e.begin)
            fail(label, where + " data_offsets end " + std::to_string(e.end) + " is before begin " +
                            std::to_string(e.begin));
        if (e.end > dataSize)
            fail(label, where + " data_offsets [" + std::to_string(e.begin) + ", " +
                            std::to_string(e.end) + "] run past the " + std::to_string(dataSize) +
                            "-byte data section");
        if (e.end - e.begin != bytes)
            fail(label, where + " spans " + std::to_string(e.end - e.begin) +
                            " bytes but shape x " + dtypeName(e.dtype) + " needs " +
                            std::to_string(bytes));
        out.tensors.push_back(std::move(e));
    }

    // Tensors must tile the data section exactly: no overlaps, no holes, no trailing bytes.
    std::stable_sort(out.tensors.begin(), out.tensors.end(), [](const auto& a, const auto& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    std::uint64_t cursor = 0;
    const TensorEntry* previous = nullptr;
    for (const auto& e : out.tensors) {
        if (e.begin < cursor)
            fail(label, "tensor '" + printable(e.name) + "' overlaps tensor '" +
                            printable(previous->name) + "'");
        if (e.begin > cursor)
            fail(label, "there is a " + std::to_string(e.begin - cursor) +
                            "-byte hole in the data section before tensor '" + printable(e.name) +
                            "'");
        cursor = e.end;
        previous = &e;
    }
    if (cursor != dataSize)
        fail(label, "data section is " + std::to_string(dataSize) +
                        " bytes but the tensors cover " + std::to_string(cursor));
    out.buildIndex();
    return out;
}

std::string pickleRefusal(const std::filesystem::path& path) {
    return path.string() +
           ": pickle-format weights are never loaded (unpickling runs arbitrary code); convert the "
           "file to safetensors first, e.g. with the 'safetensors' Python package "
           "(safetensors.torch.save_file) or diffusers' save_pretrained(safe_serialization=True)";
}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
    if (isPickleWeightFile(path))
        throw EngineError(ErrorCode::Unsupported, pickleRefusal(path));
    SafetensorsFile f;
    f.m_file = MappedFile::open(path);
    f.m_header = parseSafetensors(f.m_file->bytes(), path.string());
    return f;
}

const std::filesystem::path& SafetensorsFile::path() const {
    return m_file->path();
}

std::span<const std::byte> SafetensorsFile::bytes(const TensorEntry& entry) const {
    return m_file->bytes().subspan(m_header.dataStart + entry.begin, entry.byteSize());
}

void writeSafetensors(const std::filesystem::path& path,
                      std::span<const TensorWrite> tensors,
                      const std::map<std::string, std::string>& metadata) {
    json header = json::object();
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    std::set<std::string> names;
    std::uint64_t offset = 0;
    for (const auto& t : tensors) {
        if (t.name.empty() || t.name == "__metadata__")
            throw EngineError(ErrorCode::InvalidArgument,
                              path.string() + ": invalid tensor name '" + t.name + "'");
        if (!names.insert(t.name).second)
            throw EngineError(ErrorCode::InvalidArgument,
                              path.string() + ": tensor '" + t.name + "' is given twice");
        std::uint64_t numel = 1;
        for (auto d : t.shape) {
            if (d < 0)
                throw EngineError(ErrorCode::InvalidArgument,
                                  path.string() + ": tensor '" + t.name + "' has a negative dim");
            numel *= static_cast<std::uint64_t>(d);
        }
        if (numel * dtypeSize(t.dtype) != t.data.size())
            throw EngineError(ErrorCode::InvalidArgument,
                              path.string() + ": tensor '" + t.name + "' has " +
                                  std::to_string(t.data.size()) + " bytes, shape x dtype needs " +
                                  std::to_string(numel * dtypeSize(t.dtype)));
        header[t.name] = {{"dtype", dtypeName(t.dtype)},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + t.data.size()}}};
        offset += t.data.size();
    }
    std::string text = header.dump();
    // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
    text.append((8 - text.size() % 8) % 8, ' ');
    writeFileAtomically(path, [&](std::ostream& out) {
        std::uint64_t n = text.size();
        char len[8];
        for (int i = 0; i < 8; ++i)
            len[i] = static_cast<char>((n >> (8 * i)) & 0xff);
        out.write(len, 8);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        for (const auto& t : tensors)
            out.write(reinterpret_cast<const char*>(t.data.data()),
                      static_cast<std::streamsize>(t.data.size()));
    });
}

}  // namespace mp
