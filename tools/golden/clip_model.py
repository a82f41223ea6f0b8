#!/usr/bin/env python3
"""Golden tensors for CLIPModel and CLIP image preprocessing, produced by transformers.

Tiny random CLIPModel configs (one openai-like with quick_gelu, one LAION/PickScore-like with
gelu), saved as transformers folders under tests/data/golden/clip_model/<case>/ with the golden
tokenizer and a preprocessor_config.json. golden.safetensors holds, for images of odd sizes
(uint8 HWC, generated here): the slow PIL-based CLIPImageProcessor's pixel_values, the projected
image and text embeddings, and logit_scale. The scores come from their reference code on the same
inputs, each prompt against the five images as one "video":
  tgve_alignment   TGVE's run_eval.py: mean logits_per_image with processor(text=[prompt], padding=True)
  pickscore        TGVE's / PickScore's snippet: exp(logit_scale)·cos of get_*_features, averaged
  all_pairs        TGVE's frame consistency: cosine matrix, diagonal zeroed, sum / (F(F−1))
  torchmetrics     torchmetrics' CLIPScore with the folder's CLIPModel/CLIPProcessor, on crop-sized images
                   (tm_image0..4, uint8 HWC) so that its processor's resize is the identity

    python3 tools/golden/clip_model.py --out tests/data/golden/clip_model \
        --tokenizer tests/data/golden/clip_tokenizer/sd2
"""

import argparse
import json
import math
import os
import shutil

import numpy as np
import torch
import transformers
from transformers import CLIPProcessor
from safetensors.torch import save_file
from transformers import CLIPConfig, CLIPModel, CLIPTokenizer

try:  # transformers 5 keeps the PIL processor under its own name
    from transformers import CLIPImageProcessorPil as SlowProcessor
except ImportError:
    from transformers import CLIPImageProcessor as SlowProcessor

CAPTIONS = ["a red circle moves from left to right", "a monkey walking on the beach", ""]
SIZES = [(23, 37), (48, 64), (30, 30), (101, 17), (31, 45)]  # (height, width)

CASES = {
    "quick-gelu": dict(text=dict(hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                                 num_attention_heads=4, hidden_act="quick_gelu"),
                       vision=dict(hidden_size=32, intermediate_size=40, num_hidden_layers=2,
                                   num_attention_heads=4, image_size=30, patch_size=6,
                                   hidden_act="quick_gelu"),
                       projection_dim=16),
    "gelu": dict(text=dict(hidden_size=24, intermediate_size=40, num_hidden_layers=2,
                           num_attention_heads=2, hidden_act="gelu"),
                 vision=dict(hidden_size=40, intermediate_size=56, num_hidden_layers=3,
                             num_attention_heads=5, image_size=28, patch_size=7,
                             hidden_act="gelu"),
                 projection_dim=12),
}


def image(h, w, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([127 + 120 * np.sin(x / 3.0 + c) * np.cos(y / 4.0 - c) for c in range(3)], -1)
    return np.clip(base + rng.normal(0, 20, (h, w, 3)), 0, 255).astype(np.uint8)


def features(out):
    # transformers 5 returns a model output from get_*_features; 4.x returned the tensor.
    return out if torch.is_tensor(out) else out.pooler_output


class FeaturesAsTensor(CLIPModel):
    """CLIPModel whose get_*_features return the projected tensor, as in transformers 4:
    torchmetrics 1.9 divides their result by its norm, which a transformers 5 output has not."""

    def get_image_features(self, *args, **kwargs):
        return features(super().get_image_features(*args, **kwargs))

    def get_text_features(self, *args, **kwargs):
        return features(super().get_text_features(*args, **kwargs))


def reference_scores(model, proc, tok, images, folder, size):
    processor = CLIPProcessor(image_processor=proc, tokenizer=tok)
    frames = [np.ascontiguousarray(img) for img in images]
    out = {}
    with torch.no_grad():
        tgve, pick, per_image = [], [], []
        for caption in CAPTIONS:
            inputs = processor(text=[caption], images=frames, return_tensors="pt", padding=True)
            tgve.append(model(**inputs).logits_per_image.mean())
            image_inputs = processor(images=frames, return_tensors="pt")
            text_inputs = processor(text=caption, padding=True, truncation=True, max_length=77,
                                    return_tensors="pt")
            image_embs = features(model.get_image_features(**image_inputs))
            image_embs = image_embs / torch.norm(image_embs, dim=-1, keepdim=True)
            text_embs = features(model.get_text_features(**text_inputs))
            text_embs = text_embs / torch.norm(text_embs, dim=-1, keepdim=True)
            scores = model.logit_scale.exp() * (text_embs @ image_embs.T)[0]
            per_image.append(scores)
            pick.append(scores.mean())
        out["tgve_alignment"] = torch.stack(tgve)
        out["pickscore"] = torch.stack(pick)
        out["pickscore_per_image"] = torch.stack(per_image)
        feats = features(model.get_image_features(**processor(images=frames, return_tensors="pt")))
        unit = feats / feats.norm(dim=-1, keepdim=True)
        sim = unit @ unit.T
        sim.fill_diagonal_(0)
        n = len(frames)
        out["all_pairs"] = sim.sum() / (n * (n - 1))
    try:
        from torchmetrics.multimodal.clip_score import CLIPScore
        tm_images = [image(size, size, 100 + i) for i in range(len(images))]
        for i, img in enumerate(tm_images):
            out[f"tm_image{i}"] = torch.from_numpy(img.copy())
        tm = []
        for caption in CAPTIONS:
            # torchmetrics only takes hub names containing "openai" as paths; a callable gives it
            # what it would build for one: CLIPModel and CLIPProcessor from the folder.
            metric = CLIPScore(model_name_or_path=lambda: (FeaturesAsTensor.from_pretrained(folder),
                                                           CLIPProcessor.from_pretrained(folder)))
            metric.update([torch.from_numpy(img.copy()).permute(2, 0, 1) for img in tm_images],
                          [caption] * len(tm_images))
            tm.append(metric.compute().detach().float())
        out["torchmetrics"] = torch.stack(tm)
        # Which processor torchmetrics got, and whether it saw the same pixels as the PIL one.
        tm_proc = CLIPProcessor.from_pretrained(folder).image_processor
        a = tm_proc(images=[torch.from_numpy(i.copy()).permute(2, 0, 1) for i in tm_images],
                    return_tensors="pt")["pixel_values"]
        b = proc(images=tm_images, return_tensors="pt")["pixel_values"]
        print(f"torchmetrics processor {type(tm_proc).__name__}: "
              f"max|pixel Δ| vs PIL {(a - b).abs().max().item():.2e}")
        import torchmetrics
        out["_torchmetrics_version"] = torchmetrics.__version__
    except Exception as e:  # noqa: BLE001 - recorded, the C++ test then skips that row
        print(f"torchmetrics CLIPScore unavailable: {e!r}")
    return out


def redraw(model, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name == "logit_scale":
                p.fill_(math.log(1 / 0.07))
            elif p.dim() >= 2:
                p.copy_(torch.randn_like(p) * 1.5 / math.sqrt(p[0].numel()))
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.3 * torch.randn_like(p))
    return model.eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--tokenizer", required=True)
    args = parser.parse_args()
    tok = CLIPTokenizer.from_pretrained(args.tokenizer)
    ids = tok(CAPTIONS, padding="max_length", max_length=77, truncation=True,
              return_tensors="pt")["input_ids"]
    images = [image(h, w, i) for i, (h, w) in enumerate(SIZES)]
    for case, spec in CASES.items():
        size = spec["vision"]["image_size"]
        config = CLIPConfig(
            text_config=dict(vocab_size=len(tok), max_position_embeddings=77,
                             bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                             pad_token_id=tok.pad_token_id, **spec["text"]),
            vision_config=spec["vision"], projection_dim=spec["projection_dim"])
        model = redraw(CLIPModel(config), 21)
        folder = os.path.join(args.out, case)
        shutil.rmtree(folder, ignore_errors=True)
        model.save_pretrained(folder, safe_serialization=True)
        proc = SlowProcessor(size={"shortest_edge": size},
                             crop_size={"height": size, "width": size})
        proc.save_pretrained(folder)
        tok.save_pretrained(folder)
        tensors = {"input_ids": ids}
        pixels = []
        for i, img in enumerate(images):
            tensors[f"image{i}"] = torch.from_numpy(img.copy())
            pv = proc(images=img, return_tensors="pt")["pixel_values"]
            tensors[f"pixel_values{i}"] = pv[0]
            pixels.append(pv)
        pixel_values = torch.cat(pixels)
        with torch.no_grad():
            image_embeds = model.visual_projection(
                model.vision_model(pixel_values=pixel_values).pooler_output)
            text_embeds = model.text_projection(model.text_model(input_ids=ids).pooler_output)
            logits = model(input_ids=ids, pixel_values=pixel_values).logits_per_image
        tensors.update(image_embeds=image_embeds, text_embeds=text_embeds,
                       logits_per_image=logits, logit_scale=model.logit_scale.detach().exp())
        scores = reference_scores(model, proc, tok, images, folder, size)
        tm_version = scores.pop("_torchmetrics_version", "")
        tensors.update(scores)
        save_file({k: v.contiguous() for k, v in tensors.items()},
                  os.path.join(folder, "golden.safetensors"),
                  metadata={"transformers_version": transformers.__version__,
                            "torch_version": torch.__version__,
                            "torchmetrics_version": tm_version,
                            "processor": type(proc).__name__,
                            "captions": json.dumps(CAPTIONS),
                            "sizes": json.dumps(SIZES)})
        print(f"{case}: {sum(p.numel() for p in model.parameters())} parameters, "
              f"processor {type(proc).__name__}")


if __name__ == "__main__":
    main()
