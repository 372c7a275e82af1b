"""MeZO against closed forms and torch autograd: restore, determinism, E[g z] = grad L, no state, DP."""

from __future__ import annotations

import contextlib
import math
import os
import socket

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
from torch import nn

from zo_core import mezo
from zo_core.mezo import MeZO


def small_net(seed: int = 0, dtype=torch.float32) -> nn.Module:
    gen = torch.Generator().manual_seed(seed)
    net = nn.Sequential(nn.Linear(12, 16), nn.LayerNorm(16), nn.Tanh(), nn.Linear(16, 1)).to(dtype)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=dtype) * 0.3)
    return net


def data(seed: int = 1, rows: int = 8, dtype=torch.float32):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(rows, 12, generator=gen, dtype=dtype), torch.randn(rows, 1, generator=gen, dtype=dtype)


def mse(net, x, y):
    return lambda: nn.functional.mse_loss(net(x), y)


def flat(net) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in net.parameters()])


@pytest.mark.parametrize("n", [1, 3])
def test_fp32_restore_is_exact_with_lr_zero(n):
    net = small_net()
    x, y = data()
    before = flat(net).clone()
    opt = MeZO(net.parameters(), lr=0.0, eps=1e-3, n=n, seed=7)
    for _ in range(5):
        opt.step(mse(net, x, y))
    rel = (flat(net) - before).abs().max() / before.abs().max()
    assert rel <= 1e-6, rel
    assert opt.queries == 5 * 2 * n


def test_restore_error_reported_per_dtype():
    e32 = mezo.restore_error(torch.float32, numel=100_000, steps=5)
    e16 = mezo.restore_error(torch.float16, numel=100_000, steps=5)
    ebf = mezo.restore_error(torch.bfloat16, numel=100_000, steps=5)
    assert e32 <= 1e-6
    # half precision cannot hold theta + eps z exactly: the error is of the order of its round-off
    assert e16 > 10 * e32 and ebf > e16
    assert ebf < 0.5


def test_chunked_noise_restores_and_repeats(monkeypatch):
    monkeypatch.setattr(mezo, "CHUNK", 50)            # every weight of the net is drawn in chunks
    test_fp32_restore_is_exact_with_lr_zero(2)
    test_same_seed_same_trajectory_other_seed_other_one()


def test_same_seed_same_trajectory_other_seed_other_one():
    x, y = data()
    runs = []
    for seed in (3, 3, 4):
        net = small_net()
        opt = MeZO(net.parameters(), lr=1e-2, eps=1e-3, seed=seed)
        losses = [opt.step(mse(net, x, y)) for _ in range(10)]
        runs.append((losses, flat(net)))
    assert runs[0][0] == runs[1][0] and torch.equal(runs[0][1], runs[1][1])
    assert not torch.equal(runs[0][1], runs[2][1])


def test_global_rng_untouched_and_no_grad_no_state():
    net = small_net()
    x, y = data()
    rng = torch.random.get_rng_state()
    opt = MeZO(net.parameters(), lr=1e-2, eps=1e-3, weight_decay=0.1, n=2, seed=0)
    for _ in range(3):
        opt.step(mse(net, x, y))
    assert torch.equal(rng, torch.random.get_rng_state())
    assert all(p.grad is None for p in net.parameters())
    assert len(opt.state) == 0
    assert set(opt.param_groups[0]) == {"params", "lr", "eps", "weight_decay"}


def test_expected_projected_gradient_equals_autograd_gradient():
    """E[g z] = E[z z^T] grad L = grad L (central differences are exact on a quadratic loss)."""
    gen = torch.Generator().manual_seed(0)
    lin = nn.Linear(6, 1).double()
    x, y = torch.randn(32, 6, generator=gen, dtype=torch.float64), torch.randn(32, 1, generator=gen,
                                                                                 dtype=torch.float64)
    loss = nn.functional.mse_loss(lin(x), y)
    grad = torch.cat([g.flatten() for g in torch.autograd.grad(loss, list(lin.parameters()))])
    theta0 = flat(lin).clone()
    start = [p.detach().clone() for p in lin.parameters()]
    opt = MeZO(lin.parameters(), lr=1.0, eps=1e-3, seed=11)
    N = 4000
    samples = torch.empty(N, theta0.numel(), dtype=torch.float64)
    with torch.no_grad():
        for i in range(N):
            opt.step(mse(lin, x, y))
            samples[i] = theta0 - flat(lin)              # = lr * g z with lr = 1
            for p, p0 in zip(lin.parameters(), start):
                p.copy_(p0)
    mean = samples.mean(0)
    # Var(z_i (z . a)) = ||a||^2 + a_i^2 for z ~ N(0, I): 5 standard errors
    tol = 5 * torch.sqrt((grad.square().sum() + grad.square()) / N)
    assert torch.all((mean - grad).abs() <= tol), (mean, grad, tol)


def test_weight_decay_skips_biases_and_layernorm():
    net = small_net()
    before = [p.detach().clone() for p in net.parameters()]
    opt = MeZO(net.parameters(), lr=0.1, eps=1e-3, weight_decay=0.5, seed=0)
    opt.step(lambda: torch.tensor(1.0))              # g = 0: only the decay moves theta
    for (name, p), p0 in zip(net.named_parameters(), before):
        expected = p0 * (1 - 0.05) if p.ndim >= 2 else p0
        assert torch.allclose(p, expected, atol=1e-6), name


def test_nan_loss_restores_and_raises():
    net = small_net()
    before = flat(net).clone()
    opt = MeZO(net.parameters(), lr=0.1, eps=1e-3, seed=0)
    with pytest.raises(FloatingPointError, match="not finite"):
        opt.step(lambda: torch.tensor(float("nan")))
    assert (flat(net) - before).abs().max() <= 1e-6 * before.abs().max()


def test_exception_in_closure_restores_parameters():
    net = small_net()
    x, y = data()
    before = flat(net).clone()
    opt = MeZO(net.parameters(), lr=0.1, eps=1e-3, n=2, seed=0)
    calls = []

    def closure():
        calls.append(1)
        if len(calls) == 3:                          # direction 2, theta + eps z_2
            raise RuntimeError("out of memory (simulated)")
        return mse(net, x, y)()

    with pytest.raises(RuntimeError, match="simulated"):
        opt.step(closure)
    assert (flat(net) - before).abs().max() <= 1e-6 * before.abs().max()


@pytest.mark.parametrize("kw, match", [(dict(lr=-1.0), "lr"), (dict(lr=2.0), "lr"), (dict(eps=0.0), "eps"),
                                       (dict(eps=float("nan")), "eps"), (dict(n=0), "n "),
                                       (dict(weight_decay=-1.0), "weight_decay"),
                                       (dict(t=float("inf")), "t "), (dict(t=1e5), "t ")])
def test_bad_hyperparameters_raise(kw, match):
    args = dict(lr=1e-3, eps=1e-3, seed=0) | kw
    with pytest.raises(ValueError, match=match):
        MeZO(small_net().parameters(), **args)


# --- ZEST (t != 0) against an explicit-z implementation of the paper's formula ----------------

def explicit_z(params, seed: int, step: int, i: int) -> list[torch.Tensor]:
    """z_i as MeZO regenerates it: one generator per direction, drawn parameter by parameter."""
    gen = torch.Generator().manual_seed(mezo._direction_seed(seed, step, i))
    return [torch.randn(p.shape, generator=gen, dtype=p.dtype) for p in params]


def paper_step(net, loss_of, *, lr: float, eps: float, n: int, seed: int, step: int, t: float) -> None:
    """theta <- theta - lr sum_j softmax(t L)_j v_j / (t eps), v_j = +-z_i (t = 0: -lr/n sum_i g_i z_i).

    z is stored here (the memory MeZO saves), losses come from functional calls at theta +- eps z_i,
    and the softmax is torch's: no part of MeZO's in-place arithmetic or its expm1 form is reused.
    """
    names = [k for k, _ in net.named_parameters()]
    theta = [p.detach().clone() for p in net.parameters()]
    zs = [explicit_z(theta, seed, step, i) for i in range(n)]

    def at(sign, z):
        return float(loss_of({k: th + sign * eps * zz for k, th, zz in zip(names, theta, z)}))

    plus = torch.tensor([at(+1, z) for z in zs], dtype=torch.float64)
    minus = torch.tensor([at(-1, z) for z in zs], dtype=torch.float64)
    if t == 0:
        coef = (plus - minus) / (2 * eps) / n
    else:
        w = torch.softmax(t * torch.cat([plus, minus]), 0)
        coef = (w[:n] - w[n:]) / (t * eps)
    with torch.no_grad():
        for j, p in enumerate(net.parameters()):
            p.copy_(theta[j] - lr * sum(float(c) * z[j] for c, z in zip(coef, zs)))


@pytest.mark.parametrize("t", [0.0, 3.0, -3.0, 40.0])
def test_step_matches_the_paper_formula_with_explicit_z(t):
    x, y = data(dtype=torch.float64)
    a, b = small_net(dtype=torch.float64), small_net(dtype=torch.float64)

    def loss_of(params):
        return nn.functional.mse_loss(torch.func.functional_call(b, params, (x,)), y)

    opt = MeZO(a.parameters(), lr=0.05, eps=1e-2, n=4, seed=9, t=t)
    for step in range(3):
        opt.step(mse(a, x, y))
        paper_step(b, loss_of, lr=0.05, eps=1e-2, n=4, seed=9, step=step, t=t)
    # float64: what differs is the order of round-off only (in-place shifts vs theta +- eps z)
    assert torch.allclose(flat(a), flat(b), rtol=1e-9, atol=1e-12)
    assert not torch.allclose(flat(a), flat(small_net(dtype=torch.float64)), atol=1e-4)


def test_t_zero_is_bitwise_the_stored_z_n_spsa():
    """t = 0: bitwise equal to n-SPSA written with stored z in the fused order of the paper's trainer."""
    x, y = data()
    a, b = small_net(), small_net()
    lr, eps, n, seed = 0.05, 1e-3, 3, 4
    opt = MeZO(a.parameters(), lr=lr, eps=eps, n=n, seed=seed, t=0.0)
    with torch.no_grad():
        for step in range(4):
            opt.step(mse(a, x, y))
            params = list(b.parameters())
            zs = [explicit_z(params, seed, step, i) for i in range(n)]
            g = []
            for i, z in enumerate(zs):
                for p, zz, zp in zip(params, z, zs[i - 1] if i else [None] * len(params)):
                    if zp is not None:
                        p.add_(zp, alpha=eps)                  # restore z_{i-1} ...
                    p.add_(zz, alpha=eps)                      # ... then perturb along z_i
                lp = float(mse(b, x, y)())
                for p, zz in zip(params, z):
                    p.add_(zz, alpha=-2 * eps)
                g.append((lp - float(mse(b, x, y)())) / (2 * eps))
            for j, p in enumerate(params):
                for i, z in enumerate(zs):
                    p.add_(z[j], alpha=-lr * g[i] / n + (eps if i == n - 1 else 0.0))
    assert torch.equal(flat(a), flat(b))


def test_tilt_to_zero_is_n_spsa():
    x, y = data(dtype=torch.float64)
    runs = {}
    for t in (0.0, 1e-9, -1e-9, 100.0):
        net = small_net(dtype=torch.float64)
        opt = MeZO(net.parameters(), lr=0.05, eps=1e-3, n=4, seed=2, t=t)
        for _ in range(5):
            opt.step(mse(net, x, y))
        runs[t] = flat(net)
    moved = (runs[0.0] - flat(small_net(dtype=torch.float64))).abs().max()
    assert (runs[1e-9] - runs[0.0]).abs().max() <= 1e-7 * moved
    assert (runs[-1e-9] - runs[0.0]).abs().max() <= 1e-7 * moved
    assert (runs[100.0] - runs[0.0]).abs().max() > 1e-3 * moved       # a real tilt does change it


def test_mean_tilted_update_matches_monte_carlo_of_the_formula():
    """Linear loss L = a . theta: E[-lr sum_j softmax(t L_j) v_j / (t eps)] by numpy Monte Carlo."""
    d, n, t, eps, N = 5, 4, 2.0, 0.5, 3000
    a = torch.tensor([1.0, -0.5, 0.25, 0.0, 0.7], dtype=torch.float64)
    theta = nn.Parameter(torch.zeros(d, dtype=torch.float64), requires_grad=False)
    opt = MeZO([theta], lr=1.0, eps=eps, n=n, seed=0, t=t)
    deltas = torch.empty(N, d, dtype=torch.float64)
    for k in range(N):
        before = theta.detach().clone()
        opt.step(lambda: (a * theta).sum())
        deltas[k] = theta.detach() - before                 # softmax is shift-invariant: no reset needed
    rng = np.random.default_rng(123)
    z = rng.standard_normal((N, n, d))
    proj = eps * z @ a.numpy()                              # (N, n): L_i+- = L0 +- eps a.z_i
    L = t * np.concatenate([proj, -proj], axis=1)
    w = np.exp(L - L.max(1, keepdims=True))
    w /= w.sum(1, keepdims=True)
    mc = -((w[:, :n] - w[:, n:])[:, :, None] * z).sum(1) / (t * eps)   # (N, d)
    # two independent sample means: 5 standard errors of their difference, per coordinate
    se = np.sqrt(deltas.var(0).numpy() / N + mc.var(0) / N)
    diff = np.abs(deltas.mean(0).numpy() - mc.mean(0))
    assert np.all(diff <= 5 * se + 1e-12), (diff, se)
    # and the tilt is visible: n-SPSA's mean update is -a, the tilted one is shorter
    spsa = -a.numpy()
    assert np.linalg.norm(mc.mean(0) - spsa) > 10 * np.linalg.norm(se)


def test_tilted_state_holds_no_tensor():
    """No stored z: after ZEST steps the optimizer keeps ints and floats only, no tensor of its own."""
    net = small_net()
    x, y = data()
    opt = MeZO(net.parameters(), lr=1e-2, eps=1e-3, n=4, seed=0, t=5.0)
    for _ in range(3):
        opt.step(mse(net, x, y))
    assert len(opt.state) == 0
    own = {k: v for k, v in vars(opt).items() if k not in ("param_groups", "defaults")}
    def tensors(v):
        if isinstance(v, torch.Tensor):
            return 1
        if isinstance(v, (list, tuple)):
            return sum(tensors(u) for u in v)
        if isinstance(v, dict):
            return sum(tensors(u) for u in v.values())
        return sum(tensors(u) for u in vars(v).values()) if hasattr(v, "__dict__") else 0
    assert sum(tensors(v) for v in own.values()) == 0, own
    assert all(isinstance(c, float) for c in opt.coefficients) and len(opt.coefficients) == 4
    assert set(opt.param_groups[0]) == {"params", "lr", "eps", "weight_decay"}


# --- data parallel: two gloo processes against one process on the concatenated batch ----------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _gloo(rank: int, world: int, port: int):
    """This spawned process as one rank of a gloo group on 127.0.0.1:port, torn down on exit."""
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        yield
    finally:
        dist.destroy_process_group()


def _dp_worker(rank: int, world: int, port: int, out: str, steps: int):
    with _gloo(rank, world, port):
        net = small_net(dtype=torch.float64)
        x, y = data(rows=8, dtype=torch.float64)
        xs, ys = x[rank::world], y[rank::world]
        opt = MeZO(net.parameters(), lr=5e-2, eps=1e-3, n=2, seed=5, distributed=True)
        losses = [opt.step(mse(net, xs, ys)) for _ in range(steps)]
        torch.save(dict(params=flat(net), losses=losses), f"{out}/rank{rank}.pt")


def test_two_process_gloo_matches_one_process(tmp_path):
    steps = 6
    for attempt in range(2):               # a second try on a fresh port if another process took ours
        try:
            mp.start_processes(_dp_worker, args=(2, _free_port(), str(tmp_path), steps), nprocs=2, join=True,
                               start_method="spawn")
            break
        except mp.ProcessRaisedException:
            if attempt:
                raise
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1))
    assert torch.equal(r0["params"], r1["params"])                 # bitwise identical on both ranks
    # float64, so the summation order of the loss (two shards vs one batch) stays invisible
    net = small_net(dtype=torch.float64)
    x, y = data(rows=8, dtype=torch.float64)
    opt = MeZO(net.parameters(), lr=5e-2, eps=1e-3, n=2, seed=5)
    losses = [opt.step(mse(net, x, y)) for _ in range(steps)]
    assert torch.allclose(r0["params"], flat(net), rtol=1e-9, atol=1e-12)
    assert all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(r0["losses"], losses))
    assert not torch.allclose(flat(net), flat(small_net(dtype=torch.float64)), atol=1e-4)           # it did move


def _dp_nan_worker(rank: int, world: int, port: int, out: str):
    with _gloo(rank, world, port):
        net = small_net(dtype=torch.float64)
        x, y = data(rows=8, dtype=torch.float64)
        opt = MeZO(net.parameters(), lr=5e-2, eps=1e-3, n=2, seed=5, distributed=True)
        opt.step(mse(net, x[rank::world], y[rank::world]))
        before = flat(net).clone()
        # only rank 1 sees a NaN: both must raise, neither may hang in the next collective
        bad = (lambda: torch.tensor(float("nan"))) if rank == 1 else mse(net, x[rank::world], y[rank::world])
        try:
            opt.step(bad)
            raised = False
        except FloatingPointError:
            raised = True
        empty_ok = mezo.agree(rank != 0)                  # rank 0 has an empty shard: all skip
        torch.save(dict(raised=raised, restored=torch.equal(flat(net), before) or
                        bool((flat(net) - before).abs().max() < 1e-12), params=flat(net), agree=empty_ok),
                   f"{out}/nan{rank}.pt")


def test_a_nan_on_one_worker_stops_every_worker_without_a_hang(tmp_path):
    ctx = mp.start_processes(_dp_nan_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=False,
                             start_method="spawn")
    deadline = 120.0
    import time
    t0 = time.monotonic()
    while not ctx.join(timeout=5):
        if time.monotonic() - t0 > deadline:
            for p in ctx.processes:
                p.kill()
            pytest.fail("data-parallel workers hung after a NaN on one rank")
    r0, r1 = (torch.load(tmp_path / f"nan{r}.pt") for r in (0, 1))
    assert r0["raised"] and r1["raised"] and r0["restored"] and r1["restored"]
    assert torch.equal(r0["params"], r1["params"])
    assert r0["agree"] is False and r1["agree"] is False



@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_restore_and_determinism():
    net = small_net().cuda()
    x, y = (t.cuda() for t in data())
    before = flat(net).clone()
    opt = MeZO(net.parameters(), lr=0.0, eps=1e-3, seed=0)
    for _ in range(5):
        opt.step(mse(net, x, y))
    assert (flat(net) - before).abs().max() <= 1e-6 * before.abs().max()
    a, b = small_net().cuda(), small_net().cuda()
    for m in (a, b):
        o = MeZO(m.parameters(), lr=1e-2, eps=1e-3, seed=1)
        for _ in range(5):
            o.step(mse(m, x, y))
    assert torch.equal(flat(a), flat(b))


def test_named_figures_build_with_defaults():
    from zo_core import viz
    fig = viz.build("mezo_memory_table")
    assert [t.name for t in fig.data][0] == "Zero-shot / MeZO" and list(fig.data[0].y)[0] == 4
    assert viz.build("mezo_two_layer", m=64, n=32, projector=True).data
    assert len(viz.build("mezo_restore_error", numel=10_000, steps=2).data[0].y) == 3
    ratio = viz.build("mezo_memory_ratio", smollm2=3.5)
    assert [round(v, 2) for v in ratio.data[0].y][:2] == [6.75, 7.86] and list(ratio.data[1].y) == [3.5]
    assert viz.build("mezo_training_curves", losses=(0.7, 0.6), val_acc=((1, 0.6),), acc_before=0.5).data


