"""Which parameters a run tunes: all, the head (a probe), or LoRA adapters added to every layer."""

from __future__ import annotations

import math
from typing import Iterable

import torch
from torch import nn

SUBSETS = ("all", "lora", "head")   # every parameter / LoRA adapters in every layer + head / the head only
LORA_TARGETS = ("query", "value", "q_proj", "v_proj")   # BERT-style and Llama-style attention projections


def blocks(model: nn.Module) -> nn.ModuleList:
    """The transformer blocks: the longest ``nn.ModuleList`` in the model."""
    lists = [m for m in model.modules() if isinstance(m, nn.ModuleList)]
    if not lists:
        raise ValueError(f"{type(model).__name__} has no nn.ModuleList of blocks; use subset='all'")
    return max(lists, key=len)


def head_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The head: ``model.head_parameters()`` if the model defines it, else what follows the last block."""
    if hasattr(model, "head_parameters"):
        return list(model.head_parameters())
    in_blocks = {id(p) for p in blocks(model).parameters()}
    names = [(n, p) for n, p in model.named_parameters()]
    last = max(i for i, (_, p) in enumerate(names) if id(p) in in_blocks)
    return [p for _, p in names[last + 1:]]


class LoRALinear(nn.Module):
    """y = W x + b + (alpha / r) B A x: a frozen linear layer plus a rank-r adapter (B = 0 at start)."""

    def __init__(self, base: nn.Linear, r: int, alpha: float, seed: int):
        super().__init__()
        self.base, self.r, self.scale = base, int(r), float(alpha) / int(r)
        gen = torch.Generator().manual_seed(seed)
        a = torch.randn(r, base.in_features, generator=gen) / math.sqrt(base.in_features)
        w = base.weight
        self.lora_a = nn.Parameter(a.to(w.device, w.dtype), requires_grad=False)        # (r, in)
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, r, device=w.device, dtype=w.dtype),
                                   requires_grad=False)                                  # (out, r)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_a.T) @ self.lora_b.T * self.scale


def add_lora(model: nn.Module, *, r: int = 8, alpha: float = 16.0, seed: int = 0) -> list[nn.Parameter]:
    """Wrap every attention query / value projection in :class:`LoRALinear`; returns the new parameters.

    Idempotent: a model that already has adapters gets no second layer of them.
    """
    if not 1 <= r <= 64:
        raise ValueError(f"LoRA rank r must lie in [1, 64], got {r}")
    found = [m for m in model.modules() if isinstance(m, LoRALinear)]
    if found:
        return [p for m in found for p in (m.lora_a, m.lora_b)]
    targets = [(parent, name, child) for parent in model.modules() for name, child in parent.named_children()
               if name in LORA_TARGETS and isinstance(child, nn.Linear)]
    if not targets:
        raise ValueError(f"{type(model).__name__} has no attention projections named {', '.join(LORA_TARGETS)}")
    out = []
    for i, (parent, name, child) in enumerate(targets):
        wrapped = LoRALinear(child, r, alpha, seed * 1009 + i)
        setattr(parent, name, wrapped)
        out += [wrapped.lora_a, wrapped.lora_b]
    return out


def _unique(params: Iterable[nn.Parameter]) -> list[nn.Parameter]:
    seen, out = set(), []
    for p in params:            # tied weights appear once
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out


def select(model: nn.Module, subset: str = "all", *, r: int = 8, seed: int = 0) -> list[nn.Parameter]:
    """The parameters a run perturbs: ``all``, ``lora`` (adapters added now, plus the head) or ``head``."""
    if subset == "all":
        out = _unique(p for p in model.parameters() if not _is_lora(model, p))
    elif subset == "head":
        out = _unique(head_parameters(model))
    elif subset == "lora":
        out = _unique(add_lora(model, r=r, seed=seed) + head_parameters(model))
    else:
        raise ValueError(f"unknown parameter subset {subset!r}; choose one of {', '.join(SUBSETS)}")
    if not out:
        raise ValueError(f"subset {subset!r} selects no parameters of {type(model).__name__}")
    return out


def _is_lora(model: nn.Module, p: nn.Parameter) -> bool:
    return any(p is m.lora_a or p is m.lora_b for m in model.modules() if isinstance(m, LoRALinear))


def param_groups(model: nn.Module, params: Iterable[nn.Parameter], weight_decay: float) -> list[dict]:
    """Two groups, as in the MeZO trainer: decay for weights, none for biases and LayerNorm (by name)."""
    chosen = {id(p) for p in params}
    decay, plain = [], []
    for name, p in model.named_parameters():
        if id(p) not in chosen:
            continue
        no_decay = p.ndim < 2 or "norm" in name.lower() or name.endswith("bias")
        (plain if no_decay else decay).append(p)
    return [g for g in (dict(params=decay, weight_decay=weight_decay), dict(params=plain, weight_decay=0.0))
            if g["params"]]
