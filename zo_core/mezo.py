"""MeZO: memory-efficient zeroth-order SGD for any ``torch.nn.Module`` (Malladi et al., 2023).

One step of SPSA with the perturbation ``z ~ N(0, I)`` regenerated in place from an integer seed,
so the optimizer never holds a copy of the parameters, a gradient or a moment::

    theta += eps z            L+ = L(theta)          # pass 1
    theta -= 2 eps z          L- = L(theta)          # pass 2
    g = (L+ - L-) / (2 eps)                          # the projected gradient, one scalar
    theta += eps z - lr (g z + wd theta)             # pass 3: restore fused with the update

Three regeneration passes a step, not four. With ``n > 1`` (n-SPSA) the step averages n such
directions at the same ``theta``: the restore of direction i is fused with the perturbation of
direction i+1, and the last pass restores direction n and applies ``-lr/n sum_i g_i z_i``.

``z`` comes from a local ``torch.Generator`` on each parameter's device, seeded from
``(seed, step, direction)``; the global RNG is never touched, so runs are deterministic given
``seed``. Weight decay skips biases and LayerNorm weights (every parameter with fewer than two
dimensions) and any param group whose ``weight_decay`` is 0.

Data parallel (``distributed=True``): every worker holds the full model, uses the same seed and
evaluates its own shard of the batch; the n projected-gradient differences are all-reduced in
one call per step, so every worker applies the identical update and the parameters stay
bitwise-identical without ever exchanging a tensor of parameter size. Launch with torchrun::

    # one node, 4 GPUs (nccl) or 4 CPU processes (gloo)
    torchrun --standalone --nproc_per_node 4 -m zo_core.mezo train --distributed --steps 200 --directions 4
    # two nodes with 8 GPUs each: run on every node, with node_rank 0 and 1
    torchrun --nnodes 2 --nproc_per_node 8 --node_rank 0 --master_addr 10.0.0.1 --master_port 29500 \\
        -m zo_core.mezo train --distributed --steps 200

torchrun sets RANK, WORLD_SIZE, LOCAL_RANK; :func:`init_distributed` picks nccl when CUDA is
there (one GPU per process, ``cuda:LOCAL_RANK``) and gloo otherwise. Each rank reads rows
``rank::world_size`` of every global batch; the traffic per step is n + 1 floats.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import torch
from torch import nn

SUBSETS = ("all", "last", "head")   # every parameter / the last k blocks and the head / the head only
CHUNK = 1 << 20                      # numbers of z drawn at once: bounds the transient memory of a pass


# --- the optimizer ------------------------------------------------------------------------

def _direction_seed(seed: int, step: int, i: int) -> int:
    """A 63-bit seed for direction i of a step: distinct across (seed, step, i), cheap to recompute."""
    return (int(seed) * 1_000_003 + step * 9_973 + i * 7_919 + 0x5DEECE66D) % (2**63 - 1)


@dataclass
class StepTimes:
    """Wall-clock seconds of the last step: forward passes and the in-place noise/update passes."""
    forward: float = 0.0
    noise: float = 0.0
    history: list = field(default_factory=list)


class MeZO(torch.optim.Optimizer):
    """theta <- theta - lr (g z + wd theta), g = (L(theta + eps z) - L(theta - eps z)) / (2 eps).

    Parameters
    ----------
    params : iterable of tensors or param groups (dicts), as for any ``torch.optim.Optimizer``.
    lr : float
        Learning rate, ``0 <= lr <= 1`` (``lr = 0`` perturbs and restores only).
    eps : float
        Perturbation scale, ``0 < eps <= 1``.
    weight_decay : float
        Decoupled L2 factor for parameters with two or more dimensions (biases, LayerNorm: none).
    n : int
        Directions averaged per step (n-SPSA); a step costs 2n forward passes.
    seed : int
        Seeds every ``z``; same seed and data, same trajectory.
    distributed : bool
        All-reduce the projected gradients over the default ``torch.distributed`` group (mean).
    time_steps : bool
        Record :class:`StepTimes` in ``self.times`` (synchronises CUDA at pass boundaries).

    Examples
    --------
    >>> model = torch.nn.Linear(3, 1)
    >>> opt = MeZO(model.parameters(), lr=1e-2, eps=1e-3, seed=0)
    >>> x, y = torch.ones(4, 3), torch.zeros(4, 1)
    >>> loss = opt.step(lambda: torch.nn.functional.mse_loss(model(x), y))
    """

    def __init__(self, params, *, lr: float, eps: float, weight_decay: float = 0.0, n: int = 1, seed: int,
                 distributed: bool = False, time_steps: bool = False):
        check_hyper(lr=lr, eps=eps, weight_decay=weight_decay, n=n)
        super().__init__(params, dict(lr=float(lr), eps=float(eps), weight_decay=float(weight_decay)))
        for g in self.param_groups:
            check_hyper(lr=g["lr"], eps=g["eps"], weight_decay=g["weight_decay"], n=n)
            if g["eps"] != self.param_groups[0]["eps"]:
                raise ValueError("every param group must share one eps (g is a single scalar per direction)")
        self.n = int(n)
        self.seed = int(seed)
        self.distributed = bool(distributed)
        self.steps = 0               # the step counter is the only thing that changes between steps
        self.queries = 0             # forward passes (function queries) spent
        self.projected_grads: list[float] = []   # g_i of the last step
        self.times = StepTimes() if time_steps else None

    # z for every parameter, one generator per (device, direction), in a fixed parameter order.
    def _params(self):
        for group in self.param_groups:
            for p in group["params"]:
                yield group, p

    @staticmethod
    def _add_z(p: torch.Tensor, gens: dict, seed: int, alpha: float) -> None:
        """p += alpha z, z drawn from this direction's generator on p's device.

        A large tensor gets z in chunks of CHUNK numbers, so the transient copy stays small; the
        chunks come from one stream in a fixed order, so every pass regenerates the same z.
        """
        g = gens.get(p.device)
        if g is None:
            g = gens[p.device] = torch.Generator(device=p.device)
            g.manual_seed(seed)
        if p.numel() <= CHUNK or not p.is_contiguous():
            p.add_(torch.randn(p.shape, generator=g, device=p.device, dtype=p.dtype), alpha=alpha)
            return
        flat = p.view(-1)
        for start in range(0, flat.numel(), CHUNK):
            part = flat[start:start + CHUNK]
            part.add_(torch.randn(part.shape, generator=g, device=p.device, dtype=p.dtype), alpha=alpha)

    @torch.no_grad()
    def _shift(self, terms: list[tuple[int, float]]) -> None:
        """theta += sum_k scale_k z_{seed_k}: one regeneration pass over the parameters."""
        gens = [dict() for _ in terms]
        for _, p in self._params():
            for (seed, scale), gen in zip(terms, gens):
                self._add_z(p, gen, seed, scale)

    @torch.no_grad()
    def _update(self, last_seed: int, seeds: list[int], grads: list[float]) -> None:
        """theta <- (theta + eps z_last)(1 - lr wd) - lr mean_i g_i z_i: restore fused with the update.

        Each distinct z is generated once: with n = 1 the restore and the update share z, so this
        pass costs one draw, and a step three in all.
        """
        gens = [dict() for _ in seeds]
        for group, p in self._params():
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            decay = 1.0 - lr * wd if wd and p.ndim >= 2 else 1.0
            if decay != 1.0:
                p.mul_(decay)
            for seed, g, gen in zip(seeds, grads, gens):
                alpha = -lr * g / len(seeds) + (eps * decay if seed == last_seed else 0.0)
                self._add_z(p, gen, seed, alpha)

    def _sync(self):
        if self.times is not None and torch.cuda.is_available():
            torch.cuda.synchronize()
        return time.perf_counter()

    def _evaluate(self, closure, seed: int, offset: float) -> float:
        """closure() at theta + offset z; if it raises (out of memory, ...), theta is restored first."""
        try:
            return float(closure())
        except BaseException:
            self._shift([(seed, -offset)])
            raise

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor | float]) -> float:
        """One n-SPSA step; ``closure()`` returns the loss (no graph needed). Returns mean(L+, L-).

        A non-finite loss restores the parameters to where the step began and raises
        ``FloatingPointError``; an exception in the closure (e.g. out of memory) restores them too.
        """
        if closure is None:
            raise ValueError("MeZO.step needs a closure that returns the loss")
        eps = self.param_groups[0]["eps"]
        seeds = [_direction_seed(self.seed, self.steps, i) for i in range(self.n)]
        diffs, losses = [], []
        fwd = noise = 0.0
        for i, seed in enumerate(seeds):
            t0 = self._sync()
            # restore direction i-1 and perturb along direction i in one pass
            self._shift([(seeds[i - 1], eps), (seed, eps)] if i else [(seed, eps)])
            t1 = self._sync()
            loss_plus = self._evaluate(closure, seed, eps)
            t2 = self._sync()
            self._shift([(seed, -2 * eps)])
            t3 = self._sync()
            loss_minus = self._evaluate(closure, seed, -eps)
            t4 = self._sync()
            noise += (t1 - t0) + (t3 - t2)
            fwd += (t2 - t1) + (t4 - t3)
            self.queries += 2
            if not (math.isfinite(loss_plus) and math.isfinite(loss_minus)):
                self._shift([(seed, eps)])
                raise FloatingPointError(
                    f"MeZO step {self.steps}: the loss is not finite (L+ = {loss_plus}, L- = {loss_minus}); "
                    "the parameters were restored to where the step began. Lower lr or eps.")
            diffs.append(loss_plus - loss_minus)
            losses += [loss_plus, loss_minus]
        mean_loss = sum(losses) / len(losses)
        if self.distributed:
            diffs, mean_loss = _all_reduce_mean(diffs + [mean_loss])
        grads = [d / (2 * eps) for d in diffs]
        t0 = self._sync()
        self._update(seeds[-1], seeds, grads)
        t1 = self._sync()
        if self.times is not None:
            self.times.forward, self.times.noise = fwd, noise + (t1 - t0)
            self.times.history.append((fwd, noise + (t1 - t0)))
        self.projected_grads = grads
        self.steps += 1
        return mean_loss


def _all_reduce_mean(values: list[float]) -> tuple[list[float], float]:
    """Mean over ranks of a few floats, one all_reduce call (float64 on the backend's device)."""
    import torch.distributed as dist
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else "cpu"
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    t /= dist.get_world_size()
    out = t.tolist()
    return out[:-1], out[-1]


def check_hyper(*, lr: float, eps: float, weight_decay: float = 0.0, n: int = 1) -> None:
    """Raise ValueError unless 0 <= lr <= 1, 0 < eps <= 1, 0 <= weight_decay <= 1, 1 <= n <= 64."""
    for name, v in (("lr", lr), ("eps", eps), ("weight_decay", weight_decay)):
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"{name} must be a finite number, got {v!r}")
    if not 0 <= lr <= 1:
        raise ValueError(f"lr must lie in [0, 1], got {lr:g}")
    if not 0 < eps <= 1:
        raise ValueError(f"eps must lie in (0, 1], got {eps:g} (MeZO uses about 1e-3)")
    if not 0 <= weight_decay <= 1:
        raise ValueError(f"weight_decay must lie in [0, 1], got {weight_decay:g}")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 64:
        raise ValueError(f"n (directions per step) must be an integer in [1, 64], got {n!r}")


# --- which parameters to tune -------------------------------------------------------------

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


def select(model: nn.Module, subset: str = "all", k: int = 1) -> list[nn.Parameter]:
    """The parameters MeZO perturbs: ``all``, the ``last`` k blocks plus the head, or the ``head``."""
    if subset == "all":
        return list(model.parameters())
    if subset == "head":
        params = head_parameters(model)
    elif subset == "last":
        bl = blocks(model)
        if not 1 <= k <= len(bl):
            raise ValueError(f"k must lie in [1, {len(bl)}] (the model has {len(bl)} blocks), got {k}")
        params = [p for b in bl[len(bl) - k:] for p in b.parameters()] + head_parameters(model)
    else:
        raise ValueError(f"unknown parameter subset {subset!r}; choose one of {', '.join(SUBSETS)}")
    seen, out = set(), []
    for p in params:            # tied weights appear once
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    if not out:
        raise ValueError(f"subset {subset!r} selects no parameters of {type(model).__name__}")
    return out


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


def two_layer_memory(m: int, n: int) -> dict[str, dict[str, int]]:
    """Numbers held for one update of y2 = W2 W1 x (x in R^m, W1 n x m, W2 1 x n), by what holds them.

    Backprop keeps the weights, the activations the backward pass needs (x for dW1, y1 for dW2)
    and a gradient as large as the weights; Adam adds two moments. MeZO keeps the weights, one
    layer's perturbation at a time (regenerated from the seed, never stored) and the current
    activation only.
    """
    weights = n * m + n
    return {
        "backprop + Adam": dict(weights=weights, activations=m + n + 1, gradients=weights, optimizer=2 * weights),
        "backprop + SGD": dict(weights=weights, activations=m + n + 1, gradients=weights, optimizer=0),
        "MeZO": dict(weights=weights, activations=max(m, n), gradients=0, optimizer=0,
                     perturbation=min(max(n * m, n), CHUNK)),
        "inference": dict(weights=weights, activations=max(m, n), gradients=0, optimizer=0),
    }


# --- restore error in fp32 / bf16 / fp16 -----------------------------------------------------

def restore_error(dtype: torch.dtype = torch.float32, *, numel: int = 1_000_000, eps: float = 1e-3,
                  steps: int = 10, seed: int = 0) -> float:
    """max |theta_after - theta_0| / max |theta_0| after ``steps`` MeZO steps with lr = 0.

    In fp32 this is ~1e-7; in bf16/fp16 ``theta + eps z`` rounds, so ``- 2 eps z + eps z`` does not
    return to theta: the error is of the order of the format's unit round-off, per step.
    """
    gen = torch.Generator().manual_seed(seed)
    theta0 = torch.randn(numel, generator=gen) * 0.05       # a typical weight scale
    p = nn.Parameter(theta0.to(dtype).clone(), requires_grad=False)
    start = p.detach().float().clone()
    opt = MeZO([p], lr=0.0, eps=eps, seed=seed)
    for _ in range(steps):
        opt.step(lambda: p.float().square().mean())
    return float((p.float() - start).abs().max() / start.abs().max())


# --- a data-parallel run on one machine (tests and the CLI use it) --------------------------

def init_distributed() -> tuple[int, int, torch.device]:
    """Initialise the default process group from torchrun's variables: (rank, world_size, device)."""
    import torch.distributed as dist
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    if dist.get_backend() == "nccl":
        local = int(os.environ.get("LOCAL_RANK", rank % max(torch.cuda.device_count(), 1)))
        torch.cuda.set_device(local)
        return rank, world, torch.device("cuda", local)
    return rank, world, torch.device("cpu")


def shard(batch, rank: int, world: int):
    """Rows rank, rank + world, ... of every tensor in a batch (dict, tuple or tensor)."""
    if isinstance(batch, dict):
        return {k: shard(v, rank, world) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(shard(v, rank, world) for v in batch)
    return batch[rank::world]


# --- command line -----------------------------------------------------------------------------

def _train_cli(args) -> int:
    from zo_core import lm
    rank, world = 0, 1
    device = None
    if args.distributed:
        rank, world, device = init_distributed()
    try:
        task = lm.load_task(model=args.model, device=device)
        result = lm.train(task, method=args.method, steps=args.steps, lr=args.lr, eps=args.eps, n=args.n,
                          subset=args.subset, k=args.k, batch_size=args.batch, seed=args.seed,
                          eval_size=args.eval_size, max_length=args.max_length, distributed=args.distributed,
                          weight_decay=args.weight_decay,
                          callback=(lambda r: print(f"step {r.step:5d}  loss {r.loss:.4f}", flush=True))
                          if rank == 0 and args.verbose else None)
    except (ValueError, FloatingPointError, MemoryError, torch.cuda.OutOfMemoryError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if rank == 0:
        print(json.dumps(dict(model=args.model, method=args.method, steps=result.steps, world_size=world,
                              acc_before=result.acc_before, acc_after=result.acc_after,
                              loss_first=result.losses[0] if result.losses else None,
                              loss_last=result.losses[-1] if result.losses else None,
                              seconds=result.seconds, stopped=result.stopped), indent=1))
    return 0


def _measure_cli(args) -> int:
    from zo_core import lm
    print(json.dumps(lm.measure_memory_here(mode=args.mode, model=args.model, batch_size=args.batch,
                                            max_length=args.max_length, subset=args.subset, k=args.k)))
    return 0


def _bench_cli(args) -> int:
    from zo_core import lm
    r = lm.step_time_ratio(model=args.model, batch_size=args.batch, max_length=args.max_length,
                           repeats=args.repeats)
    print(f"model {args.model}, batch {args.batch} x {args.max_length} tokens, device {r['device']}")
    print(f"forward          {r['forward_s'] * 1e3:8.1f} ms (median of {args.repeats})")
    print(f"MeZO step        {r['step_s'] * 1e3:8.1f} ms  = forward {r['step_forward_s'] * 1e3:.1f} "
          f"+ noise {r['step_noise_s'] * 1e3:.1f}")
    print(f"step / (2 x fwd) {r['ratio']:8.3f}   (target <= 1.5 on CPU, <= 1.2 on GPU)")
    if args.memory:
        mem = {m: lm.measure_memory(mode=m, model=args.model, batch_size=args.batch,
                                    max_length=args.max_length) for m in ("inference", "mezo", "adam")}
        for m, v in mem.items():
            print(f"peak memory {m:9s} {v['peak_mb']:9.1f} MB ({v['kind']})")
        print(f"MeZO / inference {mem['mezo']['peak_mb'] / mem['inference']['peak_mb']:8.3f}")
        print(f"Adam / MeZO      {mem['adam']['peak_mb'] / mem['mezo']['peak_mb']:8.3f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m zo_core.mezo", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    tr = sub.add_parser("train", help="fine-tune on the sentiment task and print accuracy before/after")
    tr.add_argument("--model", default="minilm", help="minilm | smollm2 | a local Hugging Face model directory")
    tr.add_argument("--method", default="mezo", choices=["mezo", "sgd", "adam"])
    tr.add_argument("--steps", type=int, default=100)
    tr.add_argument("--lr", type=float, default=1e-4)
    tr.add_argument("--eps", type=float, default=1e-3)
    tr.add_argument("--directions", "--n", dest="n", type=int, default=1,
                    help="n-SPSA directions a step (spell it --directions under torchrun)")
    tr.add_argument("--weight-decay", type=float, default=0.0)
    tr.add_argument("--subset", default="all", choices=SUBSETS)
    tr.add_argument("--k", type=int, default=1)
    tr.add_argument("--batch", type=int, default=16)
    tr.add_argument("--max-length", type=int, default=64)
    tr.add_argument("--eval-size", type=int, default=200)
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--distributed", action="store_true", help="data parallel over torchrun's processes")
    tr.add_argument("--verbose", action="store_true")
    be = sub.add_parser("bench", help="MeZO step time / (2 x forward), and peak memory ratios")
    be.add_argument("--model", default="minilm")
    be.add_argument("--batch", type=int, default=32)
    be.add_argument("--max-length", type=int, default=64)
    be.add_argument("--repeats", type=int, default=7)
    be.add_argument("--memory", action="store_true", help="also measure peak memory in subprocesses")
    me = sub.add_parser("measure", help="(internal) peak memory of one mode in this process, as JSON")
    me.add_argument("--mode", required=True, choices=["inference", "mezo", "adam"])
    me.add_argument("--model", default="minilm")
    me.add_argument("--batch", type=int, default=32)
    me.add_argument("--max-length", type=int, default=64)
    me.add_argument("--subset", default="all", choices=SUBSETS)
    me.add_argument("--k", type=int, default=1)
    args = ap.parse_args(argv)
    return {"train": _train_cli, "bench": _bench_cli, "measure": _measure_cli}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
