#!/usr/bin/env python3
"""Golden ids for the CLIP tokenizer, produced by transformers' CLIPTokenizer.

Real CLIP vocabularies cannot be downloaded where this runs, so the script learns a small
byte-level BPE vocabulary of its own (same layout as CLIP's: 256 byte characters, their "</w>"
forms, the merges, then <|startoftext|> and <|endoftext|>) and writes two tokenizer folders:

    tests/data/golden/clip_tokenizer/sd2/     pad "!" in tokenizer_config.json (ModelScope/SD-2)
    tests/data/golden/clip_tokenizer/openai/  special_tokens_map.json only, default pad, and a
                                              vocabulary without "~" so unknown bytes occur

and, for each, golden.json with >= 200 captions (accents, scripts, emoji, punctuation, numbers,
whitespace, special-token literals, very long text) and transformers' ids: padded/truncated to
77 with the attention mask, and unpadded. tests/engine/tst_clip_tokenizer.cpp compares.

    python3 tools/golden/clip_tokenizer.py --out tests/data/golden/clip_tokenizer
"""

import argparse
import collections
import json
import os
import shutil

import regex
import transformers
from transformers import CLIPTokenizer

SPLIT = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTES = bytes_to_unicode()

CORPUS = """
a red circle moves from left to right on a white background
a blue square slides up and down while a green triangle spins slowly
a man is walking his dog in the park on a sunny afternoon
a monkey walking on the beach, a cat walking on the beach
two people are dancing the tango in a crowded ballroom at night
a car is driving along a mountain road surrounded by pine trees
the camera pans across a city skyline at sunset with glowing windows
a horse gallops through a field of tall grass under a cloudy sky
an astronaut rides a horse on the moon in a photorealistic style
a skateboarder performs a kickflip over a set of concrete stairs
waves crash against rocky cliffs while seagulls circle overhead
a chef chops vegetables quickly on a wooden cutting board
children are playing football in the schoolyard during the break
a timelapse of flowers blooming in a garden in spring
a robot arm assembles small parts on a factory conveyor belt
it's raining heavily and the streets are flooded; they'll stay inside
she's running, he's jumping, we're watching, you've seen it, I'm here
the quick brown fox jumps over the lazy dog 1234567890 times
""" * 3


def learn_merges(text, count):
    words = collections.Counter()
    for line in text.lower().splitlines():
        for w in SPLIT.findall(line):
            words[tuple(BYTES[b] for b in w.encode("utf-8"))] += 1
    vocab = {tuple(w[:-1]) + (w[-1] + "</w>",): c for w, c in words.items()}
    merges = []
    for _ in range(count):
        pairs = collections.Counter()
        for w, c in vocab.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        new = {}
        for w, c in vocab.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new[tuple(out)] = c
        vocab = new
    return merges


def build_vocab(merges, drop=()):
    base = [c for b, c in sorted(BYTES.items()) if c not in drop]
    order = sorted(base, key=lambda c: ord(c))
    tokens = order + [c + "</w>" for c in order]
    kept = []
    for a, b in merges:
        if any(d in a or d in b for d in drop):
            continue
        kept.append((a, b))
        if a + b not in tokens:
            tokens.append(a + b)
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    return {t: i for i, t in enumerate(tokens)}, kept


def captions():
    caps = [line for line in CORPUS.strip().splitlines()][:18]
    caps += [
        "", " ", "   leading and trailing spaces   ", "tabs\tand\nnew\r\nlines",
        "multiple     spaces", "non\u00a0breaking\u3000ideographic\u2009thin space",
        "UPPER CASE TEXT", "MiXeD cAsE wOrDs", "ΣΊΣΥΦΟΣ ΟΔΟΣ", "İstanbul İzmir",
        "café naïve résumé façade", "cafe\u0301 combining accent", "Å vs \u212b angstrom",
        "a\u0323\u0307 dot order a\u0307\u0323", "\u1100\u1161\u11a8 hangul jamo", "한국어 문장입니다",
        "中文句子，带有标点。", "日本語の文章です、カタカナとひらがな", "Привет, как дела?",
        "مرحبا بالعالم", "नमस्ते दुनिया", "שלום עולם", "ελληνικά γράμματα",
        "emoji 😊🎉🚀 party", "family 👨\u200d👩\u200d👧\u200d👦 zwj", "flags 🇩🇪🇯🇵",
        "skin tones 👍🏽👋🏿", "hearts ❤️💙💚", "falsé.", "92000", "3.14159", "1,000,000 dollars",
        "½ ¾ ² ³ Ⅻ ٣٤ ①", "year 2024-11-22 at 10:30pm", "it's", "IT'S", "they'll've",
        "'s at start", "don't stop", "rock 'n' roll", "o'clock", "the dog's bone's",
        "hello!!!", "wait... what?!", "@user #hashtag $100 50% a&b", "email me: a.b@c.de",
        "https://example.com/path?q=1&r=2", "<html><b>bold</b></html>", "C++ and C# code",
        "snake_case and kebab-case", "quotes \"double\" and 'single' and “curly” ‘ones’",
        "dashes – — and ellipsis …", "math: x² + y² = z², ∑, ∞, √2", "currency € £ ¥ ₹",
        "<|endoftext|>", "<|startoftext|>hello<|endoftext|>", "<|ENDOFTEXT|> upper",
        "text with <|endoftext|> inside", "pad ! token", "!", "a!b!c", "control \x07 bell",
        "zero\u200bwidth", "bom\ufeffmark", "ligature ﬁne ﬂow", "fullwidth ＡＢＣ１２３",
        "subscript H₂O CO₂", "roman Ⅳ ⅳ", "superscript x⁽²⁾",
        "a " * 100, "word " * 80, "supercalifragilisticexpialidocious " * 5,
        "a red circle moves from left to right on a white background. " * 8,
    ]
    subjects = ["a cat", "a dog", "a red car", "two birds", "an old man", "a young woman",
                "a robot", "a tiny mouse", "the golden retriever", "a blue whale"]
    actions = ["is walking", "runs quickly", "is jumping over a fence", "swims in the ocean",
               "dances", "flies above the clouds", "is sleeping", "eats an apple"]
    places = ["in the park", "on Mars", "at the café", "under the bridge", "near 5th Avenue",
              "in Zürich", "during the storm!", "at 3 a.m."]
    i = 0
    while len(caps) < 230:
        s, a, p = subjects[i % 10], actions[(i * 3) % 8], places[(i * 5) % 8]
        style = i % 4
        cap = f"{s} {a} {p}"
        if style == 1:
            cap = cap.upper()
        elif style == 2:
            cap = cap.title() + ", 4K, highly detailed"
        elif style == 3:
            cap = f"{cap}; it's {i} o'clock"
        caps.append(cap)
        i += 1
    return caps


def write_folder(folder, vocab, merges, config, special_map):
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    if config is not None:
        with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
            json.dump(config, f, indent=2)
    if special_map is not None:
        with open(os.path.join(folder, "special_tokens_map.json"), "w") as f:
            json.dump(special_map, f, indent=2)


def golden(folder, caps):
    tok = CLIPTokenizer.from_pretrained(folder)
    padded = tok(caps, padding="max_length", max_length=77, truncation=True)
    full = [tok(c)["input_ids"] for c in caps]
    data = {
        "transformers_version": transformers.__version__,
        "tokenizer_class": type(tok).__name__,
        "special_ids": {"bos": tok.bos_token_id, "eos": tok.eos_token_id,
                        "pad": tok.pad_token_id, "unk": tok.unk_token_id},
        "captions": caps,
        "max_length": 77,
        "padded_ids": padded["input_ids"],
        "attention_mask": padded["attention_mask"],
        "full_ids": full,
        "tokens": [tok.convert_ids_to_tokens(ids) for ids in full],
    }
    with open(os.path.join(folder, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=0)
    return data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    merges = learn_merges(CORPUS, 600)
    caps = captions()

    vocab, kept = build_vocab(merges)
    sd2 = os.path.join(args.out, "sd2")
    write_folder(sd2, vocab, kept,
                 {"model_max_length": 77, "pad_token": "!", "bos_token": "<|startoftext|>",
                  "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
                  "do_lower_case": True, "tokenizer_class": "CLIPTokenizer"},
                 {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "!",
                  "unk_token": "<|endoftext|>"})
    d = golden(sd2, caps)
    print(f"sd2: {len(vocab)} tokens, {len(kept)} merges, {len(caps)} captions, "
          f"pad id {d['special_ids']['pad']}, class {d['tokenizer_class']}")

    vocab, kept = build_vocab(merges, drop=("~",))
    openai = os.path.join(args.out, "openai")
    special = {"content": "<|endoftext|>", "lstrip": False, "normalized": True,
               "rstrip": False, "single_word": False}
    write_folder(openai, vocab, kept, None,
                 {"bos_token": dict(special, content="<|startoftext|>"), "eos_token": special,
                  "unk_token": special})
    d = golden(openai, caps + ["tilde ~ unknown ~~ a~b"])
    print(f"openai: {len(vocab)} tokens, {len(kept)} merges, pad id {d['special_ids']['pad']}")


if __name__ == "__main__":
    main()
