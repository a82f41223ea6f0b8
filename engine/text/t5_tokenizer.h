#pragma once
// The T5 tokenizer of Latte's and CogVideoX's text encoder (t5-v1_1-xxl) on Debian's SentencePiece
// library, from a folder's spiece.model. What transformers adds around SentencePiece is done here:
// special tokens (</s>, <pad>, <unk>, <extra_id_N>) matched literally in the text before the rest
// is encoded, the <extra_id_N> ids counted down from the top of the vocabulary (N = 0 is the
// largest id), EOS appended, truncation to max − 1 tokens + EOS, right padding with <pad> (0).
// Torch-free. Built only where SentencePiece is (MP_HAVE_SENTENCEPIECE).

#include "text/clip_tokenizer.h"  // TokenizedText

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace mp::text {

class T5Tokenizer {
public:
    // A tokenizer folder with spiece.model, and tokenizer_config.json / special_tokens_map.json
    // when present (extra_ids, model_max_length). Throws EngineError{NotFound|Format|Config}
    // naming the file.
    static T5Tokenizer fromFolder(const std::filesystem::path& dir);
    // A serialized SentencePiece model (the bytes of a spiece.model); `label` names it in errors.
    static T5Tokenizer fromModelBytes(const std::string& bytes,
                                      const std::string& label,
                                      std::int64_t extraIds = 100,
                                      std::int64_t modelMaxLength = 512);

    T5Tokenizer(T5Tokenizer&&) noexcept;
    T5Tokenizer& operator=(T5Tokenizer&&) noexcept;
    ~T5Tokenizer();

    // Ids ending in EOS; truncation to maxLength (EOS kept) and right padding to maxLength when
    // asked. maxLength <= 0 uses modelMaxLength().
    TokenizedText encode(std::string_view text,
                         std::int64_t maxLength = 0,
                         bool padToMax = true,
                         bool truncate = true) const;
    // The pieces of one text without EOS, for inspection (<extra_id_N> as themselves).
    std::vector<std::string> pieces(std::string_view text) const;

    std::int64_t eosId() const { return m_eosId; }
    std::int64_t padId() const { return m_padId; }
    std::int64_t unkId() const { return m_unkId; }
    std::int64_t modelMaxLength() const { return m_modelMaxLength; }
    std::int64_t vocabSize() const { return m_pieceCount + m_extraIds; }  // with the extra ids

private:
    T5Tokenizer() = default;
    struct Segment {
        bool special = false;
        std::string text;
    };
    std::vector<Segment> splitSpecial(std::string_view text) const;
    std::int64_t specialId(const std::string& token) const;
    // SentencePiece's pieces of plain text, each word re-segmented with transformers' tie rule.
    std::vector<std::pair<std::string, std::int64_t>> encodePlain(const std::string& text) const;
    void resegment(const std::string& word,
                   std::vector<std::pair<std::string, std::int64_t>>& out) const;

    std::unique_ptr<sentencepiece::SentencePieceProcessor> m_sp;
    std::unordered_map<std::string, std::pair<std::int64_t, double>> m_pieces;  // normal pieces
    std::size_t m_longestPiece = 0;  // bytes
    std::string m_label;
    std::int64_t m_pieceCount = 0, m_extraIds = 100, m_modelMaxLength = 512;
    std::int64_t m_eosId = 1, m_padId = 0, m_unkId = 2;
};

}  // namespace mp::text
