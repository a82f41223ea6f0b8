#!/usr/bin/env python3
"""Golden ids for the T5 tokenizer, from transformers.

The tokenizer folder tests/data/golden/t5_tokenizer holds a small SentencePiece model trained by
tools/golden/make_spiece.cpp with T5's settings, T5's tokenizer_config.json and
special_tokens_map.json (100 extra ids), and captions.json (varied captions: plain English,
spacing, punctuation, digits, accents, CJK, emoji, special-token strings, long ones). This writes
golden.json beside them: for every caption the ids and attention mask of
tokenizer(caption, max_length=120, padding="max_length", truncation=True), as LattePipeline
calls it, and the ids without padding or truncation; plus the tokenizer's class, the library
versions, and the ids of <extra_id_0> and <extra_id_99>. With --save DIR it also writes the
tokenizer as transformers saves it (tokenizer.json), for the tokenizer.json-only loading path.

    python3 tools/golden/t5_tokenizer.py --folder tests/data/golden/t5_tokenizer
"""

import argparse
import json
import os

import transformers
from transformers import AutoTokenizer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", required=True)
    parser.add_argument("--out", help="where golden.json goes (default: the folder)")
    parser.add_argument("--save", help="also save_pretrained the tokenizer here")
    args = parser.parse_args()
    tok = AutoTokenizer.from_pretrained(args.folder)
    captions = json.load(open(os.path.join(args.folder, "captions.json"), encoding="utf-8"))
    rows = []
    for c in captions:
        padded = tok(c, max_length=120, padding="max_length", truncation=True)
        plain = tok(c)
        rows.append(dict(caption=c, ids=padded["input_ids"], mask=padded["attention_mask"],
                         ids_full=plain["input_ids"]))
    try:
        import sentencepiece
        sp_version = sentencepiece.__version__
    except ImportError:
        sp_version = None
    golden = dict(tokenizer_class=type(tok).__name__, transformers=transformers.__version__,
                  sentencepiece=sp_version, max_length=120,
                  extra_ids=tok.convert_tokens_to_ids(["<extra_id_0>", "<extra_id_99>"]),
                  vocab_size=len(tok), rows=rows)
    out = args.out or args.folder
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=0)
    if args.save:
        tok.save_pretrained(args.save)
    print(f"{type(tok).__name__}: {len(rows)} captions, extra ids {golden['extra_ids']}, "
          f"vocab {golden['vocab_size']}")


if __name__ == "__main__":
    main()
