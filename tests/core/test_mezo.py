"""MeZO against closed forms and torch autograd: restore, determinism, E[g z] = grad L, no state, DP."""

from __future__ import annotations

import math
import os
import socket

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


def test_param_groups_split_decay_by_name():
    net = small_net()
    groups = mezo.param_groups(net, net.parameters(), 0.1)
    decay = {id(p) for p in groups[0]["params"]}
    assert decay == {id(net[0].weight), id(net[3].weight)}
    assert groups[1]["weight_decay"] == 0.0


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
                                       (dict(weight_decay=-1.0), "weight_decay")])
def test_bad_hyperparameters_raise(kw, match):
    args = dict(lr=1e-3, eps=1e-3, seed=0) | kw
    with pytest.raises(ValueError, match=match):
        MeZO(small_net().parameters(), **args)


def test_subsets():
    class Toy(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(10, 4)
            self.layers = nn.ModuleList(nn.Linear(4, 4) for _ in range(3))
            self.head = nn.Linear(4, 2)

    m = Toy()
    assert len(mezo.select(m, "all")) == 9
    assert [id(p) for p in mezo.select(m, "head")] == [id(m.head.weight), id(m.head.bias)]
    last = {id(p) for p in mezo.select(m, "last", 2)}
    assert last == {id(p) for p in [*m.layers[1].parameters(), *m.layers[2].parameters(), *m.head.parameters()]}
    with pytest.raises(ValueError, match="k must lie"):
        mezo.select(m, "last", 4)
    with pytest.raises(ValueError, match="unknown parameter subset"):
        mezo.select(m, "middle")


def test_cli_unknown_model_is_a_clear_error(capsys):
    assert mezo.main(["train", "--model", "/no/such/model", "--steps", "1"]) == 2
    assert "unknown model" in capsys.readouterr().err


# --- data parallel: two gloo processes against one process on the concatenated batch ----------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dp_worker(rank: int, world: int, port: int, out: str, steps: int):
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        net = small_net(dtype=torch.float64)
        x, y = data(rows=8, dtype=torch.float64)
        xs, ys = mezo.shard((x, y), rank, world)
        opt = MeZO(net.parameters(), lr=5e-2, eps=1e-3, n=2, seed=5, distributed=True)
        losses = [opt.step(mse(net, xs, ys)) for _ in range(steps)]
        torch.save(dict(params=flat(net), losses=losses), f"{out}/rank{rank}.pt")
    finally:
        dist.destroy_process_group()


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


def test_two_layer_memory_counts():
    mem = mezo.two_layer_memory(512, 256)
    weights = 512 * 256 + 256
    assert mem["backprop + SGD"]["gradients"] == weights and mem["MeZO"]["gradients"] == 0
    assert sum(mem["backprop + Adam"].values()) > 3 * sum(mem["inference"].values())
