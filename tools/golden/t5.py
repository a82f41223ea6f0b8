#!/usr/bin/env python3
"""Golden tensors for the T5 encoder (Latte's and CogVideoX's text encoder), from transformers.

Tiny random T5EncoderModel configs saved as transformers folders (config.json + model.safetensors)
under tests/data/golden/t5/<case>/, with golden.safetensors holding random input ids, attention
masks and transformers' last_hidden_state in float32 on the CPU. Sequences are longer than the
configs' max_distance so that every branch of the relative position buckets (exact, logarithmic,
clamped) shows. Weights are redrawn with a larger spread than T5's init so that attention is far
from uniform. The gated case also holds the output of the model loaded in bfloat16
(`bf16.last_hidden_state`): transformers keeps `wo` in float32 there, and the residual stream
follows it.

    python3 tools/golden/t5.py --out tests/data/golden/t5
"""

import argparse
import os
import shutil

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import T5Config, T5EncoderModel

CASES = {
    # t5-v1_1 style (Latte, CogVideoX): gated tanh-GELU feed-forward.
    "gated-gelu": dict(vocab_size=160, d_model=32, d_kv=8, d_ff=40, num_layers=3, num_heads=4,
                       relative_attention_num_buckets=32, relative_attention_max_distance=20,
                       feed_forward_proj="gated-gelu"),
    # The original T5: ReLU feed-forward, other bucket counts.
    "relu": dict(vocab_size=96, d_model=24, d_kv=6, d_ff=36, num_layers=2, num_heads=3,
                 relative_attention_num_buckets=16, relative_attention_max_distance=128,
                 feed_forward_proj="relu"),
}
LENGTH = 48


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    for case, spec in CASES.items():
        torch.manual_seed(4321)
        config = T5Config(layer_norm_epsilon=1e-6, dropout_rate=0.0, is_encoder_decoder=False,
                          use_cache=False, **spec)
        model = T5EncoderModel(config).eval()
        with torch.no_grad():
            for name, p in model.named_parameters():
                if "layer_norm" in name:
                    p.copy_(1 + 0.1 * torch.randn_like(p))
                elif "relative_attention_bias" in name:
                    p.copy_(torch.randn_like(p))
                else:
                    p.copy_(0.3 * torch.randn_like(p))
        folder = os.path.join(args.out, case)
        shutil.rmtree(folder, ignore_errors=True)
        model.save_pretrained(folder, safe_serialization=True)

        ids = torch.randint(2, spec["vocab_size"], (3, LENGTH))
        mask = torch.ones(3, LENGTH, dtype=torch.long)
        mask[1, 30:] = 0  # padded rows: pad id 0, EOS 1 before the padding
        mask[2, 5:] = 0
        for row, n in ((1, 30), (2, 5)):
            ids[row, n - 1] = 1
            ids[row, n:] = 0
        tensors = {"input_ids": ids, "attention_mask": mask}
        with torch.no_grad():
            tensors["masked.last_hidden_state"] = model(input_ids=ids,
                                                        attention_mask=mask).last_hidden_state
            tensors["unmasked.last_hidden_state"] = model(input_ids=ids).last_hidden_state
            if case == "gated-gelu":
                half = T5EncoderModel.from_pretrained(folder, torch_dtype=torch.bfloat16).eval()
                wo = half.encoder.block[0].layer[1].DenseReluDense.wo.weight.dtype
                out = half(input_ids=ids, attention_mask=mask).last_hidden_state
                tensors["bf16.last_hidden_state"] = out.float()
                print(f"bf16: wo kept in {wo}, output {out.dtype}")
        stored = sorted(load_file(os.path.join(folder, "model.safetensors")).keys())
        save_file({k: v.contiguous() for k, v in tensors.items()},
                  os.path.join(folder, "golden.safetensors"),
                  metadata={"transformers_version": transformers.__version__,
                            "torch_version": torch.__version__,
                            "embedding_keys": ",".join(k for k in stored if "embed" in k or
                                                       k.startswith("shared"))})
        print(f"{case}: {sum(p.numel() for p in model.parameters())} parameters, "
              f"{model.config._attn_implementation} attention, embedding keys "
              f"{[k for k in stored if 'embed' in k or k.startswith('shared')]}")


if __name__ == "__main__":
    main()
