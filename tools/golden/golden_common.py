"""Shared by the golden scripts: weights redrawn so that every part of a tiny random model shows
in its outputs (diffusers zero-initialises some layers)."""

import torch


def redraw(model, seed, spread=1.0):
    """Matrices ~ N(0, spread^2 / fan_in), norm-like vectors named *weight ~ 1 + N(0, 0.01),
    other vectors ~ N(0, 0.01), drawn in parameter order after torch.manual_seed(seed)."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn_like(p) * spread / fan_in ** 0.5)
            elif name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.1 * torch.randn_like(p))
    return model
