"""Which parameters a run tunes: all, the head (a probe), LoRA adapters in every layer, or the top k blocks."""

from __future__ import annotations

import math
from typing import Iterable

import torch
from torch import nn

# every parameter / LoRA adapters in every layer + head / the head only / every weight of the top k blocks
# + head / LoRA adapters in the top k blocks + head (the two "top" subsets leave the lower blocks frozen,
# so their output can be cached: see zo_core.lm.cache)
SUBSETS = ("all", "lora", "head", "top", "top-lora")
TOP_SUBSETS = ("top", "top-lora")
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


def add_lora(model: nn.Module, *, r: int = 8, alpha: float = 16.0, seed: int = 0,
             within: nn.Module | None = None) -> list[nn.Parameter]:
    """Wrap every attention query / value projection (of ``within``, default: the whole model) in
    :class:`LoRALinear`; returns the new parameters.

    Idempotent: a model that already has adapters gets no second layer of them.
    """
    if not 1 <= r <= 64:
        raise ValueError(f"LoRA rank r must lie in [1, 64], got {r}")
    found = [m for m in model.modules() if isinstance(m, LoRALinear)]
    if found:
        return [p for m in found for p in (m.lora_a, m.lora_b)]
    scope = model if within is None else within
    targets = [(parent, name, child) for parent in scope.modules() for name, child in parent.named_children()
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


def top_blocks(model: nn.Module, k: int) -> nn.ModuleList:
    """The top k transformer blocks, 1 <= k <= L."""
    layers = blocks(model)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(layers):
        raise ValueError(f"k (tuned top blocks) must be an integer in [1, {len(layers)}], got {k!r}")
    return layers[len(layers) - k:]


def below_top(model: nn.Module, k: int) -> set[int]:
    """ids of the parameters that feed the cached lower blocks: the input embeddings and blocks 0..L-k-1."""
    layers = blocks(model)
    lower = list(layers[:len(layers) - k].parameters())
    embed = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") else None
    if embed is None and hasattr(model, "backbone"):
        embed = model.backbone.get_input_embeddings()
    return {id(p) for p in lower + (list(embed.parameters()) if embed is not None else [])}


def select(model: nn.Module, subset: str = "all", *, r: int = 8, seed: int = 0, k: int = 1) -> list[nn.Parameter]:
    """The parameters a run perturbs: ``all``, ``lora`` (adapters added now, plus the head), ``head``,
    ``top`` (every weight of the top k blocks, plus the head) or ``top-lora`` (adapters in the top k
    blocks only, plus the head).

    The top subsets leave out any head parameter tied to the input embeddings (SmolLM2's LM head is
    its embedding matrix): tuning it would change what the lower blocks see and void their cache.
    """
    if subset in TOP_SUBSETS:
        top = top_blocks(model, k)
        frozen = below_top(model, k)
        tuned = add_lora(model, r=r, seed=seed, within=top) if subset == "top-lora" else list(top.parameters())
        out = _unique(p for p in tuned + head_parameters(model) if id(p) not in frozen)
    elif subset == "all":
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
