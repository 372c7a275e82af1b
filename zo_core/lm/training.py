"""The training loop: MeZO / ZEST (forward passes only) or SGD / Adam (backprop) through one data loop.

Modes, by the parameters tuned (``subset``):

* ``head`` — a **probe**: the scoring head on frozen features. For the encoder the backbone's
  features of a batch are computed once and shared by the 2n head evaluations of a MeZO step, so
  a step costs one backbone pass however large n is.
* ``lora`` — **fine-tuning the language model itself**, parameter-efficiently: rank-r adapters in
  the query and value projections of every layer, plus the head. Every loss evaluation runs the
  whole model: a MeZO step costs 2n full forward passes.
* ``top`` / ``top-lora`` — **fine-tuning the top k of L blocks** (every weight of them, or LoRA
  adapters in them) plus the head. The frozen embeddings and lower L-k blocks run once per example
  and their output is cached (:mod:`zo_core.lm.cache`), so a MeZO step costs 2n forward passes of
  the top k blocks only ("top-block passes"), and repeated epochs over a ``train_size`` pool cost
  nothing below block L-k.
* ``all`` — every weight of the model (slow on a CPU: the page says how slow, and caps it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from zo_core import mezo
from zo_core.lm.models import PromptClassifier, Task
from zo_core.lm.params import TOP_SUBSETS, head_parameters, param_groups, select

METHODS = ("mezo", "zest", "sgd", "adam")
MAX_STEPS = 100_000


def loss_fn(clf: PromptClassifier, enc: dict, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of the two label scores."""
    return F.cross_entropy(clf(enc), labels.to(clf.device))


def encode_batches(clf: PromptClassifier, texts: list[str], batch_size: int = 64) -> list[dict]:
    return [clf.encode(texts[i:i + batch_size]) for i in range(0, len(texts), batch_size)]


@torch.no_grad()
def accuracy(clf: PromptClassifier, texts: list[str], labels: torch.Tensor, *, batch_size: int = 64,
             batches: list[dict] | None = None) -> float:
    """Fraction of texts whose higher-scored label is the true label (``batches``: pre-encoded texts)."""
    batches = batches if batches is not None else encode_batches(clf, texts, batch_size)
    pred = torch.cat([clf(enc).argmax(1).cpu() for enc in batches]) if batches else torch.zeros(0)
    return float((pred == labels[:len(pred)]).float().mean()) if len(pred) else 0.0


@dataclass
class Record:
    """One training step as the callback sees it (step 0: the zero-shot validation accuracy, loss NaN)."""
    step: int
    loss: float
    acc: float | None = None          # validation accuracy, on evaluation steps


@dataclass
class TrainResult:
    steps: int
    losses: list[float]
    val_acc: list[tuple[int, float]]
    acc_before: float
    acc_after: float
    seconds: float
    queries: int                      # loss evaluations (MeZO: 2 n a step; backprop: 1 a step)
    backbone_passes: int = 0          # full forward passes through the language model (probe: 1 a step)
    top_passes: int = 0               # top-k modes: forward passes through the top k blocks only
    lower_rows: int = 0               # top-k modes: examples run (once) through the frozen lower blocks
    blocks: tuple[int, int] = (0, 0)  # top-k modes: (k, L)
    forward_s: float = 0.0            # MeZO: time in forward passes
    noise_s: float = 0.0              # MeZO: time regenerating z and updating in place
    stopped: str = ""                 # why the run ended early ("" when it ran to the end)
    n_tuned: int = 0                  # numbers tuned
    times: list = field(default_factory=list)


def make_optimizer(method: str, params, *, lr: float, eps: float, n: int, seed: int, weight_decay: float,
                   t: float = 0.0, distributed: bool = False, model: nn.Module | None = None,
                   lr_head: float | None = None):
    """MeZO (t = 0), ZEST (MeZO with tilt t), or the first-order baseline ``sgd`` / ``adam``.

    ``lr_head``: a learning rate of its own for the model's head (LoRA runs: the adapters move
    with ``lr``, the 770-number head with ``lr_head``; one eps for all, one scalar g per direction).
    """
    params = list(params)
    groups = param_groups(model, params, weight_decay) if model is not None else params
    if lr_head is not None and model is not None:
        mezo.check_hyper(lr=lr_head, eps=eps)
        head = {id(p) for p in head_parameters(model)}
        split = []
        for g in groups:
            for members, rate in (([p for p in g["params"] if id(p) in head], lr_head),
                                  ([p for p in g["params"] if id(p) not in head], lr)):
                if members:
                    split.append(dict(g, params=members, lr=rate))
        groups = split
    if method in ("mezo", "zest"):
        return mezo.MeZO(groups, lr=lr, eps=eps, n=n, seed=seed, weight_decay=weight_decay,
                         t=t if method == "zest" else 0.0, distributed=distributed, time_steps=True)
    mezo.check_hyper(lr=lr, eps=eps, weight_decay=weight_decay, n=n)
    if method == "sgd":
        return torch.optim.SGD(groups, lr=lr, weight_decay=weight_decay)
    if method == "adam":
        return torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown method {method!r}; choose {', '.join(METHODS)}")


def train(task: Task, *, method: str = "mezo", steps: int = 100, lr: float = 1e-4, eps: float = 1e-3, n: int = 1,
          t: float = 0.0, subset: str = "lora", r: int = 8, k: int = 1, train_size: int | None = None,
          batch_size: int = 16, seed: int = 0,
          eval_size: int = 200, eval_every: int = 0, max_length: int | None = None, weight_decay: float = 0.0,
          lr_head: float | None = None, max_seconds: float | None = None, distributed: bool = False,
          callback: Callable[[Record], None] | None = None,
          should_stop: Callable[[], bool] | None = None) -> TrainResult:
    """Fine-tune ``task.model`` in place and return losses and test accuracy before/after.

    Batches are drawn with a ``torch.Generator`` seeded by ``seed``; accuracy is measured on the
    first ``eval_size`` test examples (validation curve: the first ``eval_size`` validation ones,
    every ``eval_every`` steps). ``k``: the tuned top blocks of the ``top`` subsets; ``train_size``:
    draw batches from the first ``train_size`` training tweets only (a pool that is revisited, so
    the top subsets' cache serves every epoch after the first). ``max_seconds`` bounds the run's wall
    time; ``should_stop`` is asked before every step. With ``distributed`` each rank uses its shard
    of every batch, and the ranks agree collectively to skip a step when any shard is empty.
    A non-finite loss stops the run cleanly (``stopped`` says why; MeZO restores the parameters).
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be an integer in [1, {MAX_STEPS}], got {steps!r}")
    if not 1 <= batch_size <= 4096:
        raise ValueError(f"batch_size must lie in [1, 4096], got {batch_size}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose {', '.join(METHODS)}")
    mezo.check_hyper(lr=lr, eps=eps, weight_decay=weight_decay, n=n, t=t)
    if distributed and method not in ("mezo", "zest"):
        raise ValueError("data-parallel runs are for MeZO / ZEST (one scalar a step); run sgd/adam on one process")
    clf = task.model
    if max_length:
        clf.max_length = int(max_length)
    params = select(clf, subset, r=r, seed=seed, k=k)
    clf.cache_features = clf.kind == "encoder" and subset == "head"
    cache = clf.cache_lower(k) if subset in TOP_SUBSETS else None
    first_order = method in ("sgd", "adam")
    for p in clf.parameters():
        p.requires_grad_(False)
    if first_order:
        for p in params:
            p.requires_grad_(True)
    opt = make_optimizer(method, params, lr=lr, eps=eps, n=n, t=t, seed=seed, weight_decay=weight_decay,
                         distributed=distributed, model=clf,
                         lr_head=lr_head if subset in ("lora", *TOP_SUBSETS) else None)
    rank, world = 0, 1
    if distributed:
        import torch.distributed as dist
        rank, world = dist.get_rank(), dist.get_world_size()

    (tr_x, tr_y), (va_x, va_y), (te_x, te_y) = task.data.train, task.data.validation, task.data.test
    if train_size is not None:
        if not 1 <= train_size <= len(tr_x):
            raise ValueError(f"train_size must lie in [1, {len(tr_x)}], got {train_size}")
        tr_x, tr_y = tr_x[:train_size], tr_y[:train_size]
    te_x, te_y = te_x[:eval_size], te_y[:eval_size]
    va_x, va_y = va_x[:eval_size], va_y[:eval_size]
    te_b = encode_batches(clf, te_x)               # encoded once; with cached features, embedded once too
    va_b = encode_batches(clf, va_x) if eval_every else []
    keep = te_b + va_b
    losses, val_acc, queries, passes = [], [], 0, 0
    acc_before = accuracy(clf, te_x, te_y, batches=te_b)
    if eval_every:                     # the curve starts at the zero-shot model (a record with no loss)
        val_acc.append((0, accuracy(clf, va_x, va_y, batches=va_b)))
        if callback is not None:
            callback(Record(0, float("nan"), val_acc[0][1]))
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(tr_x), generator=gen)
    stopped = ""
    t0 = time.perf_counter()
    fwd = noise = 0.0
    for step in range(steps):
        if should_stop is not None and should_stop():
            stopped = f"stopped by the user after {step} steps"
            break
        if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
            stopped = f"stopped at the time cap ({max_seconds:.0f} s) after {step} steps"
            break
        start = (step * batch_size) % len(tr_x)
        if start + batch_size > len(tr_x):            # a new epoch: a new permutation
            order = torch.randperm(len(tr_x), generator=gen)
            start = 0
        idx = order[start:start + batch_size][rank::world].tolist()
        if distributed and not mezo.agree(len(idx) > 0):
            continue                                   # some rank has no rows: every rank skips this step
        enc = clf.encode([tr_x[i] for i in idx])
        y = tr_y[idx]
        try:
            if first_order:
                opt.zero_grad(set_to_none=True)
                ts = time.perf_counter()
                loss = loss_fn(clf, enc, y)
                if not torch.isfinite(loss.detach()):
                    raise FloatingPointError(f"the loss is not finite ({float(loss)}) at step {step}")
                loss.backward()
                opt.step()
                fwd += time.perf_counter() - ts
                loss, queries = loss.detach().item(), queries + 1
                passes += 0 if cache is not None else 1
            else:
                with torch.no_grad():
                    loss = opt.step(lambda: loss_fn(clf, enc, y))
                queries = opt.queries
                passes += 1 if clf.cache_features else 0 if cache is not None else 2 * opt.n
                fwd, noise = fwd + opt.times.forward, noise + opt.times.noise
        except FloatingPointError as err:
            stopped = f"diverged: {err}"
            break
        losses.append(loss)
        rec = Record(step + 1, loss)
        if eval_every and (step + 1) % eval_every == 0:
            rec.acc = accuracy(clf, va_x, va_y, batches=va_b)
            val_acc.append((step + 1, rec.acc))
        clf.uncache(keep)
        if callback is not None:
            callback(rec)
    seconds = time.perf_counter() - t0
    for p in params:
        p.requires_grad_(False)
        p.grad = None
    acc_after = accuracy(clf, te_x, te_y, batches=te_b)
    clf.cache_features = False
    clf.uncache()
    clf.cache_lower(None)
    top = dict(top_passes=queries, lower_rows=cache.lower_rows, blocks=(k, cache.n_blocks)) if cache else {}
    return TrainResult(len(losses), losses, val_acc, acc_before, acc_after, seconds, queries, passes, **top,
                       forward_s=fwd, noise_s=noise, stopped=stopped, n_tuned=sum(p.numel() for p in params))
