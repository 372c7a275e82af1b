"""MeZO on a GPU: step / (2 x forward), peak memory MeZO / inference and full FT / MeZO per model size.

Needs only torch and transformers and nothing from the network: the models are OPT-125M / 350M /
1.3B and SmolLM2-135M *shapes* with random weights, built from configs written here. Also a short
fine-tune gain: MeZO on a tiny random OPT learning a synthetic next-token rule, three seeds.

    python -m bench.mezo_gpu               # on a CUDA machine: all sizes, about 2-4 minutes on one GPU
    python -m bench.mezo_gpu --cpu-smoke   # tiny shapes on the CPU, to prove the script runs (~1 min)

Memory is ``torch.cuda.max_memory_allocated`` (on CPU: peak RSS above the process's baseline, a
rough figure). Backprop fine-tuning is full-parameter AdamW in the same dtype, as in the paper's table.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

import torch

from zo_core.mezo import MeZO  # torch only: the optimizer imports nothing else

OPT = {
    "OPT-125M": dict(hidden_size=768, num_hidden_layers=12, ffn_dim=3072, num_attention_heads=12,
                     word_embed_proj_dim=768, do_layer_norm_before=True),
    "OPT-350M": dict(hidden_size=1024, num_hidden_layers=24, ffn_dim=4096, num_attention_heads=16,
                     word_embed_proj_dim=512, do_layer_norm_before=False),
    "OPT-1.3B": dict(hidden_size=2048, num_hidden_layers=24, ffn_dim=8192, num_attention_heads=32,
                     word_embed_proj_dim=2048, do_layer_norm_before=True),
}
SMOLLM2 = dict(hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
               num_key_value_heads=3, vocab_size=49152, max_position_embeddings=2048, tie_word_embeddings=True)
TINY = {   # --cpu-smoke: the same code path, shapes small enough for a laptop CPU
    "OPT-tiny": dict(hidden_size=64, num_hidden_layers=2, ffn_dim=128, num_attention_heads=4,
                     word_embed_proj_dim=64, do_layer_norm_before=True),
}


def build(name: str, device: str, dtype: torch.dtype, smoke: bool):
    from transformers import LlamaConfig, LlamaForCausalLM, OPTConfig, OPTForCausalLM
    with torch.device(device):
        if name.startswith("OPT"):
            cfg = OPTConfig(vocab_size=512 if smoke else 50272, max_position_embeddings=2048,
                            **(TINY if smoke else OPT)[name])
            model = OPTForCausalLM(cfg)
        else:
            shape = dict(SMOLLM2, num_hidden_layers=2, vocab_size=512) if smoke else SMOLLM2
            model = LlamaForCausalLM(LlamaConfig(**shape))
    return model.to(dtype).eval()


class Meter:
    """Peak memory above the start: CUDA max_memory_allocated, or CPU VmHWM above VmRSS."""

    def __init__(self, device: str):
        self.cuda = device.startswith("cuda")

    def _status(self, field: str) -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        return 0.0

    def start(self) -> None:
        gc.collect()
        if self.cuda:
            torch.cuda.synchronize()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            self.base = 0.0
        else:
            try:
                Path("/proc/self/clear_refs").write_text("5")
            except OSError:
                pass
            self.base = self._status("VmRSS")

    def peak_mb(self) -> float:
        if self.cuda:
            torch.cuda.synchronize()
            return torch.cuda.max_memory_allocated() / 2**20
        return self._status("VmHWM") - self.base


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def one_size(name: str, *, device: str, dtype: torch.dtype, batch: int, tokens: int, repeats: int,
             smoke: bool) -> dict:
    """Forward / MeZO step / AdamW step times and peaks for one model shape, each mode on a fresh model."""
    meter = Meter(device)
    out = {}
    for mode in ("inference", "mezo", "adam"):
        meter.start()
        model = build(name, device, dtype, smoke)
        gen = torch.Generator(device=device).manual_seed(0)
        ids = torch.randint(0, model.config.vocab_size, (batch, tokens), device=device, generator=gen)

        def loss():
            return model(input_ids=ids, labels=ids).loss

        if mode == "adam":
            opt = torch.optim.AdamW(model.parameters(), lr=1e-7)
        else:
            for p in model.parameters():
                p.requires_grad_(False)
            opt = MeZO(model.parameters(), lr=1e-7, eps=1e-3, seed=0) if mode == "mezo" else None
        times = []
        for i in range(repeats + 1):
            sync(device)
            t0 = time.perf_counter()
            if mode == "inference":
                with torch.no_grad():
                    float(loss())
            elif mode == "mezo":
                with torch.no_grad():
                    opt.step(loss)
            else:
                opt.zero_grad(set_to_none=False)
                loss().backward()
                opt.step()
            sync(device)
            if i:
                times.append(time.perf_counter() - t0)
        out[mode] = dict(peak_mb=meter.peak_mb(), s=statistics.median(times))
        out["params"] = sum(p.numel() for p in model.parameters())
        del model, opt, ids
    return out


def fine_tune_gain(*, device: str, steps: int, seeds: int = 3) -> list[tuple[float, float]]:
    """(held-out loss before, after) of MeZO on a tiny random OPT learning ``next = (5 tok + 3) mod V``."""
    from transformers import OPTConfig, OPTForCausalLM
    vocab, length = 32, 16
    results = []
    for seed in range(seeds):
        with torch.device(device):
            model = OPTForCausalLM(OPTConfig(vocab_size=vocab, hidden_size=64, num_hidden_layers=2, ffn_dim=128,
                                             num_attention_heads=4, word_embed_proj_dim=64,
                                             max_position_embeddings=64)).eval()
        gen = torch.Generator(device="cpu").manual_seed(seed)     # weights from a local generator, per seed
        with torch.no_grad():
            for p in model.parameters():
                if p.ndim >= 2:
                    p.copy_(torch.randn(p.shape, generator=gen).to(p.device) * 0.02)
            for p in model.parameters():
                p.requires_grad_(False)

        def batch(n, g):
            first = torch.randint(0, vocab, (n, 1), generator=g)
            seq = [first]
            for _ in range(length - 1):
                seq.append((5 * seq[-1] + 3) % vocab)
            return torch.cat(seq, 1).to(device)

        held = batch(256, torch.Generator().manual_seed(10_000 + seed))

        def loss_on(ids):
            return model(input_ids=ids, labels=ids).loss

        with torch.no_grad():
            before = float(loss_on(held))
            opt = MeZO(model.parameters(), lr=1e-3, eps=1e-3, n=4, seed=seed)
            g = torch.Generator().manual_seed(seed)
            for _ in range(steps):
                ids = batch(32, g)
                opt.step(lambda: loss_on(ids))
            after = float(loss_on(held))
        results.append((before, after))
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cpu-smoke", action="store_true", help="tiny shapes on the CPU (proves the script runs)")
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    args = ap.parse_args()
    smoke = args.cpu_smoke
    if not smoke and not torch.cuda.is_available():
        print("no CUDA device here: run with --cpu-smoke, or on a GPU machine")
        return 2
    device = "cpu" if smoke else "cuda"
    if smoke:
        torch.set_num_threads(min(2, os.cpu_count() or 1))
    dtype = getattr(torch, args.dtype)
    batch, tokens, repeats = (2, 32, 3) if smoke else (4, 400, 5)
    sizes = list(TINY) + ["SmolLM2-tiny"] if smoke else list(OPT) + ["SmolLM2-135M"]
    t_start = time.perf_counter()
    if smoke:      # the first forward pass of a process allocates library work space: keep it out of the figures
        with torch.no_grad():
            build(sizes[0], device, dtype, smoke)(input_ids=torch.zeros(batch, tokens, dtype=torch.long))
    print(f"device {torch.cuda.get_device_name() if device == 'cuda' else 'cpu'}, torch {torch.__version__}, "
          f"{args.dtype}, batch {batch} x {tokens} tokens, medians of {repeats}", flush=True)
    print(f"{'model':14s} {'params':>8s} {'fwd ms':>8s} {'MeZO ms':>8s} {'step/(2 fwd)':>12s} {'inf MB':>9s} "
          f"{'MeZO MB':>9s} {'FT MB':>9s} {'MeZO/inf':>8s} {'FT/MeZO':>8s}")
    for name in sizes:
        try:
            r = one_size(name, device=device, dtype=dtype, batch=batch, tokens=tokens, repeats=repeats, smoke=smoke)
        except torch.cuda.OutOfMemoryError as err:
            print(f"{name:14s} out of GPU memory: {str(err).splitlines()[0]}")
            continue
        inf, mz, ft = (r[m]["peak_mb"] for m in ("inference", "mezo", "adam"))
        print(f"{name:14s} {r['params'] / 1e6:7.0f}M {r['inference']['s'] * 1e3:8.1f} {r['mezo']['s'] * 1e3:8.1f} "
              f"{r['mezo']['s'] / (2 * r['inference']['s']):12.2f} {inf:9.0f} {mz:9.0f} {ft:9.0f} "
              f"{mz / max(inf, 1e-9):8.2f} {ft / max(mz, 1e-9):8.2f}", flush=True)
    steps = 20 if smoke else 1000
    res = fine_tune_gain(device=device, steps=steps)
    gains = [b - a for b, a in res]
    spread = statistics.stdev(gains) if len(gains) > 1 else 0.0
    print(f"fine-tune gain (tiny random OPT, synthetic next-token rule, MeZO n = 4, {steps} steps, 3 seeds): "
          f"held-out loss {statistics.mean(b for b, _ in res):.3f} -> {statistics.mean(a for _, a in res):.3f}, "
          f"gain {statistics.mean(gains):.3f} ± {spread:.3f}")
    print(f"total {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
