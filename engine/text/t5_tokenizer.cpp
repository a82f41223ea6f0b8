#include "text/t5_tokenizer.h"

#include "core/error.h"
#include "io/file_util.h"
#include "io/json_util.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <cctype>

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

}  // namespace

T5Tokenizer::T5Tokenizer(T5Tokenizer&&) noexcept = default;
T5Tokenizer& T5Tokenizer::operator=(T5Tokenizer&&) noexcept = default;
T5Tokenizer::~T5Tokenizer() = default;

T5Tokenizer T5Tokenizer::fromModelBytes(const std::string& bytes,
                                        const std::string& label,
                                        std::int64_t extraIds,
                                        std::int64_t modelMaxLength) {
    T5Tokenizer t;
    t.m_sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
    const auto status = t.m_sp->LoadFromSerializedProto(bytes);
    if (!status.ok())
        throw EngineError(ErrorCode::Format,
                          label + ": not a SentencePiece model (" + status.ToString() + ")");
    t.m_label = label;
    t.m_pieceCount = t.m_sp->GetPieceSize();
    t.m_extraIds = extraIds;
    t.m_modelMaxLength = modelMaxLength;
    // T5's model defines <pad> 0, </s> 1, <unk> 2; read them rather than assume.
    const auto idOf = [&](const char* piece) {
        const int id = t.m_sp->PieceToId(piece);
        if (id < 0 || id >= t.m_pieceCount || t.m_sp->IdToPiece(id) != piece)
            throw EngineError(ErrorCode::Config,
                              label + ": the model has no " + std::string(piece) + " piece");
        return std::int64_t{id};
    };
    for (int id = 0; id < t.m_sp->GetPieceSize(); ++id) {
        if (t.m_sp->IsControl(id) || t.m_sp->IsUnknown(id) || t.m_sp->IsUnused(id) ||
            t.m_sp->IsByte(id))
            continue;
        const auto& piece = t.m_sp->IdToPiece(id);
        t.m_pieces.emplace(piece, std::pair{std::int64_t{id}, double{t.m_sp->GetScore(id)}});
        t.m_longestPiece = std::max(t.m_longestPiece, piece.size());
    }
    t.m_eosId = idOf("</s>");
    t.m_padId = idOf("<pad>");
    t.m_unkId = t.m_sp->unk_id();
    return t;
}

T5Tokenizer T5Tokenizer::fromFolder(const fs::path& dir) {
    const auto model = dir / "spiece.model";
    std::error_code ec;
    if (!fs::exists(model, ec))
        throw EngineError(ErrorCode::NotFound,
                          printable(dir.string()) +
                              ": no spiece.model (a T5 tokenizer folder holds SentencePiece's "
                              "spiece.model)");
    std::int64_t extraIds = 100, maxLength = 512;
    if (fs::exists(dir / "tokenizer_config.json", ec)) {
        const auto config = readJsonObject(dir / "tokenizer_config.json");
        if (config.contains("extra_ids")) {
            if (!config["extra_ids"].is_number_integer() || config["extra_ids"].get<std::int64_t>() < 0 ||
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

std::vector<std::pair<std::string, std::int64_t>> T5Tokenizer::encodePlain(
    const std::string& text) const {
    std::vector<std::string> pieces;
    if (const auto status = m_sp->Encode(text, &pieces); !status.ok())
        throw EngineError(ErrorCode::InvalidArgument,
                          m_label + ": cannot encode the text (" + status.ToString() + ")");
    // SentencePiece and transformers find the same best score, but where two segmentations of a
    // word tie ("!!!" as "!!" "!" or "!" "!!") they break the tie differently. So each word (a
    // piece starting with "▁" and those after it) is segmented again with transformers' rule;
    // words holding unknown characters keep SentencePiece's pieces (the two agree there).
    static const std::string kSpace = "\xe2\x96\x81";  // ▁
    std::vector<std::pair<std::string, std::int64_t>> out;
    std::size_t i = 0;
    while (i < pieces.size()) {
        std::size_t j = i + 1;
        while (j < pieces.size() && pieces[j].rfind(kSpace, 0) != 0)
            ++j;
        std::string word;
        bool known = true;
        for (std::size_t k = i; k < j; ++k) {
            word += pieces[k];
            known = known && m_pieces.count(pieces[k]) > 0;
        }
        if (known) {
            resegment(word, out);
        } else {
            for (std::size_t k = i; k < j; ++k)
                out.emplace_back(pieces[k], m_sp->PieceToId(pieces[k]));
        }
        i = j;
    }
    return out;
}

// transformers' Unigram Viterbi (tokenizers' encode_optimized): scores summed in double, start
// positions taken in order, a later candidate replacing the best only when strictly better.
void T5Tokenizer::resegment(const std::string& word,
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
    for (std::size_t s = 0; s < n; ++s) {
        if (!reached[s])
            continue;
        for (std::size_t len = 1; len <= m_longestPiece && s + len <= n; ++len) {
            const auto it = m_pieces.find(word.substr(s, len));
            if (it == m_pieces.end())
                continue;
            const double score = best[s].score + it->second.second;
            auto& b = best[s + len];
            if (!reached[s + len] || score > b.score) {
                b = {score, s, it->second.first};
                reached[s + len] = true;
            }
        }
    }
    if (!reached[n]) {  // cannot happen: SentencePiece's own pieces cover the word
        out.emplace_back(word, m_unkId);
        return;
    }
    std::vector<std::pair<std::string, std::int64_t>> reversed;
    for (std::size_t e = n; e > 0; e = best[e].start)
        reversed.emplace_back(word.substr(best[e].start, e - best[e].start), best[e].id);
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
