"""What MeZO saves, measured: step time / (2 x forward), and peak memory above a measured baseline.

CPU peak memory is the kernel's peak resident set (VmHWM) *above a baseline* taken in the same
fresh process once the interpreter, the libraries, the weights (copied out of their memory map, so
they are fully resident) and the batch are in memory. What remains is what a mode adds: activations
and library work space (inference), plus one noise chunk (MeZO), plus gradients (SGD), plus two
moments (Adam). On a GPU, ``torch.cuda.max_memory_allocated`` above the allocated baseline.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from zo_core import mezo
from zo_core.lm.models import Task, load_task
from zo_core.lm.params import select
from zo_core.lm.training import loss_fn

MODES = ("inference", "mezo", "sgd", "adam")


def two_layer_memory(m: int, n: int, *, batch: int = 1, chunk: int = mezo.CHUNK) -> dict[str, dict[str, int]]:
    """Numbers held at the peak of one update of y2 = W2 W1 x (x: batch x m, W1: n x m, W2: 1 x n).

    Backprop keeps x, y1 and y2 for the backward pass plus dL/dy1 (``batch (m + 2n + 1)``) and a
    gradient as large as the weights; Adam adds two moments. Inference and MeZO hold one layer's
    input and output at a time (``batch (m + n)`` at the first layer); MeZO adds the noise it is
    drawing: ``min(largest tensor, chunk)`` numbers, regenerated from the seed, never stored.
    """
    for name, v in (("m", m), ("n", n), ("batch", batch), ("chunk", chunk)):
        if not 1 <= int(v) <= 1 << 24:
            raise ValueError(f"{name} must lie in [1, 2^24], got {v}")
    weights = n * m + n
    forward = batch * (m + n)
    backward = batch * (m + 2 * n + 1)
    return {
        "backprop + Adam": dict(weights=weights, activations=backward, gradients=weights, optimizer=2 * weights),
        "backprop + SGD": dict(weights=weights, activations=backward, gradients=weights, optimizer=0),
        "MeZO": dict(weights=weights, activations=forward, gradients=0, optimizer=0,
                     perturbation=min(n * m, chunk)),
        "inference": dict(weights=weights, activations=forward, gradients=0, optimizer=0),
    }


def _batch(task: Task, batch_size: int, max_length: int) -> tuple[dict, torch.Tensor]:
    x, y = task.data.train
    task.model.max_length = max_length
    return task.model.encode(x[:batch_size], pad_to_max=True), y[:batch_size]


def step_time_ratio(*, model: str = "minilm", batch_size: int = 32, max_length: int = 64, repeats: int = 7,
                    n: int = 1, device=None) -> dict:
    """Median MeZO step time / (2 n x median forward time) on one fixed batch of ``batch_size x max_length``."""
    task = load_task(model, device=device, max_length=max_length)
    clf = task.model
    enc, y = _batch(task, batch_size, max_length)
    opt = mezo.MeZO(clf.parameters(), lr=1e-7, eps=1e-3, n=n, seed=0, time_steps=True)
    sync = torch.cuda.synchronize if clf.device.type == "cuda" else (lambda: None)
    fwd, step = [], []
    with torch.no_grad():
        for i in range(repeats + 1):
            sync()
            t0 = time.perf_counter()
            float(loss_fn(clf, enc, y))
            sync()
            t1 = time.perf_counter()
            opt.step(lambda: loss_fn(clf, enc, y))
            sync()
            t2 = time.perf_counter()
            if i:                                    # the first round warms up
                fwd.append(t1 - t0)
                step.append(t2 - t1)
    hist = opt.times.history[1:]
    return dict(device=str(clf.device), forward_s=statistics.median(fwd), step_s=statistics.median(step),
                step_forward_s=statistics.median(h[0] for h in hist),
                step_noise_s=statistics.median(h[1] for h in hist),
                ratio=statistics.median(step) / (2 * n * statistics.median(fwd)))


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise OSError(f"{field} not in /proc/self/status")


def _reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0); without it the baseline would be wrong."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def make_resident(model: torch.nn.Module) -> None:
    """Copy every weight out of its file mapping into private memory (safetensors are mmap-ed)."""
    with torch.no_grad():
        for p in model.parameters():
            p.data = p.data.clone()
        for b in model.buffers():
            b.data = b.data.clone()
    gc.collect()


def measure_memory_here(*, mode: str, model: str = "minilm", batch_size: int = 8, max_length: int = 64,
                        subset: str = "all", steps: int = 2) -> dict:
    """Peak memory (MB) above the baseline of ``steps`` rounds of one mode, in this (fresh) process."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose {', '.join(MODES)}")
    task = load_task(model, max_length=max_length, fresh=False)
    clf = task.model
    params = select(clf, subset)
    make_resident(clf)
    enc, y = _batch(task, batch_size, max_length)
    cuda = clf.device.type == "cuda"
    gc.collect()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated() / 2**20
    else:
        _reset_peak()
        base = _status_mb("VmRSS")
    if mode == "inference":
        with torch.no_grad():
            for _ in range(steps):
                float(loss_fn(clf, enc, y))
    elif mode == "mezo":
        opt = mezo.MeZO(params, lr=1e-7, eps=1e-3, seed=0)
        with torch.no_grad():
            for _ in range(steps):
                opt.step(lambda: loss_fn(clf, enc, y))
    else:
        for p in params:
            p.requires_grad_(True)
        opt = torch.optim.SGD(params, lr=1e-7) if mode == "sgd" else torch.optim.Adam(params, lr=1e-7)
        for _ in range(steps):
            opt.zero_grad(set_to_none=False)       # gradients stay allocated, as in a training loop
            loss_fn(clf, enc, y).backward()
            opt.step()
    if cuda:
        torch.cuda.synchronize()
        peak, kind = torch.cuda.max_memory_allocated() / 2**20, "cuda max_memory_allocated"
    else:
        peak, kind = _status_mb("VmHWM"), "CPU peak RSS"
    return dict(mode=mode, model=model, baseline_mb=base, peak_mb=peak, above_mb=peak - base, kind=kind,
                device=str(clf.device), n_params=task.n_params, n_tuned=sum(p.numel() for p in params),
                batch_size=batch_size, max_length=max_length)


def measure_memory(*, mode: str, model: str = "minilm", batch_size: int = 8, max_length: int = 64,
                   subset: str = "all", timeout: float = 300) -> dict:
    """:func:`measure_memory_here` in a fresh Python process (so its peak is its own)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose {', '.join(MODES)}")
    cmd = [sys.executable, "-m", "zo_core.mezo_cli", "measure", "--mode", mode, "--model", model,
           "--batch", str(int(batch_size)), "--max-length", str(int(max_length)), "--subset", subset]
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    out = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        tail = out.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise RuntimeError(f"memory measurement of {mode} failed: {tail[0]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
