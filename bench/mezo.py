"""MeZO performance figures: step time / (2 x forward), peak memory ratios, OPT on a GPU.

    .venv/bin/python bench/mezo.py            # CPU figures for the default model (and GPU ones if CUDA)
    .venv/bin/python bench/mezo.py --quick    # fewer repeats

Targets: MeZO step / (2 x forward) <= 1.5 on CPU (<= 1.2 on GPU) for MiniLM-L6 at batch 32 x 64
tokens; peak memory MeZO / inference <= 1.1 on GPU; backprop-Adam / MeZO printed for the default
model and, on a GPU, for randomly initialised OPT-125M / 350M / 1.3B (the paper: about 7x at 1.3B).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time

import torch

from zo_core import lm, mezo

# OPT configurations of the paper's family (facebook/opt-*), built from a config: nothing is downloaded.
OPT = {
    "125M": dict(hidden_size=768, num_hidden_layers=12, ffn_dim=3072, num_attention_heads=12,
                 word_embed_proj_dim=768, do_layer_norm_before=True),
    "350M": dict(hidden_size=1024, num_hidden_layers=24, ffn_dim=4096, num_attention_heads=16,
                 word_embed_proj_dim=512, do_layer_norm_before=False),
    "1.3B": dict(hidden_size=2048, num_hidden_layers=24, ffn_dim=8192, num_attention_heads=32,
                 word_embed_proj_dim=2048, do_layer_norm_before=True),
}


def cpu_figures(repeats: int) -> None:
    print("== MiniLM-L6 (default model), batch 32 x 64 tokens, all parameters")
    r = lm.step_time_ratio(model="minilm", batch_size=32, max_length=64, repeats=repeats, device="cpu")
    print(f"forward (median of {repeats})      {r['forward_s'] * 1e3:9.1f} ms")
    print(f"MeZO step (median)            {r['step_s'] * 1e3:9.1f} ms = forward passes {r['step_forward_s'] * 1e3:.1f}"
          f" + noise/update {r['step_noise_s'] * 1e3:.1f}")
    print(f"ratio step / (2 x forward)    {r['ratio']:9.3f}   (target <= 1.5 on CPU)")
    mem = {m: lm.measure_memory(mode=m, model="minilm", batch_size=32, max_length=64)
           for m in ("inference", "mezo", "adam")}
    for m, v in mem.items():
        print(f"peak memory {m:10s}        {v['peak_mb']:9.1f} MB ({v['kind']}, includes the interpreter)")
    print(f"ratio MeZO / inference        {mem['mezo']['peak_mb'] / mem['inference']['peak_mb']:9.3f}")
    print(f"ratio Adam / MeZO             {mem['adam']['peak_mb'] / mem['mezo']['peak_mb']:9.3f}")
    for dt in (torch.float32, torch.bfloat16, torch.float16):
        print(f"restore error {str(dt):15s} {mezo.restore_error(dt):9.2e}  (10 steps, lr = 0, eps = 1e-3)")


def _opt_peak(size: str, mode: str, batch: int, tokens: int, dtype: torch.dtype) -> tuple[float, float]:
    """(peak MB, median seconds per step) of one mode on a random OPT model on the GPU."""
    from transformers import OPTConfig, OPTForCausalLM
    gc.collect()
    torch.cuda.empty_cache()
    cfg = OPTConfig(vocab_size=50272, max_position_embeddings=2048, **OPT[size])
    model = OPTForCausalLM(cfg).to("cuda", dtype).eval()
    gen = torch.Generator(device="cuda").manual_seed(0)
    ids = torch.randint(0, cfg.vocab_size, (batch, tokens), device="cuda", generator=gen)

    def loss():
        return model(input_ids=ids, labels=ids).loss

    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    times = []
    if mode == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=1e-7)
    elif mode == "mezo":
        for p in model.parameters():
            p.requires_grad_(False)
        opt = mezo.MeZO(model.parameters(), lr=1e-7, eps=1e-3, seed=0)
    for _ in range(4):
        t0 = time.perf_counter()
        if mode == "inference":
            with torch.no_grad():
                float(loss())
        elif mode == "mezo":
            with torch.no_grad():
                opt.step(loss)
        else:
            opt.zero_grad(set_to_none=True)
            loss().backward()
            opt.step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return torch.cuda.max_memory_allocated() / 2**20, statistics.median(times[1:])


def gpu_figures(repeats: int) -> None:
    print("== GPU:", torch.cuda.get_device_name())
    r = lm.step_time_ratio(model="minilm", batch_size=32, max_length=64, repeats=repeats, device="cuda")
    print(f"MiniLM step / (2 x forward)   {r['ratio']:9.3f}   (target <= 1.2 on GPU)")
    mem = {m: lm.measure_memory(mode=m, model="minilm", batch_size=32, max_length=64)
           for m in ("inference", "mezo", "adam")}
    print(f"MiniLM MeZO / inference       {mem['mezo']['peak_mb'] / mem['inference']['peak_mb']:9.3f}   (target <= 1.1)")
    print(f"MiniLM Adam / MeZO            {mem['adam']['peak_mb'] / mem['mezo']['peak_mb']:9.3f}")
    print("OPT (random weights, fp32, batch 4 x 400 tokens as in MultiRC)")
    for size in OPT:
        try:
            res = {m: _opt_peak(size, m, 4, 400, torch.float32) for m in ("inference", "mezo", "adam")}
        except torch.cuda.OutOfMemoryError as err:
            print(f"  OPT-{size}: out of GPU memory ({str(err).splitlines()[0]})")
            continue
        inf, mz, ad = (res[m][0] for m in ("inference", "mezo", "adam"))
        print(f"  OPT-{size:5s} peak MB: inference {inf:8.0f}  MeZO {mz:8.0f}  Adam {ad:8.0f}   "
              f"MeZO/inf {mz / inf:5.2f}  Adam/MeZO {ad / mz:5.2f}   "
              f"step/(2 fwd) {res['mezo'][1] / (2 * res['inference'][1]):5.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--gpu-only", action="store_true")
    args = ap.parse_args()
    repeats = 3 if args.quick else 7
    if not args.gpu_only:
        cpu_figures(repeats)
    if torch.cuda.is_available():
        gpu_figures(repeats)
    else:
        print("== GPU: no CUDA device here; the OPT 125M / 350M / 1.3B figures are skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
