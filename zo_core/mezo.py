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

ZEST (``t != 0``, zeroth-order tilted SAM, Gong and Li 2025) spends the same 2n forward passes on
the 2n perturbations ``v_j = +-z_i`` and weights them by ``w = softmax(t L_j)``::

    theta <- theta - lr sum_j w_j v_j / (t eps) = theta - lr sum_i (w_i+ - w_i-) z_i / (t eps)

``t > 0`` leans toward the worse side of each pair (a soft max-loss: sharpness-aware), ``t < 0``
toward the better one. As ``t -> 0``, ``(w_i+ - w_i-) / t -> (L_i+ - L_i-) / (2n)``: n-SPSA. The
code writes ``w_i+ - w_i- = e^{a_i-} expm1(t (L_i+ - L_i-)) / S`` so the limit is computed without
dividing by a tiny t, and ``t = 0`` is n-SPSA exactly.

``z`` comes from a local ``torch.Generator`` on each parameter's device, seeded from
``(seed, step, direction)``; the global RNG is never touched, so runs are deterministic given
``seed``. Weight decay applies per param group (see ``zo_core.lm.params.param_groups``, which
exempts biases and LayerNorm weights) and never to tensors of fewer than two dimensions.

Data parallel (``distributed=True``): every worker holds the full model, uses the same seed and
evaluates its own shard of the batch; the 2n losses are all-reduced in one call per step (with a
flag for a non-finite loss, so all workers skip or raise together and none waits forever), every
worker applies the identical update and the parameters stay bitwise-identical. The command line
that launches such runs is ``python -m zo_core.mezo_cli``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

CHUNK = 1 << 20                      # numbers of z drawn at once: bounds the transient memory of a pass


def _direction_seed(seed: int, step: int, i: int) -> int:
    """A 63-bit seed for direction i of a step: distinct across (seed, step, i), cheap to recompute."""
    return (int(seed) * 1_000_003 + step * 9_973 + i * 7_919 + 0x5DEECE66D) % (2**63 - 1)


def _exprel(x: float) -> float:
    """expm1(x) / x, equal to 1 at x = 0 (the t -> 0 limit of ZEST's weights)."""
    return 1.0 if x == 0.0 else math.expm1(x) / x


def tilted_coefficients(losses_plus: list[float], losses_minus: list[float], *, t: float,
                        eps: float) -> list[float]:
    """c_i = (w_i+ - w_i-) / (t eps), w = softmax(t L) over the 2n losses; t = 0: (L_i+ - L_i-) / (2 n eps).

    The step is ``theta -= lr sum_i c_i z_i``. Written as ``e^{a_i-} Delta_i exprel(t Delta_i) / (S eps)``
    with ``a = t (L - max L)`` (t < 0: ``min L``), ``S = sum e^a``, ``Delta_i = L_i+ - L_i-``: no
    division by a tiny t.

    Examples
    --------
    >>> tilted_coefficients([2.0], [1.0], t=0.0, eps=0.5)        # n-SPSA: (L+ - L-) / (2 eps)
    [1.0]
    >>> round(tilted_coefficients([2.0], [1.0], t=1e-9, eps=0.5)[0], 6)
    1.0
    """
    n = len(losses_plus)
    if t == 0.0:
        return [(lp - lm) / (2 * eps) / n for lp, lm in zip(losses_plus, losses_minus)]
    every = list(losses_plus) + list(losses_minus)
    ref = max(every) if t > 0 else min(every)          # t (L - ref) <= 0: no overflow in exp
    s = sum(math.exp(t * (v - ref)) for v in every)
    out = []
    for lp, lm in zip(losses_plus, losses_minus):
        a_plus, a_minus = t * (lp - ref), t * (lm - ref)
        if abs(a_plus - a_minus) > 1.0:       # no cancellation: the plain difference, no overflow
            out.append((math.exp(a_plus) - math.exp(a_minus)) / (t * s * eps))
        else:
            out.append(math.exp(a_minus) * (lp - lm) * _exprel(a_plus - a_minus) / (s * eps))
    return out


@dataclass
class StepTimes:
    """Wall-clock seconds of the last step: forward passes and the in-place noise/update passes."""
    forward: float = 0.0
    noise: float = 0.0
    history: list = field(default_factory=list)


class MeZO(torch.optim.Optimizer):
    """theta <- theta - lr (sum_i c_i z_i + wd theta); c_i = g_i / n (t = 0) or (w_i+ - w_i-) / (t eps).

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
        Directions per step (n-SPSA); a step costs 2n forward passes.
    seed : int
        Seeds every ``z``; same seed and data, same trajectory.
    t : float
        Tilt of ZEST, ``|t| <= 1e4``; ``t = 0`` is MeZO (n-SPSA). With ``n = 1`` the weights see
        only the pair's difference (the update is ``tanh(t Delta / 2) z / (t eps)``); use n >= 4.
    distributed : bool
        All-reduce the losses over the default ``torch.distributed`` group (mean).
    time_steps : bool
        Record :class:`StepTimes` in ``self.times`` (synchronises CUDA at pass boundaries).

    Examples
    --------
    >>> model = torch.nn.Linear(3, 1)
    >>> opt = MeZO(model.parameters(), lr=1e-2, eps=1e-3, seed=0)
    >>> x, y = torch.ones(4, 3), torch.zeros(4, 1)
    >>> loss = opt.step(lambda: torch.nn.functional.mse_loss(model(x), y))
    >>> opt.queries
    2
    """

    def __init__(self, params, *, lr: float, eps: float, weight_decay: float = 0.0, n: int = 1, seed: int,
                 t: float = 0.0, distributed: bool = False, time_steps: bool = False):
        check_hyper(lr=lr, eps=eps, weight_decay=weight_decay, n=n, t=t)
        super().__init__(params, dict(lr=float(lr), eps=float(eps), weight_decay=float(weight_decay)))
        for g in self.param_groups:
            check_hyper(lr=g["lr"], eps=g["eps"], weight_decay=g["weight_decay"], n=n)
            if g["eps"] != self.param_groups[0]["eps"]:
                raise ValueError("every param group must share one eps (g is a single scalar per direction)")
        self.n = int(n)
        self.seed = int(seed)
        self.t = float(t)
        self.distributed = bool(distributed)
        self.steps = 0               # the step counter is the only thing that changes between steps
        self.queries = 0             # forward passes (function queries) spent
        self.coefficients: list[float] = []   # c_i of the last step (t = 0: g_i / n)
        self.times = StepTimes() if time_steps else None

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
    def _update(self, last_seed: int, seeds: list[int], coefs: list[float]) -> None:
        """theta <- (theta + eps z_last)(1 - lr wd) - lr sum_i c_i z_i: restore fused with the update."""
        gens = [dict() for _ in seeds]
        for group, p in self._params():
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            decay = 1.0 - lr * wd if wd and p.ndim >= 2 else 1.0
            if decay != 1.0:
                p.mul_(decay)
            for seed, c, gen in zip(seeds, coefs, gens):
                alpha = -lr * c + (eps * decay if seed == last_seed else 0.0)
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
        """One n-SPSA (t = 0) or ZEST step; ``closure()`` returns the loss (no graph). Returns mean(L+-).

        A non-finite loss (on any data-parallel worker) restores the parameters to where the step
        began and raises ``FloatingPointError`` on every worker; an exception in the closure (e.g.
        out of memory) restores them too.
        """
        if closure is None:
            raise ValueError("MeZO.step needs a closure that returns the loss")
        eps = self.param_groups[0]["eps"]
        seeds = [_direction_seed(self.seed, self.steps, i) for i in range(self.n)]
        plus, minus = [], []
        fwd = noise = 0.0
        for i, seed in enumerate(seeds):
            t0 = self._sync()
            # restore direction i-1 and perturb along direction i in one pass
            self._shift([(seeds[i - 1], eps), (seed, eps)] if i else [(seed, eps)])
            t1 = self._sync()
            plus.append(self._evaluate(closure, seed, eps))
            t2 = self._sync()
            self._shift([(seed, -2 * eps)])
            t3 = self._sync()
            minus.append(self._evaluate(closure, seed, -eps))
            t4 = self._sync()
            noise += (t1 - t0) + (t3 - t2)
            fwd += (t2 - t1) + (t4 - t3)
            self.queries += 2
        losses = plus + minus
        finite = all(math.isfinite(v) for v in losses)
        if self.distributed:
            # agree collectively: one all_reduce carries the losses and a "not finite" count
            losses, bad = _all_reduce_mean(losses if finite else [0.0] * len(losses), 0.0 if finite else 1.0)
            finite = bad == 0.0
            plus, minus = losses[:self.n], losses[self.n:]
        if not finite:
            self._shift([(seeds[-1], eps)])
            raise FloatingPointError(
                f"MeZO step {self.steps}: the loss is not finite (L+ = {plus}, L- = {minus}); "
                "the parameters were restored to where the step began. Lower lr or eps.")
        coefs = tilted_coefficients(plus, minus, t=self.t, eps=eps)
        t0 = self._sync()
        self._update(seeds[-1], seeds, coefs)
        t1 = self._sync()
        if self.times is not None:
            self.times.forward, self.times.noise = fwd, noise + (t1 - t0)
            self.times.history.append((fwd, noise + (t1 - t0)))
        self.coefficients = coefs
        self.steps += 1
        return sum(losses) / len(losses)


def _all_reduce_mean(values: list[float], flag: float) -> tuple[list[float], float]:
    """Mean over ranks of a few floats and the sum of a flag, in one all_reduce (float64)."""
    import torch.distributed as dist
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else "cpu"
    world = dist.get_world_size()
    buf = torch.tensor(values + [flag * world], dtype=torch.float64, device=device)
    dist.all_reduce(buf, op=dist.ReduceOp.SUM)
    buf /= world
    out = buf.tolist()
    return out[:-1], out[-1]


def agree(ok: bool) -> bool:
    """True on every rank when ``ok`` holds on every rank of the default group (one all_reduce).

    A worker that would skip a step (an empty shard, a failed batch) calls this instead of raising
    alone, so the others do not wait forever in their next collective.
    """
    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()):
        return bool(ok)
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else "cpu"
    flag = torch.tensor([0.0 if ok else 1.0], dtype=torch.float64, device=device)
    dist.all_reduce(flag, op=dist.ReduceOp.SUM)
    return float(flag) == 0.0


def check_hyper(*, lr: float, eps: float, weight_decay: float = 0.0, n: int = 1, t: float = 0.0) -> None:
    """Raise ValueError unless 0 <= lr <= 1, 0 < eps <= 1, 0 <= weight_decay <= 1, 1 <= n <= 64, |t| <= 1e4."""
    for name, v in (("lr", lr), ("eps", eps), ("weight_decay", weight_decay), ("t", t)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"{name} must be a finite number, got {v!r}")
    if not 0 <= lr <= 1:
        raise ValueError(f"lr must lie in [0, 1], got {lr:g}")
    if not 0 < eps <= 1:
        raise ValueError(f"eps must lie in (0, 1], got {eps:g} (MeZO uses about 1e-3)")
    if not 0 <= weight_decay <= 1:
        raise ValueError(f"weight_decay must lie in [0, 1], got {weight_decay:g}")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 64:
        raise ValueError(f"n (directions per step) must be an integer in [1, 64], got {n!r}")
    if not abs(t) <= 1e4:
        raise ValueError(f"t (the tilt) must lie in [-1e4, 1e4], got {t:g}")


def restore_error(dtype: torch.dtype = torch.float32, *, numel: int = 1_000_000, eps: float = 1e-3,
                  steps: int = 10, seed: int = 0) -> float:
    """max |theta_after - theta_0| / max |theta_0| after ``steps`` MeZO steps with lr = 0.

    fp32 leaves a few ulps (measured: 5e-7 for the defaults); in bf16/fp16 ``theta + eps z``
    rounds, so ``- 2 eps z + eps z`` does not return to theta: about the format's round-off per step.
    """
    gen = torch.Generator().manual_seed(seed)
    theta0 = torch.randn(numel, generator=gen) * 0.05       # a typical weight scale
    p = nn.Parameter(theta0.to(dtype).clone(), requires_grad=False)
    start = p.detach().float().clone()
    opt = MeZO([p], lr=0.0, eps=eps, seed=seed)
    for _ in range(steps):
        opt.step(lambda: p.float().square().mean())
    return float((p.float() - start).abs().max() / start.abs().max())
