#!/usr/bin/env python3
"""Golden tensors for the CLIP text encoder, produced by transformers.

Tiny random CLIPTextModel(WithProjection) configs, saved as transformers folders (config.json +
model.safetensors) under tests/data/golden/clip_text/<case>/, with golden.safetensors holding the
input ids (from the golden tokenizer in tests/data/golden/clip_tokenizer/sd2), attention masks and
transformers' outputs. Weights are redrawn with a larger spread than the default init so that
attention is far from uniform and every part of the forward shows in the outputs.

    python3 tools/golden/clip_text.py --out tests/data/golden/clip_text \
        --tokenizer tests/data/golden/clip_tokenizer/sd2
"""

import argparse
import os
import shutil

import torch
import transformers
from safetensors.torch import save_file
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

CAPTIONS = [
    "a red circle moves from left to right on a white background",
    "a monkey walking on the beach",
    "",
    "it's 3 o'clock; the dog's running!",
]

CASES = {
    # ModelScope-like: gelu, no projection, pad "!" in the ids.
    "gelu": dict(projection=False, hidden_size=48, intermediate_size=80, num_hidden_layers=3,
                 num_attention_heads=6, hidden_act="gelu"),
    # openai-like: quick_gelu with a projection.
    "quick-gelu-projection": dict(projection=True, hidden_size=32, intermediate_size=37,
                                  num_hidden_layers=2, num_attention_heads=4,
                                  hidden_act="quick_gelu", projection_dim=24),
    # Legacy configs with eos_token_id 2 pool at the largest id.
    "legacy-eos2": dict(projection=True, hidden_size=32, intermediate_size=64,
                        num_hidden_layers=2, num_attention_heads=2, hidden_act="quick_gelu",
                        projection_dim=16, eos_token_id=2),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--tokenizer", required=True)
    args = parser.parse_args()
    tok = CLIPTokenizer.from_pretrained(args.tokenizer)
    padded = tok(CAPTIONS, padding="max_length", max_length=77, truncation=True,
                 return_tensors="pt")
    longest = tok(CAPTIONS, padding="longest", return_tensors="pt")

    for case, spec in CASES.items():
        spec = dict(spec)
        projection = spec.pop("projection")
        torch.manual_seed(1234)
        config = CLIPTextConfig(vocab_size=len(tok), max_position_embeddings=77,
                                bos_token_id=tok.bos_token_id,
                                eos_token_id=spec.pop("eos_token_id", tok.eos_token_id),
                                pad_token_id=tok.pad_token_id, **spec)
        cls = CLIPTextModelWithProjection if projection else CLIPTextModel
        model = cls(config).eval()
        with torch.no_grad():
            for name, p in model.named_parameters():
                if "layer_norm" in name and name.endswith("weight"):
                    p.copy_(1 + 0.1 * torch.randn_like(p))
                else:
                    p.copy_(0.3 * torch.randn_like(p))
        folder = os.path.join(args.out, case)
        shutil.rmtree(folder, ignore_errors=True)
        model.save_pretrained(folder, safe_serialization=True)

        tensors = {}
        with torch.no_grad():
            for name, batch, mask in (("padded", padded, None),
                                      ("longest-masked", longest, longest["attention_mask"])):
                ids = batch["input_ids"]
                out = model(input_ids=ids, attention_mask=mask)
                tensors[f"{name}.input_ids"] = ids
                if mask is not None:
                    tensors[f"{name}.attention_mask"] = mask
                tensors[f"{name}.last_hidden_state"] = out.last_hidden_state
                if projection:
                    tensors[f"{name}.text_embeds"] = out.text_embeds
                else:
                    tensors[f"{name}.pooler_output"] = out.pooler_output
        save_file({k: v.contiguous() for k, v in tensors.items()},
                  os.path.join(folder, "golden.safetensors"),
                  metadata={"transformers_version": transformers.__version__,
                            "torch_version": torch.__version__})
        print(f"{case}: {sum(p.numel() for p in model.parameters())} parameters, "
              f"{model.config._attn_implementation} attention")


if __name__ == "__main__":
    main()
