"""h_{L-k}(x), computed once per example: the frozen lower blocks' output, cached for top-k tuning.

When only the top k of L transformer blocks (and the head) are tuned, the hidden states entering
block L-k depend on the example's tokens alone. :class:`LowerCache` runs the embeddings and the
lower L-k blocks once per distinct tokenised example and keeps one row (T, H) for each; every later
forward pass runs the model as usual with the lower blocks skipped and the cached rows put in at
block L-k, so the embeddings' mask and position arguments the top blocks get are the model's own.
The cache is exact as long as nothing below block L-k changes (``params.select(subset="top...")``
never tunes a parameter there) and every batch is padded to the same length (the classifier pads
to ``max_length`` while a cache is attached). Memory: rows x T x H floats, at most ``max_bytes``;
rows beyond that are recomputed every time they are needed (still exact, only slower).
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from zo_core.lm.params import blocks

MAX_BYTES = 256 * 2**20          # MiniLM, 32 tokens: 49 kB a tweet, so about 5,000 tweets


class _Reached(Exception):
    """Raised by the hook at block L-k: the lower pass has what it needs, the top blocks need not run."""


def _passthrough(as_tuple: bool, hidden_states, *args, **kwargs):
    return (hidden_states,) if as_tuple else hidden_states


class LowerCache:
    """Rows of h_{L-k}, keyed by the example's token ids, attention mask and token types.

    Parameters
    ----------
    backbone : the transformer (its blocks: the longest ``nn.ModuleList``, see :func:`params.blocks`).
    k : int
        Blocks on top that are tuned, ``1 <= k <= L``; the L-k below are frozen and cached.
    max_bytes : int
        Bound on the cached rows' memory.
    """

    def __init__(self, backbone: nn.Module, k: int, *, max_bytes: int = MAX_BYTES):
        self.blocks = blocks(backbone)
        self.n_blocks = len(self.blocks)
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= self.n_blocks:
            raise ValueError(f"k (tuned top blocks) must be an integer in [1, {self.n_blocks}], got {k!r}")
        self.backbone, self.k, self.first, self.max_bytes = backbone, k, self.n_blocks - k, int(max_bytes)
        self.rows: dict[bytes, torch.Tensor] = {}
        self.lower_rows = 0          # examples run through the lower blocks (each cached one: once)
        self.top_passes = 0          # batches run through the top k blocks
        self._as_tuple = False       # whether a block returns (hidden, ...) rather than a tensor
        self._bytes = 0

    @staticmethod
    def keys(enc: dict[str, torch.Tensor]) -> list[bytes]:
        """One key per row: its token ids, attention mask and token types, as bytes."""
        parts = [enc[name].to("cpu", torch.int64) for name in ("input_ids", "attention_mask", "token_type_ids")
                 if name in enc]
        flat = torch.cat(parts, dim=1).numpy()
        return [row.tobytes() for row in flat]

    def lower(self, enc: dict[str, torch.Tensor]) -> torch.Tensor:
        """h_{L-k} (B, T, H) of a batch: the embeddings and the lower blocks, nothing above them."""
        seen: dict[str, torch.Tensor] = {}

        def grab(module, args, kwargs):
            seen["h"] = args[0] if args else kwargs["hidden_states"]
            raise _Reached

        def form(module, args, out):
            self._as_tuple = isinstance(out, tuple)

        hooks = [self.blocks[self.first].register_forward_pre_hook(grab, with_kwargs=True)]
        if self.first > 0:
            hooks.append(self.blocks[self.first - 1].register_forward_hook(form))
        try:
            self.backbone(**enc)
        except _Reached:
            pass
        finally:
            for h in hooks:
                h.remove()
        self.lower_rows += len(seen["h"])
        return seen["h"].detach()

    def hidden(self, enc: dict[str, torch.Tensor]) -> torch.Tensor:
        """h_{L-k} (B, T, H) of a batch: cached rows, the missing ones computed (and cached while room)."""
        keys = self.keys(enc)
        missing = [i for i, key in enumerate(keys) if key not in self.rows]
        fresh = {}
        if missing:
            sub = {name: v[missing] for name, v in enc.items()}
            h = self.lower(sub)
            for j, i in enumerate(missing):
                fresh[keys[i]] = h[j]
                if self._bytes + h[j].numel() * h.element_size() <= self.max_bytes:
                    self.rows[keys[i]] = h[j].clone()       # its own storage, not a view of the batch
                    self._bytes += h[j].numel() * h.element_size()
        return torch.stack([self.rows[key] if key in self.rows else fresh[key] for key in keys])

    def __call__(self, enc: dict[str, torch.Tensor], **kwargs):
        """The backbone's output for the batch, the lower blocks replaced by their cached output."""
        h = self.hidden(enc)

        def inject(module, args, kw):
            if args:
                return (h,) + tuple(args[1:]), kw
            return args, dict(kw, hidden_states=h)

        saved = [blk.__dict__.get("forward") for blk in self.blocks[:self.first]]
        skip = functools.partial(_passthrough, self._as_tuple)
        hook = self.blocks[self.first].register_forward_pre_hook(inject, with_kwargs=True)
        try:
            for blk in self.blocks[:self.first]:
                blk.forward = skip
            out = self.backbone(**enc, **kwargs)
        finally:
            hook.remove()
            for blk, old in zip(self.blocks[:self.first], saved):
                if old is None:
                    del blk.forward
                else:
                    blk.forward = old
        self.top_passes += 1
        return out
