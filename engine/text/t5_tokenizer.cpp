#include "text/t5_tokenizer.h"

#include "core/error.h"
#include "io/file_util.h"
#include "io/json_util.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

namespace mp::text {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kExtraPrefix = "<extra_id_";

nlohmann::json readJsonObject(const fs::path& path) {
    auto j = parseJsonStrict(readTextFile(path, 64u << 20), path.filename().string());
    if (!j.is_object())
        throw EngineError(ErrorCode::Format,
                          printable(path.filename().string()) + ": expected a JSON object");
    return j;
}

// "<extra_id_N>" at `at`: its length and N, or 0.
std::size_t matchExtraId(std::string_view text, std::size_t at, std::int64_t& n) {
    if (text.compare(at, kExtraPrefix.size(), kExtraPrefix) != 0)
        return 0;
    std::size_t i = at + kExtraPrefix.size();
    const std::size_t digits = i;
    n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && i - digits < 9)
        n = n * 10 + (text[i++] - '0');
    if (i == digits || i >= text.size() || text[i] != '>')
        return 0;
    return i + 1 - at;
}

// A minimal protobuf wire reader: SentencePiece's ModelProto needs varints, fixed32 floats and
// length-delimited fields (strings, bytes, nested messages).
class WireReader {
public:
    WireReader(std::string_view data, const std::string& label) : m_data(data), m_label(label) {}
    bool done() const { return m_pos >= m_data.size(); }
    // The next field's number and wire type.
    std::pair<std::uint64_t, int> tag() {
        const auto t = varint();
        return {t >> 3, static_cast<int>(t & 7)};
    }
    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            need(1);
            const auto b = static_cast<unsigned char>(m_data[m_pos++]);
            v |= std::uint64_t{b & 0x7Fu} << shift;
            if (!(b & 0x80))
                return v;
        }
        fail("a varint longer than 10 bytes");
    }
    float fixed32() {
        need(4);
        std::uint32_t bits = 0;
        for (int i = 3; i >= 0; --i)
            bits = (bits << 8) |
                   static_cast<unsigned char>(m_data[m_pos + static_cast<std::size_t>(i)]);
        m_pos += 4;
        float f;
        std::memcpy(&f, &bits, 4);
        return f;
    }
    std::string_view bytes() {
        const auto n = varint();
        need(n);
        const auto out = m_data.substr(m_pos, n);
        m_pos += n;
        return out;
    }
    void skip(int wireType) {
        switch (wireType) {
            case 0:
                (void)varint();
                return;
            case 1:
                need(8);
                m_pos += 8;
                return;
            case 2:
                (void)bytes();
                return;
            case 5:
                need(4);
                m_pos += 4;
                return;
            default:
                fail("wire type " + std::to_string(wireType));
        }
    }

private:
    void need(std::uint64_t n) const {
        if (n > m_data.size() - m_pos)
            fail("data ends inside a field");
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw EngineError(ErrorCode::Format, m_label + ": not a SentencePiece model (" + what +
                                                 " at byte " + std::to_string(m_pos) + ")");
    }
    std::string_view m_data;
    const std::string& m_label;
    std::size_t m_pos = 0;
};

// SentencePiece's piece types.
enum PieceType {
    kNormal = 1,
    kUnknown = 2,
    kControl = 3,
    kUserDefined = 4,
    kUnused = 5,
    kByte = 6
};

// One UTF-8 character at the start of `s` as SentencePiece decodes it: its length, or 0 when
// malformed (continuation bits are not checked, the code point range is).
std::size_t utf8Length(std::string_view s) {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const auto valid = [](std::uint32_t c) { return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF); };
    if (b(0) < 0x80)
        return 1;
    if (s.size() >= 2 && (b(0) & 0xE0) == 0xC0) {
        const std::uint32_t c = ((b(0) & 0x1Fu) << 6) | (b(1) & 0x3Fu);
        return c >= 0x80 && valid(c) ? 2 : 0;
    }
    if (s.size() >= 3 && (b(0) & 0xF0) == 0xE0) {
        const std::uint32_t c = ((b(0) & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
        return c >= 0x800 && valid(c) ? 3 : 0;
    }
    if (s.size() >= 4 && (b(0) & 0xF8) == 0xF0) {
        const std::uint32_t c = ((b(0) & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) |
                                ((b(2) & 0x3Fu) << 6) | (b(3) & 0x3Fu);
        return c >= 0x10000 && valid(c) ? 4 : 0;
    }
    return 0;
}

// Standard base64 (tokenizer.json's precompiled_charsmap).
std::string decodeBase64(std::string_view in, const std::string& label) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : in) {
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else if (c == '=')
            break;
        else
            throw EngineError(ErrorCode::Format, label + ": precompiled_charsmap is not base64");
        buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    return out;
}

constexpr std::string_view kSpaceSymbol = "\xe2\x96\x81";  // ▁

}  // namespace

T5Tokenizer T5Tokenizer::fromModelBytes(const std::string& bytes,
                                        const std::string& label,
                                        std::int64_t extraIds,
                                        std::int64_t modelMaxLength) {
    T5Tokenizer t;
    t.m_label = label;
    t.m_extraIds = extraIds;
    t.m_modelMaxLength = modelMaxLength;
    std::vector<RawPiece> pieces;
    std::string_view charsmap;
    WireReader model(bytes, label);
    while (!model.done()) {
        const auto [field, wire] = model.tag();
        if (field == 1 && wire == 2) {  // SentencePiece {piece = 1, score = 2, type = 3}
            WireReader r(model.bytes(), label);
            RawPiece p;
            while (!r.done()) {
                const auto [f, w] = r.tag();
                if (f == 1 && w == 2)
                    p.text = std::string(r.bytes());
                else if (f == 2 && w == 5)
                    p.score = r.fixed32();
                else if (f == 3 && w == 0)
                    p.type = static_cast<int>(r.varint());
                else
                    r.skip(w);
            }
            pieces.push_back(std::move(p));
        } else if (field == 2 && wire == 2) {  // TrainerSpec: model_type = 3 (UNIGRAM = 1)
            WireReader r(model.bytes(), label);
            while (!r.done()) {
                const auto [f, w] = r.tag();
                if (f == 3 && w == 0) {
                    const auto type = r.varint();
                    if (type != 1)
                        throw EngineError(ErrorCode::Unsupported,
                                          label + ": a SentencePiece model of type " +
                                              std::to_string(type) +
                                              "; T5 tokenizers are Unigram models (type 1)");
                } else {
                    r.skip(w);
                }
            }
        } else if (field == 3 && wire == 2) {  // NormalizerSpec
            WireReader r(model.bytes(), label);
            while (!r.done()) {
                const auto [f, w] = r.tag();
                if (f == 2 && w == 2)
                    charsmap = r.bytes();
                else if (f == 3 && w == 0)
                    t.m_addDummyPrefix = r.varint() != 0;
                else if (f == 4 && w == 0)
                    t.m_removeExtraWhitespaces = r.varint() != 0;
                else if (f == 5 && w == 0)
                    t.m_escapeWhitespaces = r.varint() != 0;
                else
                    r.skip(w);
            }
        } else {
            model.skip(wire);
        }
    }
    if (pieces.empty())
        throw EngineError(ErrorCode::Format, label + ": not a SentencePiece model (no pieces)");
    t.setModel(pieces, charsmap);
    return t;
}

T5Tokenizer T5Tokenizer::fromTokenizerJson(const std::string& text,
                                           const std::string& label,
                                           std::int64_t extraIds,
                                           std::int64_t modelMaxLength) {
    const auto j = parseJsonStrict(text, label);
    const auto fail = [&](const std::string& what) -> EngineError {
        return EngineError(ErrorCode::Format, label + ": " + what);
    };
    if (!j.is_object() || !j.contains("model") || !j["model"].is_object() ||
        j["model"].value("type", "") != "Unigram" || !j["model"].contains("vocab") ||
        !j["model"]["vocab"].is_array())
        throw fail("not a tokenizers Unigram model (model.type Unigram with a vocab)");
    T5Tokenizer t;
    t.m_label = label;
    t.m_extraIds = extraIds;
    t.m_modelMaxLength = modelMaxLength;
    const auto& model = j["model"];
    // Special added tokens are SentencePiece's control pieces; the unknown is model.unk_id.
    std::unordered_map<std::int64_t, bool> special;
    if (j.contains("added_tokens") && j["added_tokens"].is_array())
        for (const auto& a : j["added_tokens"])
            if (a.is_object() && a.value("special", false) && a.contains("id") &&
                a["id"].is_number_integer())
                special[a["id"].get<std::int64_t>()] = true;
    const std::int64_t unk = model.contains("unk_id") && model["unk_id"].is_number_integer()
                                 ? model["unk_id"].get<std::int64_t>()
                                 : -1;
    std::vector<RawPiece> pieces;
    for (const auto& entry : model["vocab"]) {
        if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() ||
            !entry[1].is_number())
            throw fail("model.vocab entry " + std::to_string(pieces.size()) +
                       " is not [piece, score]");
        const auto id = static_cast<std::int64_t>(pieces.size());
        RawPiece p{entry[0].get<std::string>(), entry[1].get<double>(), kNormal};
        if (id == unk)
            p.type = kUnknown;
        else if (special.count(id))
            p.type = kControl;
        pieces.push_back(std::move(p));
    }
    // transformers appends the <extra_id_N> tokens to the vocabulary; ours count them apart.
    std::size_t extras = 0;
    while (extras < pieces.size() &&
           pieces[pieces.size() - 1 - extras].text.rfind(kExtraPrefix, 0) == 0)
        ++extras;
    if (extras > 0) {
        pieces.resize(pieces.size() - extras);
        t.m_extraIds = static_cast<std::int64_t>(extras);
    }
    // The normaliser: a Precompiled character map, alone or in a Sequence.
    std::string charsmap;
    const std::function<void(const nlohmann::json&)> findMap = [&](const nlohmann::json& n) {
        if (!n.is_object())
            return;
        if (n.value("type", "") == "Precompiled" && n.contains("precompiled_charsmap") &&
            n["precompiled_charsmap"].is_string())
            charsmap = decodeBase64(n["precompiled_charsmap"].get<std::string>(), label);
        if (n.contains("normalizers") && n["normalizers"].is_array())
            for (const auto& m : n["normalizers"])
                findMap(m);
    };
    if (j.contains("normalizer"))
        findMap(j["normalizer"]);
    t.setModel(pieces, charsmap);
    return t;
}

void T5Tokenizer::setModel(const std::vector<RawPiece>& pieces, std::string_view charsmap) {
    auto& t = *this;
    const auto& label = m_label;
    // The character map: a little-endian size, a darts-clone double array of that many bytes,
    // then the replacement strings.
    if (!charsmap.empty()) {
        std::uint32_t trieBytes = 0;
        if (charsmap.size() >= 4)
            for (int i = 3; i >= 0; --i)
                trieBytes = (trieBytes << 8) |
                            static_cast<unsigned char>(charsmap[static_cast<std::size_t>(i)]);
        if (charsmap.size() < 4 || trieBytes % 4 != 0 || trieBytes > charsmap.size() - 4)
            throw EngineError(ErrorCode::Format,
                              label + ": the normaliser's character map is malformed");
        t.m_trie.resize(trieBytes / 4);
        for (std::size_t i = 0; i < t.m_trie.size(); ++i) {
            std::uint32_t u = 0;
            for (int k = 3; k >= 0; --k)
                u = (u << 8) |
                    static_cast<unsigned char>(charsmap[4 + 4 * i + static_cast<std::size_t>(k)]);
            t.m_trie[i] = u;
        }
        t.m_replacements = std::string(charsmap.substr(4 + trieBytes));
        t.m_replacements.push_back('\0');
    }
    t.m_pieceCount = static_cast<std::int64_t>(pieces.size());
    double lowest = std::numeric_limits<double>::infinity();
    std::int64_t eos = -1, pad = -1, unk = -1;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const auto& p = pieces[i];
        const auto id = static_cast<std::int64_t>(i);
        if (p.type == kUnknown && unk < 0)
            unk = id;
        if (p.text == "</s>" && eos < 0)
            eos = id;
        if (p.text == "<pad>" && pad < 0)
            pad = id;
        if (p.type != kNormal && p.type != kUserDefined)
            continue;
        t.m_pieces.emplace(p.text, std::pair{id, p.score});
        t.m_longestPiece = std::max(t.m_longestPiece, p.text.size());
        lowest = std::min(lowest, p.score);
    }
    // T5's model defines <pad> 0, </s> 1, <unk> 2; read them rather than assume.
    for (const auto& [id, piece] : {std::pair{eos, "</s>"}, std::pair{pad, "<pad>"}})
        if (id < 0)
            throw EngineError(ErrorCode::Config,
                              label + ": the model has no " + std::string(piece) + " piece");
    if (unk < 0)
        throw EngineError(ErrorCode::Config, label + ": the model has no unknown piece");
    t.m_eosId = eos;
    t.m_padId = pad;
    t.m_unkId = unk;
    t.m_unknownScore = (std::isfinite(lowest) ? lowest : 0.0) - 10.0;
}

T5Tokenizer T5Tokenizer::fromFolder(const fs::path& dir) {
    const auto model = dir / "spiece.model";
    const auto json = dir / "tokenizer.json";
    std::error_code ec;
    const bool hasModel = fs::exists(model, ec);
    if (!hasModel && !fs::exists(json, ec))
        throw EngineError(ErrorCode::NotFound,
                          printable(dir.string()) +
                              ": no spiece.model or tokenizer.json (a T5 tokenizer folder holds "
                              "SentencePiece's spiece.model, or transformers 5's tokenizer.json)");
    std::int64_t extraIds = 100, maxLength = 512;
    if (fs::exists(dir / "tokenizer_config.json", ec)) {
        const auto config = readJsonObject(dir / "tokenizer_config.json");
        if (config.contains("extra_ids")) {
            if (!config["extra_ids"].is_number_integer() ||
                config["extra_ids"].get<std::int64_t>() < 0 ||
                config["extra_ids"].get<std::int64_t>() > 100000)
                throw EngineError(ErrorCode::Config,
                                  "tokenizer_config.json: extra_ids must be a count from 0");
            extraIds = config["extra_ids"].get<std::int64_t>();
        }
        if (config.contains("model_max_length") && config["model_max_length"].is_number()) {
            const double v = config["model_max_length"].get<double>();
            // transformers writes 1e30 for "unbounded".
            maxLength = (v >= 2 && v <= 1e6) ? static_cast<std::int64_t>(v) : 512;
        }
    }
    if (!hasModel)
        return fromTokenizerJson(readTextFile(json, 256u << 20),
                                 printable(json.filename().string()), extraIds, maxLength);
    return fromModelBytes(readTextFile(model, 256u << 20), printable(model.filename().string()),
                          extraIds, maxLength);
}

std::vector<T5Tokenizer::Segment> T5Tokenizer::splitSpecial(std::string_view text) const {
    static const std::string_view kSpecials[] = {"</s>", "<pad>", "<unk>"};
    std::vector<Segment> out;
    std::size_t start = 0, i = 0;
    while (i < text.size()) {
        std::size_t len = 0;
        if (text[i] == '<') {
            for (const auto s : kSpecials)
                if (text.compare(i, s.size(), s) == 0)
                    len = s.size();
            std::int64_t n = 0;
            if (!len) {
                len = matchExtraId(text, i, n);
                if (len && n >= m_extraIds)
                    len = 0;  // not a token of this vocabulary: plain text
            }
        }
        if (!len) {
            ++i;
            continue;
        }
        if (i > start)
            out.push_back({false, std::string(text.substr(start, i - start))});
        out.push_back({true, std::string(text.substr(i, len))});
        i += len;
        start = i;
    }
    if (start < text.size())
        out.push_back({false, std::string(text.substr(start))});
    return out;
}

std::int64_t T5Tokenizer::specialId(const std::string& token) const {
    if (token == "</s>")
        return m_eosId;
    if (token == "<pad>")
        return m_padId;
    if (token == "<unk>")
        return m_unkId;
    std::int64_t n = 0;
    matchExtraId(token, 0, n);
    return m_pieceCount + m_extraIds - 1 - n;
}

std::pair<std::string_view, std::size_t> T5Tokenizer::normalizePrefix(std::string_view text) const {
    // The longest rule whose key starts `text`: darts-clone's common-prefix search.
    std::size_t longest = 0;
    std::uint32_t value = 0;
    if (!m_trie.empty()) {
        const auto offset = [](std::uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); };
        std::size_t node = offset(m_trie[0]);
        for (std::size_t i = 0; i < text.size(); ++i) {
            const auto c = static_cast<unsigned char>(text[i]);
            node ^= c;
            if (node >= m_trie.size())
                break;
            const auto unit = m_trie[node];
            if ((unit & ((1u << 31) | 0xFFu)) != c)  // label
                break;
            node ^= offset(unit);
            if (node >= m_trie.size())
                break;
            if ((unit >> 8) & 1u) {  // has a leaf: a rule ends here
                longest = i + 1;
                value = m_trie[node] & ((1u << 31) - 1);
            }
        }
    }
    if (longest > 0 && value < m_replacements.size())
        return {std::string_view(m_replacements.c_str() + value), longest};
    const auto n = utf8Length(text);
    if (n == 0)
        return {"\xEF\xBF\xBD", 1};
    return {text.substr(0, n), n};
}

std::string T5Tokenizer::normalize(std::string_view text) const {
    std::string out;
    if (m_removeExtraWhitespaces)
        while (!text.empty()) {
            const auto [replacement, consumed] = normalizePrefix(text);
            if (replacement != " ")
                break;
            text.remove_prefix(consumed);
        }
    if (text.empty())
        return out;
    const auto space = [&] { out += m_escapeWhitespaces ? kSpaceSymbol : std::string_view(" "); };
    if (m_addDummyPrefix)
        space();
    bool previousSpace = m_removeExtraWhitespaces;
    while (!text.empty()) {
        auto [piece, consumed] = normalizePrefix(text);
        while (previousSpace && !piece.empty() && piece.front() == ' ')
            piece.remove_prefix(1);
        if (!piece.empty()) {
            for (const char c : piece) {
                if (m_escapeWhitespaces && c == ' ')
                    space();
                else
                    out.push_back(c);
            }
            previousSpace = piece.back() == ' ';
        }
        text.remove_prefix(consumed);
        if (!m_removeExtraWhitespaces)
            previousSpace = false;
    }
    if (m_removeExtraWhitespaces) {
        const std::string_view trailing = m_escapeWhitespaces ? kSpaceSymbol : " ";
        while (out.size() >= trailing.size() &&
               std::string_view(out).substr(out.size() - trailing.size()) == trailing)
            out.resize(out.size() - trailing.size());
    }
    return out;
}

std::vector<std::pair<std::string, std::int64_t>> T5Tokenizer::encodePlain(
    const std::string& text) const {
    // Words as transformers' Metaspace pre-tokenizer cuts them: each "▁" starts one.
    const auto normalized = normalize(text);
    std::vector<std::pair<std::string, std::int64_t>> out;
    std::size_t start = 0;
    while (start < normalized.size()) {
        auto next = normalized.find(kSpaceSymbol, start + 1);
        if (next == std::string::npos)
            next = normalized.size();
        segmentWord(std::string_view(normalized).substr(start, next - start), out);
        start = next;
    }
    return out;
}

// transformers' Unigram Viterbi (tokenizers' encode_optimized): scores summed in double, start
// positions taken in order, a later candidate replacing the best only when strictly better; where
// no one-character piece starts, the character is an unknown at the lowest score − 10, and runs of
// unknowns fuse into one.
void T5Tokenizer::segmentWord(std::string_view word,
                              std::vector<std::pair<std::string, std::int64_t>>& out) const {
    const std::size_t n = word.size();
    struct Best {
        double score = 0;
        std::size_t start = 0;
        std::int64_t id = -1;
    };
    std::vector<Best> best(n + 1);
    std::vector<bool> reached(n + 1, false);
    reached[0] = true;
    std::string key;
    for (std::size_t s = 0; s < n; ++s) {
        if (!reached[s])
            continue;
        const std::size_t charLength = std::max<std::size_t>(1, utf8Length(word.substr(s)));
        bool singleCharacter = false;
        const auto offer = [&](std::size_t end, double score, std::int64_t id) {
            auto& b = best[end];
            if (!reached[end] || score > b.score) {
                b = {score, s, id};
                reached[end] = true;
            }
        };
        for (std::size_t len = 1; len <= m_longestPiece && s + len <= n; ++len) {
            key.assign(word.substr(s, len));
            const auto it = m_pieces.find(key);
            if (it == m_pieces.end())
                continue;
            singleCharacter = singleCharacter || len == charLength;
            offer(s + len, best[s].score + it->second.second, it->second.first);
        }
        if (!singleCharacter && s + charLength <= n)
            offer(s + charLength, best[s].score + m_unknownScore, m_unkId);
    }
    std::vector<std::pair<std::string, std::int64_t>> reversed;
    for (std::size_t e = n; e > 0; e = best[e].start) {
        const auto piece = std::string(word.substr(best[e].start, e - best[e].start));
        if (best[e].id == m_unkId && !reversed.empty() && reversed.back().second == m_unkId)
            reversed.back().first.insert(0, piece);  // fused with the unknown after it
        else
            reversed.emplace_back(piece, best[e].id);
    }
    out.insert(out.end(), reversed.rbegin(), reversed.rend());
}

std::vector<std::string> T5Tokenizer::pieces(std::string_view text) const {
    std::vector<std::string> out;
    for (const auto& s : splitSpecial(text)) {
        if (s.special) {
            out.push_back(s.text);
            continue;
        }
        for (auto& [piece, id] : encodePlain(s.text))
            out.push_back(std::move(piece));
    }
    return out;
}

TokenizedText T5Tokenizer::encode(std::string_view text,
                                  std::int64_t maxLength,
                                  bool padToMax,
                                  bool truncate) const {
    if (maxLength <= 0)
        maxLength = m_modelMaxLength;
    if (maxLength < 1)
        throw EngineError(ErrorCode::InvalidArgument, "tokenizer: max_length must be at least 1");
    std::vector<std::int64_t> content;
    for (const auto& s : splitSpecial(text)) {
        if (s.special) {
            content.push_back(specialId(s.text));
            continue;
        }
        for (const auto& [piece, id] : encodePlain(s.text))
            content.push_back(id);
    }
    return frameTokens(std::move(content), -1, m_eosId, m_padId, maxLength, padToMax, truncate);
}

}  // namespace mp::text
