#pragma once
// The T5 tokenizer of Latte's and CogVideoX's text encoder (t5-v1_1-xxl), read from a folder's
// spiece.model (a SentencePiece Unigram model) with our own reader, so that it needs no library:
// - the model file is parsed as protobuf wire data (pieces, scores, types; the normaliser's
//   precompiled character map and whitespace flags);
// - text is normalised as SentencePiece does (the longest match in the character map's
//   double-array trie, a "▁" in front, runs of spaces collapsed, spaces as "▁");
// - each word (a "▁" and what follows up to the next) is segmented by transformers' Unigram
//   Viterbi (tokenizers' tie rule; an unknown character costs the lowest score − 10, runs of
//   unknowns fuse into one <unk>);
// - what transformers adds around it: special tokens (</s>, <pad>, <unk>, <extra_id_N>) matched
//   literally before the rest is encoded, the <extra_id_N> ids counted down from the top of the
//   vocabulary (N = 0 is the largest id), EOS appended, truncation to max − 1 tokens + EOS, right
//   padding with <pad> (0).
// Torch-free.

#include "text/clip_tokenizer.h"  // TokenizedText

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mp::text {

class T5Tokenizer {
public:
    // A tokenizer folder with spiece.model, or else tokenizer.json (transformers 5 saves only
    // that: the same Unigram vocabulary, scores and character map), and tokenizer_config.json
    // when present (extra_ids, model_max_length). Throws EngineError{NotFound|Format|Config}
    // naming the file.
    static T5Tokenizer fromFolder(const std::filesystem::path& dir);
    // The text of a tokenizers tokenizer.json holding a T5 Unigram model.
    static T5Tokenizer fromTokenizerJson(const std::string& text,
                                         const std::string& label,
                                         std::int64_t extraIds = 100,
                                         std::int64_t modelMaxLength = 512);
    // A serialized SentencePiece model (the bytes of a spiece.model); `label` names it in errors.
    static T5Tokenizer fromModelBytes(const std::string& bytes,
                                      const std::string& label,
                                      std::int64_t extraIds = 100,
                                      std::int64_t modelMaxLength = 512);

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
    struct RawPiece {
        std::string text;
        double score = 0;
        int type = 1;  // SentencePiece's: 1 normal, 2 unknown, 3 control, 4 user-defined, ...
    };
    // The vocabulary and the normaliser's character map (a size, a double array, replacements).
    void setModel(const std::vector<RawPiece>& pieces, std::string_view charsmap);
    struct Segment {
        bool special = false;
        std::string text;
    };
    std::vector<Segment> splitSpecial(std::string_view text) const;
    std::int64_t specialId(const std::string& token) const;
    // SentencePiece's normalisation of plain text: the character map, "▁" in front and for
    // spaces, runs of spaces collapsed, none at either end.
    std::string normalize(std::string_view text) const;
    // The longest character-map rule at the start of `text`: (replacement, bytes consumed), or
    // the first character itself (U+FFFD for a malformed byte).
    std::pair<std::string_view, std::size_t> normalizePrefix(std::string_view text) const;
    // The pieces of plain text: normalised, cut into words, each segmented by segmentWord.
    std::vector<std::pair<std::string, std::int64_t>> encodePlain(const std::string& text) const;
    void segmentWord(std::string_view word,
                     std::vector<std::pair<std::string, std::int64_t>>& out) const;

    std::unordered_map<std::string, std::pair<std::int64_t, double>> m_pieces;  // normal pieces
    std::size_t m_longestPiece = 0;                                             // bytes
    double m_unknownScore = 0;          // the lowest piece score − 10, as tokenizers' Unigram
    std::vector<std::uint32_t> m_trie;  // the character map's double-array units
    std::string m_replacements;         // its NUL-terminated replacement strings
    bool m_addDummyPrefix = true, m_removeExtraWhitespaces = true, m_escapeWhitespaces = true;
    std::string m_label;
    std::int64_t m_pieceCount = 0, m_extraIds = 100, m_modelMaxLength = 512;
    std::int64_t m_eosId = 1, m_padId = 0, m_unkId = 2;
};

}  // namespace mp::text
