#include "toy/vocabulary.h"

#include "io/file_util.h"
#include "io/json_util.h"
#include "toy/world.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <sstream>

namespace mp::toy {

namespace {

std::string utf8(char32_t c) {
    std::string s;
    if (c < 0x80) {
        s += static_cast<char>(c);
    } else if (c < 0x800) {
        s += static_cast<char>(0xC0 | (c >> 6));
        s += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        s += static_cast<char>(0xE0 | (c >> 12));
        s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (c & 0x3F));
    }
    return s;
}

// GPT-2/CLIP's bytes_to_unicode: printable bytes stand for themselves, the others are moved to
// 256 + n; returned in CLIP's vocabulary order (the printable ranges first).
std::vector<std::pair<int, std::string>> byteSymbols() {
    std::vector<int> bs;
    for (int b = '!'; b <= '~'; ++b)
        bs.push_back(b);
    for (int b = 0xA1; b <= 0xAC; ++b)
        bs.push_back(b);
    for (int b = 0xAE; b <= 0xFF; ++b)
        bs.push_back(b);
    std::vector<std::pair<int, std::string>> out;
    for (int b : bs)
        out.emplace_back(b, utf8(static_cast<char32_t>(b)));
    int n = 0;
    for (int b = 0; b < 256; ++b)
        if (std::find(bs.begin(), bs.end(), b) == bs.end())
            out.emplace_back(b, utf8(static_cast<char32_t>(256 + n++)));
    return out;
}

// CLIP's pre-tokenisation for the world's ASCII captions: runs of letters, runs of other
// non-space characters; lower case.
std::vector<std::string> words(const std::string& text) {
    std::vector<std::string> out;
    std::string w;
    int kind = 0;  // 1 letters, 2 other
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        const int k = std::isalpha(u) ? 1 : std::isspace(u) ? 0 : 2;
        if (k != kind && !w.empty()) {
            out.push_back(w);
            w.clear();
        }
        kind = k;
        if (k)
            w += static_cast<char>(std::tolower(u));
    }
    if (!w.empty())
        out.push_back(w);
    return out;
}

// The texts both vocabularies are learnt from: every caption phrasing and the four kinds of
// edit caption of `clips` random clips (styles, a quarter with two subjects).
template <class Fn>
void forEachCorpusText(int clips, Fn&& fn) {
    WorldOptions o;
    o.styles = true;
    o.twoSubjects = 0.25;
    for (int i = 0; i < clips; ++i) {
        const auto spec = randomClip(static_cast<std::uint64_t>(i), o);
        fn(caption(spec, i));
        for (int k = 0; k < 4; ++k)
            fn(caption(edit(spec, static_cast<EditKind>(k), i), i + k + 1));
    }
}

}  // namespace

BpeVocabulary learnVocabulary(int clips) {
    // Word counts over the corpus.
    std::map<std::string, long long> counts;
    forEachCorpusText(clips, [&](const std::string& t) {
        for (const auto& w : words(t))
            ++counts[w];
    });
    // Each word as symbols, "</w>" on the last.
    std::vector<std::pair<std::vector<std::string>, long long>> corpus;
    for (const auto& [word, count] : counts) {
        std::vector<std::string> symbols;
        for (char c : word)
            symbols.emplace_back(1, c);
        symbols.back() += "</w>";
        corpus.emplace_back(std::move(symbols), count);
    }
    BpeVocabulary v;
    for (const auto& [b, s] : byteSymbols())
        v.tokens.push_back(s);
    for (const auto& [b, s] : byteSymbols())
        v.tokens.push_back(s + "</w>");
    for (;;) {
        std::map<std::pair<std::string, std::string>, long long> pairs;
        for (const auto& [symbols, count] : corpus)
            for (std::size_t i = 0; i + 1 < symbols.size(); ++i)
                pairs[{symbols[i], symbols[i + 1]}] += count;
        if (pairs.empty())
            break;
        // Most frequent; among equals the first in text order (std::map order).
        auto best = pairs.begin();
        for (auto it = pairs.begin(); it != pairs.end(); ++it)
            if (it->second > best->second)
                best = it;
        const auto [a, b] = best->first;
        v.merges.emplace_back(a, b);
        v.tokens.push_back(a + b);
        for (auto& [symbols, count] : corpus) {
            std::vector<std::string> merged;
            for (std::size_t i = 0; i < symbols.size(); ++i) {
                if (i + 1 < symbols.size() && symbols[i] == a && symbols[i + 1] == b) {
                    merged.push_back(a + b);
                    ++i;
                } else {
                    merged.push_back(symbols[i]);
                }
            }
            symbols = std::move(merged);
        }
    }
    v.tokens.push_back("<|startoftext|>");
    v.tokens.push_back("<|endoftext|>");
    return v;
}

void writeTokenizer(const BpeVocabulary& v, const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    nlohmann::ordered_json vocab;
    for (std::size_t i = 0; i < v.tokens.size(); ++i)
        vocab[v.tokens[i]] = i;
    writeFileAtomically(dir / "vocab.json", [&](std::ostream& s) { s << vocab.dump() << "\n"; });
    writeFileAtomically(dir / "merges.txt", [&](std::ostream& s) {
        s << "#version: 0.2\n";
        for (const auto& [a, b] : v.merges)
            s << a << " " << b << "\n";
    });
    const nlohmann::ordered_json special = {{"bos_token", "<|startoftext|>"},
                                            {"eos_token", "<|endoftext|>"},
                                            {"pad_token", "<|endoftext|>"},
                                            {"unk_token", "<|endoftext|>"}};
    writeJsonAtomically(dir / "special_tokens_map.json", special);
    nlohmann::ordered_json config = special;
    config["add_prefix_space"] = false;
    config["clean_up_tokenization_spaces"] = false;
    config["do_lower_case"] = true;
    config["errors"] = "replace";
    config["model_max_length"] = 77;
    config["tokenizer_class"] = "CLIPTokenizer";
    writeJsonAtomically(dir / "tokenizer_config.json", config);
    writeJsonAtomically(dir / "tokenizer.json", fastTokenizerJson(v));
}

// What transformers' CLIP converter builds from vocab.json and merges.txt (a tokenizers
// Tokenizer, serialised): NFC, whitespace runs to one space and lower case; CLIP's word pattern
// (the special tokens whole, contractions, letter runs, single digits, other runs), then bytes
// as characters; BPE with "</w>" ending a word; bos … eos around the ids.
nlohmann::ordered_json fastTokenizerJson(const BpeVocabulary& v) {
    const auto id = [&](const std::string& token) {
        const auto it = std::find(v.tokens.begin(), v.tokens.end(), token);
        return static_cast<std::int64_t>(it - v.tokens.begin());
    };
    const std::string bos = "<|startoftext|>", eos = "<|endoftext|>";
    const auto added = [&](const std::string& token) {
        return nlohmann::ordered_json{{"id", id(token)}, {"content", token}, {"single_word", false},
                                      {"lstrip", false}, {"rstrip", false},  {"normalized", true},
                                      {"special", true}};
    };
    nlohmann::ordered_json vocab = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < v.tokens.size(); ++i)
        vocab[v.tokens[i]] = i;
    nlohmann::ordered_json merges = nlohmann::ordered_json::array();
    for (const auto& [a, b] : v.merges)
        merges.push_back(a + " " + b);
    const auto byteLevel = [](bool prefixSpace) {
        return nlohmann::ordered_json{{"type", "ByteLevel"},
                                      {"add_prefix_space", prefixSpace},
                                      {"trim_offsets", true},
                                      {"use_regex", true}};
    };
    nlohmann::ordered_json j;
    j["version"] = "1.0";
    j["truncation"] = nullptr;
    j["padding"] = nullptr;
    j["added_tokens"] = {added(bos), added(eos)};
    j["normalizer"] = {{"type", "Sequence"},
                       {"normalizers",
                        {{{"type", "NFC"}},
                         {{"type", "Replace"}, {"pattern", {{"Regex", "\\s+"}}}, {"content", " "}},
                         {{"type", "Lowercase"}}}}};
    j["pre_tokenizer"] = {
        {"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern",
            {{"Regex", "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"}}},
           {"behavior", "Removed"},
           {"invert", true}},
          byteLevel(false)}}};
    j["post_processor"] = {{"type", "RobertaProcessing"},
                           {"sep", {eos, id(eos)}},
                           {"cls", {bos, id(bos)}},
                           {"trim_offsets", false},
                           {"add_prefix_space", false}};
    j["decoder"] = byteLevel(true);
    j["model"] = {{"type", "BPE"},
                  {"dropout", nullptr},
                  {"unk_token", eos},
                  {"continuing_subword_prefix", ""},
                  {"end_of_word_suffix", "</w>"},
                  {"fuse_unk", false},
                  {"byte_fallback", false},
                  {"ignore_merges", false},
                  {"vocab", vocab},
                  {"merges", merges}};
    return j;
}

void copyTokenizer(const std::filesystem::path& from, const std::filesystem::path& to) {
    std::filesystem::create_directories(to);
    for (const char* f : {"vocab.json", "merges.txt", "tokenizer_config.json",
                          "special_tokens_map.json", "tokenizer.json"})
        std::filesystem::copy_file(from / f, to / f,
                                   std::filesystem::copy_options::overwrite_existing);
}

}  // namespace mp::toy

namespace mp::toy {

namespace {

const std::string kSpace = "\xE2\x96\x81";  // "▁", SentencePiece's space

// Protobuf wire data, the few kinds a ModelProto needs.
struct ProtoWriter {
    std::string out;
    void varint(std::uint64_t v) {
        while (v >= 0x80) {
            out += static_cast<char>((v & 0x7F) | 0x80);
            v >>= 7;
        }
        out += static_cast<char>(v);
    }
    void tag(int field, int wire) { varint(static_cast<std::uint64_t>(field) << 3 | wire); }
    void integer(int field, std::int64_t v) {  // int32/enum/bool; negatives take 10 bytes
        tag(field, 0);
        varint(static_cast<std::uint64_t>(v));
    }
    void bytes(int field, const std::string& b) {
        tag(field, 2);
        varint(b.size());
        out += b;
    }
    void real(int field, float v) {
        tag(field, 5);
        char b[4];
        std::memcpy(b, &v, 4);  // little-endian hosts only, as every target of ours is
        out.append(b, 4);
    }
};

std::vector<std::string> extraIds() {
    std::vector<std::string> ids;
    for (int i = 0; i < 100; ++i)
        ids.push_back("<extra_id_" + std::to_string(i) + ">");
    return ids;
}

}  // namespace

UnigramVocabulary learnUnigramVocabulary(int clips) {
    // Piece counts over the corpus: a whitespace-separated chunk's leading letters become
    // "▁word", what follows (punctuation) single characters.
    std::map<std::string, long long> counts;
    long long total = 0;
    forEachCorpusText(clips, [&](const std::string& t) {
        std::istringstream chunks(t);
        for (std::string chunk; chunks >> chunk;) {
            std::size_t letters = 0;
            while (letters < chunk.size() &&
                   std::isalpha(static_cast<unsigned char>(chunk[letters])))
                ++letters;
            ++counts[kSpace + chunk.substr(0, letters)];
            ++total;
            for (std::size_t c = letters; c < chunk.size(); ++c, ++total)
                ++counts[std::string(1, chunk[c])];
        }
    });
    UnigramVocabulary v;
    float lowest = 0;
    for (const auto& [piece, count] : counts) {
        const auto score =
            static_cast<float>(std::log(static_cast<double>(count) / static_cast<double>(total)));
        v.pieces.emplace_back(piece, score);
        lowest = std::min(lowest, score);
    }
    // Most frequent first (as SentencePiece orders a trained model), ties by the text.
    std::stable_sort(v.pieces.begin(), v.pieces.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    // The fallback: "▁" and each printable character, all below any word, so that a word of
    // the world is always one piece.
    const auto have = [&](const std::string& p) {
        return std::any_of(v.pieces.begin(), v.pieces.end(),
                           [&](const auto& e) { return e.first == p; });
    };
    const float fallback = std::floor(lowest) - 2;
    if (!have(kSpace))
        v.pieces.emplace_back(kSpace, fallback);
    for (char c = '!'; c <= '~'; ++c)
        if (!have(std::string(1, c)))
            v.pieces.emplace_back(std::string(1, c), fallback - 1);
    return v;
}

std::string sentencePieceModel(const UnigramVocabulary& v) {
    ProtoWriter model;
    const auto piece = [&](const std::string& text, float score, int type) {
        ProtoWriter p;  // SentencePiece {piece = 1, score = 2, type = 3 (1 normal, 2 unknown,
                        // 3 control)}
        p.bytes(1, text);
        p.real(2, score);
        if (type != 1)
            p.integer(3, type);
        model.bytes(1, p.out);
    };
    piece("<pad>", 0, 3);
    piece("</s>", 0, 3);
    piece("<unk>", 0, 2);
    for (const auto& [text, score] : v.pieces)
        piece(text, score, 1);
    ProtoWriter trainer;    // TrainerSpec: what T5's own spiece.model says
    trainer.integer(3, 1);  // model_type UNIGRAM
    trainer.integer(4, static_cast<std::int64_t>(v.pieces.size() + 3));  // vocab_size
    trainer.integer(40, 2);                                              // unk_id
    trainer.integer(41, -1);                                             // bos_id: none
    trainer.integer(42, 1);                                              // eos_id
    trainer.integer(43, 0);                                              // pad_id
    trainer.bytes(45, "<unk>");
    trainer.bytes(47, "</s>");
    trainer.bytes(48, "<pad>");
    model.bytes(2, trainer.out);
    ProtoWriter normalizer;  // NormalizerSpec: identity, dummy prefix, whitespace as "▁"
    normalizer.bytes(1, "identity");
    normalizer.integer(3, 1);
    normalizer.integer(4, 1);
    normalizer.integer(5, 1);
    model.bytes(3, normalizer.out);
    return model.out;
}

void writeT5Tokenizer(const UnigramVocabulary& v, const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    const auto bytes = sentencePieceModel(v);
    writeFileAtomically(dir / "spiece.model", [&](std::ostream& s) { s << bytes; });
    const nlohmann::ordered_json special = {{"eos_token", "</s>"},
                                            {"unk_token", "<unk>"},
                                            {"pad_token", "<pad>"},
                                            {"additional_special_tokens", extraIds()}};
    writeJsonAtomically(dir / "special_tokens_map.json", special);
    const nlohmann::ordered_json config = {{"tokenizer_class", "T5Tokenizer"},
                                           {"extra_ids", 100},
                                           {"additional_special_tokens", extraIds()},
                                           {"model_max_length", 512},
                                           {"eos_token", "</s>"},
                                           {"unk_token", "<unk>"},
                                           {"pad_token", "<pad>"}};
    writeJsonAtomically(dir / "tokenizer_config.json", config);
    writeJsonAtomically(dir / "tokenizer.json", t5TokenizerJson(v));
}

nlohmann::ordered_json t5TokenizerJson(const UnigramVocabulary& v) {
    // The layout transformers 5 saves for a T5 tokenizer, with no Precompiled normaliser (the
    // model's is the identity): transformers releases that turn spiece.model's empty character
    // map into a Precompiled normaliser fail on it ("Cannot parse precompiled_charsmap"), and
    // read this file first.
    const auto token = [](std::int64_t id, const std::string& text) {
        return nlohmann::ordered_json{{"id", id},        {"content", text}, {"single_word", false},
                                      {"lstrip", false}, {"rstrip", false}, {"normalized", false},
                                      {"special", true}};
    };
    nlohmann::ordered_json vocab = nlohmann::ordered_json::array();
    nlohmann::ordered_json added = nlohmann::ordered_json::array();
    for (const char* special : {"<pad>", "</s>", "<unk>"}) {
        added.push_back(token(static_cast<std::int64_t>(vocab.size()), special));
        vocab.push_back({special, 0.0});
    }
    for (const auto& [text, score] : v.pieces)  // the scores as spiece.model stores them
        vocab.push_back({text, static_cast<double>(static_cast<float>(score))});
    for (int n = 99; n >= 0; --n) {  // <extra_id_0> takes the largest id
        const auto text = "<extra_id_" + std::to_string(n) + ">";
        added.push_back(token(static_cast<std::int64_t>(vocab.size()), text));
        vocab.push_back({text, 0.0});
    }
    const nlohmann::ordered_json metaspace = {{"type", "Metaspace"},
                                              {"replacement", "\u2581"},
                                              {"prepend_scheme", "always"},
                                              {"split", true}};
    const nlohmann::ordered_json a = {{"Sequence", {{"id", "A"}, {"type_id", 0}}}};
    const nlohmann::ordered_json b = {{"Sequence", {{"id", "B"}, {"type_id", 0}}}};
    const nlohmann::ordered_json eos = {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}};
    return {
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens", added},
        {"normalizer", nullptr},
        {"pre_tokenizer",
         {{"type", "Sequence"},
          {"pretokenizers",
           nlohmann::ordered_json::array({{{"type", "WhitespaceSplit"}}, metaspace})}}},
        {"post_processor",
         {{"type", "TemplateProcessing"},
          {"single", nlohmann::ordered_json::array({a, eos})},
          {"pair", nlohmann::ordered_json::array({a, eos, b, eos})},
          {"special_tokens", {{"</s>", {{"id", "</s>"}, {"ids", {1}}, {"tokens", {"</s>"}}}}}}}},
        {"decoder", metaspace},
        {"model",
         {{"type", "Unigram"}, {"unk_id", 2}, {"vocab", vocab}, {"byte_fallback", false}}}};
}

void copyT5Tokenizer(const std::filesystem::path& from, const std::filesystem::path& to) {
    std::filesystem::create_directories(to);
    for (const char* f :
         {"spiece.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"})
        std::filesystem::copy_file(from / f, to / f,
                                   std::filesystem::copy_options::overwrite_existing);
}

}  // namespace mp::toy
