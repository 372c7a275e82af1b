"""Command line for MeZO on the course's language models: train (also data parallel), bench, measure.

    python -m zo_core.mezo_cli train --model minilm --subset lora --steps 300 --directions 1
    torchrun --standalone --nproc_per_node 4 -m zo_core.mezo_cli train --distributed --steps 200
    python -m zo_core.mezo_cli bench --memory
    python -m zo_core.mezo_cli measure --mode adam --model smollm2     # (internal) one mode, as JSON

torchrun sets RANK, WORLD_SIZE, LOCAL_RANK; nccl when CUDA is there (``cuda:LOCAL_RANK mod
device_count``), gloo otherwise. Each rank reads rows ``rank::world_size`` of every global batch;
the traffic per step is 2n + 1 floats.
"""

from __future__ import annotations

import argparse
import json
import sys

import torch

from zo_core import lm
from zo_core.lm import parallel


def _train(args) -> int:
    rank, world, device = 0, 1, None
    if args.distributed:
        rank, world, device = parallel.init_distributed()
    try:
        task = lm.load_task(model=args.model, device=device)
        result = lm.train(task, method=args.method, steps=args.steps, lr=args.lr, eps=args.eps, n=args.n, t=args.t,
                          subset=args.subset, r=args.r, batch_size=args.batch, seed=args.seed,
                          eval_size=args.eval_size, max_length=args.max_length, distributed=args.distributed,
                          weight_decay=args.weight_decay,
                          callback=(lambda rec: print(f"step {rec.step:5d}  loss {rec.loss:.4f}", flush=True))
                          if rank == 0 and args.verbose else None)
    except (ValueError, FloatingPointError, MemoryError, torch.cuda.OutOfMemoryError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if rank == 0:
        print(json.dumps(dict(model=args.model, method=args.method, subset=args.subset, steps=result.steps,
                              world_size=world, acc_before=result.acc_before, acc_after=result.acc_after,
                              loss_first=result.losses[0] if result.losses else None,
                              loss_last=result.losses[-1] if result.losses else None,
                              queries=result.queries, backbone_passes=result.backbone_passes,
                              seconds=result.seconds, stopped=result.stopped), indent=1))
    return 0


def _measure(args) -> int:
    print(json.dumps(lm.measure_memory_here(mode=args.mode, model=args.model, batch_size=args.batch,
                                            max_length=args.max_length, subset=args.subset)))
    return 0


def _bench(args) -> int:
    r = lm.step_time_ratio(model=args.model, batch_size=args.batch, max_length=args.max_length,
                           repeats=args.repeats)
    print(f"model {args.model}, batch {args.batch} x {args.max_length} tokens, device {r['device']}")
    print(f"forward          {r['forward_s'] * 1e3:8.1f} ms (median of {args.repeats})")
    print(f"MeZO step        {r['step_s'] * 1e3:8.1f} ms  = forward {r['step_forward_s'] * 1e3:.1f} "
          f"+ noise {r['step_noise_s'] * 1e3:.1f}")
    print(f"step / (2 x fwd) {r['ratio']:8.3f}")
    if args.memory:
        mem = {m: lm.measure_memory(mode=m, model=args.model, batch_size=args.batch, max_length=args.max_length)
               for m in lm.MODES}
        for m, v in mem.items():
            print(f"peak above baseline {m:9s} {v['above_mb']:9.1f} MB (baseline {v['baseline_mb']:.0f} MB, "
                  f"{v['kind']})")
    return 0


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m zo_core.mezo_cli", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    tr = sub.add_parser("train", help="fine-tune on the sentiment task and print accuracy before/after")
    tr.add_argument("--model", default="minilm", help="minilm | smollm2 | a folder name under ZOLAB_MODELS_DIR")
    tr.add_argument("--method", default="mezo", choices=lm.METHODS)
    tr.add_argument("--steps", type=int, default=100)
    tr.add_argument("--lr", type=float, default=1e-4)
    tr.add_argument("--eps", type=float, default=1e-3)
    tr.add_argument("--t", type=float, default=0.0, help="ZEST's tilt (with --method zest)")
    tr.add_argument("--directions", "--n", dest="n", type=int, default=1,
                    help="n-SPSA directions a step (spell it --directions under torchrun)")
    tr.add_argument("--weight-decay", type=float, default=0.0)
    tr.add_argument("--subset", default="lora", choices=lm.SUBSETS)
    tr.add_argument("--r", type=int, default=8, help="LoRA rank")
    tr.add_argument("--batch", type=int, default=16)
    tr.add_argument("--max-length", type=int, default=64)
    tr.add_argument("--eval-size", type=int, default=200)
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--distributed", action="store_true", help="data parallel over torchrun's processes")
    tr.add_argument("--verbose", action="store_true")
    be = sub.add_parser("bench", help="MeZO step time / (2 x forward), and peak memory above baseline")
    be.add_argument("--model", default="minilm")
    be.add_argument("--batch", type=int, default=32)
    be.add_argument("--max-length", type=int, default=64)
    be.add_argument("--repeats", type=int, default=7)
    be.add_argument("--memory", action="store_true", help="also measure peak memory in subprocesses")
    me = sub.add_parser("measure", help="(internal) peak memory of one mode in this process, as JSON")
    me.add_argument("--mode", required=True, choices=lm.MODES)
    me.add_argument("--model", default="minilm")
    me.add_argument("--batch", type=int, default=8)
    me.add_argument("--max-length", type=int, default=64)
    me.add_argument("--subset", default="all", choices=lm.SUBSETS)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return {"train": _train, "bench": _bench, "measure": _measure}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
