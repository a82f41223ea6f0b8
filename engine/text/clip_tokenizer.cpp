#include "text/clip_tokenizer.h"

#include "core/error.h"
#include "io/file_util.h"
#include "io/json_util.h"
#include "text/unicode.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace mp::text {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void formatError(const fs::path& file, const std::string& what) {
    throw EngineError(ErrorCode::Format, printable(file.filename().string()) + ": " + what);
}

// A special token in tokenizer_config.json / special_tokens_map.json: a string or an
// AddedToken-style object with "content".
std::optional<std::string> tokenString(const nlohmann::json& j) {
    if (j.is_string())
        return j.get<std::string>();
    if (j.is_object() && j.contains("content") && j["content"].is_string())
        return j["content"].get<std::string>();
    return std::nullopt;
}

nlohmann::json readJson(const fs::path& path) {
    return parseJsonStrict(readTextFile(path, 64u << 20), path.filename().string());
}

// CLIP's pre-tokenizer split, on normalised text (whitespace is a single space by then):
//   's 't 're 've 'm 'll 'd | \p{L}+ | \p{N} | [^\s\p{L}\p{N}]+
// Leftmost alternative first at every position, as the regex engine does; spaces are dropped.
// transformers 5 splits a lowercased "<|endoftext|>" typed in upper case into "<|", "endoftext"
// and "|>" (its split has no special-token alternatives), and so do we.
std::vector<std::u32string> splitWords(const std::u32string& s) {
    static const std::u32string kContractions[] = {U"'s", U"'t",  U"'re", U"'ve",
                                                   U"'m", U"'ll", U"'d"};
    std::vector<std::u32string> words;
    std::size_t i = 0;
    while (i < s.size()) {
        const char32_t c = s[i];
        const auto contraction = std::find_if(
            std::begin(kContractions), std::end(kContractions),
            [&](const std::u32string& lit) { return s.compare(i, lit.size(), lit) == 0; });
        if (contraction != std::end(kContractions)) {
            words.push_back(*contraction);
            i += contraction->size();
            continue;
        }
        std::size_t j = i;
        if (isLetter(c)) {
            while (j < s.size() && isLetter(s[j]))
                ++j;
        } else if (isNumber(c)) {
            j = i + 1;
        } else if (!isWhitespace(c)) {
            while (j < s.size() && !isWhitespace(s[j]) && !isLetter(s[j]) && !isNumber(s[j]))
                ++j;
        } else {
            ++i;  // whitespace separates and is removed
            continue;
        }
        words.push_back(s.substr(i, j - i));
        i = j;
    }
    return words;
}

}  // namespace

ClipTokenizer::ClipTokenizer(std::unordered_map<std::string, std::int64_t> vocab,
                             const std::vector<std::pair<std::string, std::string>>& merges,
                             SpecialTokens specials,
                             std::int64_t modelMaxLength)
    : m_vocab(std::move(vocab)), m_specials(std::move(specials)), m_modelMaxLength(modelMaxLength) {
    std::int64_t maxId = -1;
    for (const auto& [token, id] : m_vocab) {
        if (id < 0 || id > std::int64_t(50'000'000))
            throw EngineError(ErrorCode::Format,
                              "vocab.json: token id " + std::to_string(id) + " is out of range");
        maxId = std::max(maxId, id);
    }
    m_idToToken.assign(static_cast<std::size_t>(maxId + 1), std::string());
    for (const auto& [token, id] : m_vocab)
        m_idToToken[static_cast<std::size_t>(id)] = token;
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [a, b] = merges[rank];
        auto ia = m_vocab.find(a), ib = m_vocab.find(b), im = m_vocab.find(a + b);
        if (ia == m_vocab.end() || ib == m_vocab.end() || im == m_vocab.end())
            throw EngineError(ErrorCode::Format, "merges.txt: merge " + std::to_string(rank + 1) +
                                                     " ('" + printable(a) + " " + printable(b) +
                                                     "') uses a token that is not in vocab.json");
        // A pair listed twice keeps its first rank (real merges files list each pair once).
        m_merges.emplace(std::pair{ia->second, ib->second},
                         std::pair{static_cast<std::int64_t>(rank), im->second});
    }
    m_bosId = idOf(m_specials.bos, "bos_token");
    m_eosId = idOf(m_specials.eos, "eos_token");
    m_unkId = idOf(m_specials.unk, "unk_token");
    m_padId = idOf(m_specials.pad, "pad_token");
    m_specialStrings = {m_specials.bos, m_specials.eos, m_specials.unk, m_specials.pad};
    std::sort(m_specialStrings.begin(), m_specialStrings.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    m_specialStrings.erase(std::unique(m_specialStrings.begin(), m_specialStrings.end()),
                           m_specialStrings.end());
    if (m_modelMaxLength < 2)
        throw EngineError(ErrorCode::Config, "tokenizer: model_max_length must be at least 2");

    // GPT-2's reversible byte → unicode map: printable Latin-1 bytes map to themselves, the rest
    // to 256 + n in byte order.
    int n = 0;
    for (int b = 0; b < 256; ++b) {
        const bool printableByte =
            (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        std::string ch;
        appendUtf8(ch, printableByte ? char32_t(b) : char32_t(256 + n++));
        m_byteChars[b] = ch;
    }
}

std::int64_t ClipTokenizer::idOf(const std::string& token, const char* role) const {
    auto it = m_vocab.find(token);
    if (it == m_vocab.end())
        throw EngineError(ErrorCode::Config, std::string("tokenizer: ") + role + " '" +
                                                 printable(token) + "' is not in vocab.json");
    return it->second;
}

namespace {

std::unordered_map<std::string, std::int64_t> vocabFromJson(const nlohmann::json& json,
                                                            const fs::path& file) {
    if (!json.is_object() || json.empty())
        formatError(file, "expected a JSON object mapping tokens to ids");
    std::unordered_map<std::string, std::int64_t> vocab;
    for (const auto& [token, id] : json.items()) {
        if (!id.is_number_integer())
            formatError(file, "token '" + printable(token) + "' has a non-integer id");
        vocab.emplace(token, id.get<std::int64_t>());
    }
    return vocab;
}

std::pair<std::string, std::string> splitMerge(const std::string& line,
                                               const fs::path& file,
                                               const char* what,
                                               std::size_t lineNo) {
    const auto space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 >= line.size() ||
        line.find(' ', space + 1) != std::string::npos)
        formatError(file, std::string(what) + " " + std::to_string(lineNo) +
                              " is not two tokens separated by one space");
    return {line.substr(0, space), line.substr(space + 1)};
}

}  // namespace

ClipTokenizer ClipTokenizer::fromFolder(const fs::path& dir) {
    const fs::path vocabPath = dir / "vocab.json", mergesPath = dir / "merges.txt";
    const fs::path fastPath = dir / "tokenizer.json";
    std::unordered_map<std::string, std::int64_t> vocab;
    std::vector<std::pair<std::string, std::string>> merges;
    std::error_code ec;
    if (!fs::exists(vocabPath, ec) && fs::exists(fastPath, ec)) {
        // transformers 5 saves only tokenizer.json: the same BPE, vocabulary and merges inside.
        const auto fast = readJson(fastPath);
        if (!fast.is_object() || !fast.contains("model") || !fast["model"].is_object())
            formatError(fastPath, "expected an object with a 'model' object");
        const auto& model = fast["model"];
        if (model.value("type", std::string()) != "BPE")
            formatError(fastPath, "model.type must be \"BPE\" for a CLIP tokenizer");
        if (!model.contains("vocab") || !model.contains("merges") || !model["merges"].is_array())
            formatError(fastPath, "model must hold 'vocab' and a 'merges' list");
        vocab = vocabFromJson(model["vocab"], fastPath);
        std::size_t n = 0;
        for (const auto& m : model["merges"]) {
            ++n;
            if (m.is_string())
                merges.push_back(splitMerge(m.get<std::string>(), fastPath, "merge", n));
            else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
                merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
            else
                formatError(fastPath,
                            "merge " + std::to_string(n) + " must be \"a b\" or [\"a\", \"b\"]");
        }
    } else {
        vocab = vocabFromJson(readJson(vocabPath), vocabPath);
        const std::string mergesText = readTextFile(mergesPath, 64u << 20);
        std::size_t lineNo = 0, pos = 0;
        while (pos < mergesText.size()) {
            std::size_t end = mergesText.find('\n', pos);
            if (end == std::string::npos)
                end = mergesText.size();
            std::string line = mergesText.substr(pos, end - pos);
            pos = end + 1;
            ++lineNo;
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            if (line.rfind("#version", 0) == 0 || (line.empty() && pos >= mergesText.size()))
                continue;
            merges.push_back(splitMerge(line, mergesPath, "line", lineNo));
        }
    }

    // Special tokens: tokenizer_config.json, then special_tokens_map.json overriding it unless
    // the config lists its added tokens itself (transformers' precedence), then the defaults.
    SpecialTokens specials;
    std::int64_t maxLength = 77;
    nlohmann::json config = nlohmann::json::object(), map = nlohmann::json::object();
    if (fs::exists(dir / "tokenizer_config.json", ec))
        config = readJson(dir / "tokenizer_config.json");
    if (fs::exists(dir / "special_tokens_map.json", ec))
        map = readJson(dir / "special_tokens_map.json");
    if (!config.is_object())
        formatError(dir / "tokenizer_config.json", "expected a JSON object");
    if (!map.is_object())
        formatError(dir / "special_tokens_map.json", "expected a JSON object");
    const bool useMap = !config.contains("added_tokens_decoder");
    auto pick = [&](const char* key, std::string& slot) {
        for (const auto* source : {&config, useMap ? &map : nullptr}) {
            if (!source || !source->contains(key) || (*source)[key].is_null())
                continue;
            auto s = tokenString((*source)[key]);
            if (!s)
                formatError(source == &config ? dir / "tokenizer_config.json"
                                              : dir / "special_tokens_map.json",
                            std::string("key '") + key + "' must be a string or {\"content\": …}");
            slot = *s;
        }
    };
    pick("bos_token", specials.bos);
    pick("eos_token", specials.eos);
    pick("unk_token", specials.unk);
    pick("pad_token", specials.pad);
    if (config.contains("model_max_length") && config["model_max_length"].is_number()) {
        const double v = config["model_max_length"].get<double>();
        // transformers writes 1e30 for "unbounded"; CLIP's position table is 77 long anyway.
        maxLength = (v >= 2 && v <= 1e6) ? static_cast<std::int64_t>(v) : 77;
    }
    return ClipTokenizer(std::move(vocab), merges, std::move(specials), maxLength);
}

std::vector<ClipTokenizer::Piece> ClipTokenizer::splitSpecial(std::string_view text) const {
    std::vector<Piece> pieces;
    std::size_t start = 0, i = 0;
    while (i < text.size()) {
        const std::string* hit = nullptr;
        for (const auto& s : m_specialStrings)
            if (!s.empty() && text.compare(i, s.size(), s) == 0) {
                hit = &s;
                break;
            }
        if (!hit) {
            ++i;
            continue;
        }
        if (i > start)
            pieces.push_back({false, std::string(text.substr(start, i - start))});
        pieces.push_back({true, *hit});
        i += hit->size();
        start = i;
    }
    if (start < text.size())
        pieces.push_back({false, std::string(text.substr(start))});
    return pieces;
}

void ClipTokenizer::bpe(const std::string& word, std::vector<std::int64_t>& out) const {
    // Symbols start as single byte-level characters; the last carries "</w>".
    std::vector<std::string> chars;
    for (std::size_t i = 0; i < word.size();) {
        const auto lead = static_cast<unsigned char>(word[i]);
        const std::size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        chars.push_back(word.substr(i, len));
        i += len;
    }
    if (chars.empty())
        return;
    chars.back() += "</w>";
    std::vector<std::int64_t> symbols;
    for (const auto& c : chars) {
        auto it = m_vocab.find(c);
        symbols.push_back(it == m_vocab.end() ? -1 : it->second);  // -1: unknown, never merges
    }
    for (;;) {
        std::int64_t bestRank = std::numeric_limits<std::int64_t>::max(), bestId = -1;
        std::pair<std::int64_t, std::int64_t> bestPair{-1, -1};
        for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
            if (symbols[i] < 0 || symbols[i + 1] < 0)
                continue;
            auto it = m_merges.find({symbols[i], symbols[i + 1]});
            if (it != m_merges.end() && it->second.first < bestRank) {
                bestRank = it->second.first;
                bestId = it->second.second;
                bestPair = it->first;
            }
        }
        if (bestId < 0)
            break;
        std::vector<std::int64_t> next;
        for (std::size_t i = 0; i < symbols.size(); ++i) {
            if (i + 1 < symbols.size() && symbols[i] == bestPair.first &&
                symbols[i + 1] == bestPair.second) {
                next.push_back(bestId);
                ++i;
            } else {
                next.push_back(symbols[i]);
            }
        }
        symbols.swap(next);
    }
    for (auto id : symbols)
        out.push_back(id < 0 ? m_unkId : id);
}

std::vector<std::int64_t> ClipTokenizer::contentIds(std::string_view text) const {
    std::vector<std::int64_t> ids;
    for (const auto& piece : splitSpecial(text)) {
        if (piece.special) {
            ids.push_back(m_vocab.at(piece.text));
            continue;
        }
        // Normaliser: NFC, every whitespace run → one space, lowercase.
        const std::u32string nfc = toNfc(decodeUtf8(piece.text));
        std::u32string spaced;
        for (std::size_t i = 0; i < nfc.size();) {
            if (isWhitespace(nfc[i])) {
                spaced.push_back(U' ');
                while (i < nfc.size() && isWhitespace(nfc[i]))
                    ++i;
            } else {
                spaced.push_back(nfc[i++]);
            }
        }
        for (const auto& word : splitWords(toLowercase(spaced))) {
            std::string mapped;
            for (unsigned char b : encodeUtf8(word))
                mapped += m_byteChars[b];
            bpe(mapped, ids);
        }
    }
    return ids;
}

TokenizedText ClipTokenizer::encode(std::string_view text,
                                    std::int64_t maxLength,
                                    bool padToMax,
                                    bool truncate) const {
    if (maxLength <= 0)
        maxLength = m_modelMaxLength;
    if (maxLength < 2)
        throw EngineError(ErrorCode::InvalidArgument, "tokenizer: max_length must be at least 2");
    return frameTokens(contentIds(text), m_bosId, m_eosId, m_padId, maxLength, padToMax, truncate);
}

TokenizedText frameTokens(std::vector<std::int64_t> content,
                          std::int64_t bos,
                          std::int64_t eos,
                          std::int64_t pad,
                          std::int64_t maxLength,
                          bool padToMax,
                          bool truncate) {
    const std::int64_t framing = bos >= 0 ? 2 : 1;
    TokenizedText t;
    if (truncate && static_cast<std::int64_t>(content.size()) > maxLength - framing) {
        content.resize(static_cast<std::size_t>(std::max<std::int64_t>(0, maxLength - framing)));
        t.truncated = true;
    }
    if (bos >= 0)
        t.ids.push_back(bos);
    t.ids.insert(t.ids.end(), content.begin(), content.end());
    t.ids.push_back(eos);
    t.attentionMask.assign(t.ids.size(), 1);
    while (padToMax && static_cast<std::int64_t>(t.ids.size()) < maxLength) {
        t.ids.push_back(pad);
        t.attentionMask.push_back(0);
    }
    return t;
}

}  // namespace mp::text
