#pragma once
// CLIP's byte-level BPE tokenizer as transformers 5 runs it (the Rust `tokenizers` pipeline;
// docs/design/clip-tokenizer-notes.md): special tokens matched literally first; then NFC,
// whitespace runs → one space, per-character lowercase; CLIP's split regex; byte-to-unicode
// mapping; BPE with "</w>" on each word's last symbol; [bos] … [eos]; truncation keeps the eos;
// right padding with the pad token read from the folder (ModelScope's is "!", id 0, not the class
// default). Torch-free.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mp::text {

struct TokenizedText {
    std::vector<std::int64_t> ids;
    std::vector<std::int64_t> attentionMask;  // 1 for bos … eos, 0 for padding
    bool truncated = false;
};

// [bos] content eos, content truncated (when asked) so that the whole fits maxLength, then right
// padding with `pad` (mask 0) up to maxLength when asked: the framing CLIP's and T5's tokenizers
// share (T5 has no bos: bos < 0).
TokenizedText frameTokens(std::vector<std::int64_t> content,
                          std::int64_t bos,
                          std::int64_t eos,
                          std::int64_t pad,
                          std::int64_t maxLength,
                          bool padToMax,
                          bool truncate);

class ClipTokenizer {
public:
    // A tokenizer folder: vocab.json and merges.txt (or only tokenizer.json, as transformers 5
    // saves it), plus tokenizer_config.json and/or
    // special_tokens_map.json when present. Throws EngineError{NotFound|Format|Config} naming
    // the file.
    static ClipTokenizer fromFolder(const std::filesystem::path& dir);

    struct SpecialTokens {
        std::string bos = "<|startoftext|>";
        std::string eos = "<|endoftext|>";
        std::string unk = "<|endoftext|>";
        std::string pad = "<|endoftext|>";
    };
    ClipTokenizer(std::unordered_map<std::string, std::int64_t> vocab,
                  const std::vector<std::pair<std::string, std::string>>& merges,
                  SpecialTokens specials,
                  std::int64_t modelMaxLength = 77);

    // Ids with bos/eos; truncation to maxLength (eos kept) and right padding to maxLength when
    // asked. maxLength <= 0 uses modelMaxLength().
    TokenizedText encode(std::string_view text,
                         std::int64_t maxLength = 0,
                         bool padToMax = true,
                         bool truncate = true) const;

    std::int64_t bosId() const { return m_bosId; }
    std::int64_t eosId() const { return m_eosId; }
    std::int64_t padId() const { return m_padId; }
    std::int64_t modelMaxLength() const { return m_modelMaxLength; }
    std::size_t vocabSize() const { return m_idToToken.size(); }

private:
    struct Piece {
        bool special = false;
        std::string text;
    };
    std::vector<Piece> splitSpecial(std::string_view text) const;
    void bpe(const std::string& word, std::vector<std::int64_t>& out) const;
    std::vector<std::int64_t> contentIds(std::string_view text) const;
    std::int64_t idOf(const std::string& token, const char* role) const;

    std::unordered_map<std::string, std::int64_t> m_vocab;
    std::vector<std::string> m_idToToken;
    // (left id, right id) → (rank, merged id)
    std::map<std::pair<std::int64_t, std::int64_t>, std::pair<std::int64_t, std::int64_t>> m_merges;
    SpecialTokens m_specials;
    std::vector<std::string> m_specialStrings;  // longest first, for literal matching
    std::int64_t m_bosId = 0, m_eosId = 0, m_padId = 0, m_unkId = 0;
    std::int64_t m_modelMaxLength = 77;
    std::string m_byteChars[256];  // byte → its byte-level unicode character (UTF-8)
};

}  // namespace mp::text
