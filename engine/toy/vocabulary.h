#pragma once
// The toy world's CLIP tokenizer: a byte-level BPE learnt from the world's captions, in the files
// a CLIPTokenizer folder holds (vocab.json, merges.txt, tokenizer_config.json,
// special_tokens_map.json, and tokenizer.json for the fast tokenizers). Like CLIP's, its base is
// every byte and every byte ending a word
// ("</w>"), so any text still tokenizes; the merges make every word of the world one token.
// Deterministic: the most frequent pair is merged first, ties broken by the pair's text.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace mp::toy {

struct BpeVocabulary {
    std::vector<std::string> tokens;  // in id order: 512 byte symbols, the merges, bos, eos
    std::vector<std::pair<std::string, std::string>> merges;
};

// Learns the merges from the captions (and edit captions) of `clips` random clips.
BpeVocabulary learnVocabulary(int clips = 4000);

// Writes the tokenizer folder (each file atomically); creates `dir` if needed.
void writeTokenizer(const BpeVocabulary& vocabulary, const std::filesystem::path& dir);
// tokenizer.json: the same tokenizer as the tokenizers library serialises it.
nlohmann::ordered_json fastTokenizerJson(const BpeVocabulary& vocabulary);
// Copies the files writeTokenizer writes from one folder into another (a model folder's own
// tokenizer), creating it.
void copyTokenizer(const std::filesystem::path& from, const std::filesystem::path& to);

// The toy world's T5 tokenizer (the text encoder of the toy Latte): a SentencePiece Unigram
// model in T5's arrangement (<pad> 0, </s> 1, <unk> 2, no BOS, a dummy "▁" prefix, spaces as
// "▁"), written by us as protobuf wire data, so no SentencePiece library is needed to make it.
// Its pieces: every word of the world's captions with "▁" in front, scored by its log
// frequency, then "▁" and every printable ASCII character alone, scored below any word, so that
// free text still tokenizes (a word outside the world falls to its letters). Identity
// normalisation (no character map): the world's captions are ASCII. Deterministic.
struct UnigramVocabulary {
    std::vector<std::pair<std::string, float>> pieces;  // after <pad>, </s> and <unk>
};
UnigramVocabulary learnUnigramVocabulary(int clips = 4000);
// The bytes of spiece.model (a sentencepiece ModelProto).
std::string sentencePieceModel(const UnigramVocabulary& vocabulary);
// tokenizer.json as transformers 5 saves a T5 tokenizer: the same pieces and scores, the 100
// <extra_id_N> above them, no normaliser (the model's is the identity).
nlohmann::ordered_json t5TokenizerJson(const UnigramVocabulary& vocabulary);
// spiece.model, tokenizer.json, tokenizer_config.json and special_tokens_map.json as
// transformers' T5Tokenizer keeps them (100 <extra_id_N> tokens above the pieces); each file
// atomically, `dir` created.
void writeT5Tokenizer(const UnigramVocabulary& vocabulary, const std::filesystem::path& dir);
// Copies the files writeT5Tokenizer writes from one folder into another, creating it.
void copyT5Tokenizer(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace mp::toy
