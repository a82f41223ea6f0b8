#!/usr/bin/env python3
"""Full-size CLIP scorer check on the GPU: openai/clip-vit-large-patch14 (ViT-L/14, quick_gelu)
and laion/CLIP-ViT-H-14 (ViT-H/14, gelu; PickScore_v1's shapes) with random weights. A 16-frame
video batch and a prompt go through transformers in float32 (the reference) and bfloat16, and
through `motionprobe-cli run-component --component clip-image / clip-text` in bf16 on CUDA.
Reports, per backbone, the relative L2 error of the image and text embeddings and the absolute
error of the scores built from them (TGVE text alignment, torchmetrics CLIPScore, all-pairs
consistency). Prints one JSON line per backbone.

    python3 tools/gpu/clip_fullsize.py --cli build/engine-gpu/bin/motionprobe-cli
"""

import argparse
import json
import os
import subprocess
import tempfile

import torch
from safetensors.torch import load_file, save_file
from transformers import CLIPConfig, CLIPModel

BACKBONES = {
    "ViT-L/14": dict(
        text=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                  num_attention_heads=12, hidden_act="quick_gelu"),
        vision=dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24,
                    num_attention_heads=16, patch_size=14, image_size=224, hidden_act="quick_gelu"),
        projection_dim=768),
    "ViT-H/14": dict(
        text=dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24,
                  num_attention_heads=16, hidden_act="gelu"),
        vision=dict(hidden_size=1280, intermediate_size=5120, num_hidden_layers=32,
                    num_attention_heads=16, patch_size=14, image_size=224, hidden_act="gelu"),
        projection_dim=1024),
}
FRAMES = 16


def rel(a, b):
    a, b = a.double(), b.double()
    return float((a - b).norm() / b.norm())


def scores(image, text, logit_scale):
    i = image.double() / image.double().norm(dim=-1, keepdim=True)
    t = text.double() / text.double().norm(dim=-1, keepdim=True)
    cos = (i @ t.T)[:, 0]
    sim = i @ i.T
    n = i.shape[0]
    return {"tgve": float(logit_scale * cos.mean()),
            "torchmetrics": float(max(100 * cos.mean(), 0)),
            "all_pairs": float((sim.sum() - sim.diagonal().sum()) / (n * (n - 1)))}


def run_cli(cli, folder, component, inputs, tmp):
    src, out = os.path.join(tmp, "in.safetensors"), os.path.join(tmp, "out.safetensors")
    save_file(inputs, src)
    run = subprocess.run([cli, "run-component", "--model", folder, "--component", component,
                          "--inputs", src, "--out", out, "--device", "cuda", "--dtype", "bf16"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip())
    return load_file(out), run.stderr.strip()


def check(cli, name, spec):
    torch.manual_seed(0)
    config = CLIPConfig(text_config=dict(vocab_size=49408, max_position_embeddings=77,
                                         bos_token_id=49406, eos_token_id=49407,
                                         pad_token_id=49407, **spec["text"]),
                        vision_config=spec["vision"], projection_dim=spec["projection_dim"])
    model = CLIPModel(config).eval()
    pixels = torch.randn(FRAMES, 3, 224, 224)
    ids = torch.randint(1, 49406, (1, 24))
    ids[0, 0], ids[0, -1] = 49406, 49407
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "clip")
        model.save_pretrained(folder, safe_serialization=True)
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        model = model.cuda()
        with torch.no_grad():
            def feats(m, dtype):
                img = m.visual_projection(m.vision_model(
                    pixel_values=pixels.cuda().to(dtype)).pooler_output)
                txt = m.text_projection(m.text_model(input_ids=ids.cuda()).pooler_output)
                return img.float().cpu(), txt.float().cpu()
            img32, txt32 = feats(model, torch.float32)
            img16, txt16 = feats(model.to(torch.bfloat16), torch.bfloat16)
            scale = float(model.logit_scale.float().exp())
        ours_img, err_i = run_cli(cli, folder, "clip-image", {"pixel_values": pixels}, tmp)
        ours_txt, err_t = run_cli(cli, folder, "clip-text", {"input_ids": ids}, tmp)
    ours_img, ours_txt = ours_img["image_embeds"].float(), ours_txt["text_embeds"].float()
    ref, ours, theirs = (scores(img32, txt32, scale), scores(ours_img, ours_txt, scale),
                         scores(img16, txt16, scale))
    return {
        "backbone": name, "frames": FRAMES, "device": torch.cuda.get_device_name(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "ours_bf16_vs_fp32_image": rel(ours_img, img32),
        "transformers_bf16_vs_fp32_image": rel(img16, img32),
        "ours_bf16_vs_fp32_text": rel(ours_txt, txt32),
        "transformers_bf16_vs_fp32_text": rel(txt16, txt32),
        "ours_vs_transformers_bf16_image": rel(ours_img, img16),
        "scores_fp32": ref, "scores_ours_bf16": ours, "scores_transformers_bf16": theirs,
        "cli": [err_i[-160:], err_t[-160:]],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True)
    args = parser.parse_args()
    for name, spec in BACKBONES.items():
        print(json.dumps(check(args.cli, name, spec)), flush=True)


if __name__ == "__main__":
    main()
