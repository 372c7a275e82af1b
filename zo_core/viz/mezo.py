"""Figures of the MeZO page: the paper's memory table, the two-layer example, restore error, a run's curves.

torch is imported inside the figures that need it, so loading zo_core.viz stays fast.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from zo_core.viz import COLORS, figure, theme

# Table 22 of Malladi et al. (2023): peak GPU memory (GB) on MultiRC (about 400 tokens), OPT models.
# 66B full-parameter and prefix fine-tuning needed 16 and 8 A100s; the table gives no GB for them.
PAPER_SIZES = ["1.3B", "2.7B", "6.7B", "13B", "30B", "66B"]
PAPER_MEMORY_GB = {
    "Zero-shot / MeZO": [4, 7, 14, 26, 58, 128],
    "In-context learning": [6, 8, 16, 29, 62, 134],
    "Prefix fine-tuning": [19, 29, 46, 158, 315, None],
    "Full-parameter fine-tuning": [27, 55, 156, 316, 633, None],
}
PAPER_GPUS = {
    "Zero-shot / MeZO": ["1xA100"] * 5 + ["2xA100"],
    "In-context learning": ["1xA100"] * 5 + ["2xA100"],
    "Prefix fine-tuning": ["1xA100"] * 3 + ["2xA100", "4xA100", "8xA100"],
    "Full-parameter fine-tuning": ["1xA100", "1xA100", "2xA100", "4xA100", "8xA100", "16xA100"],
}
_METHOD_COLORS = [COLORS["green"], COLORS["sky"], COLORS["orange"], COLORS["vermillion"]]


@figure
def mezo_memory_table(log: bool = True, projector: bool = False) -> go.Figure:
    """The MeZO paper's memory table (OPT on MultiRC): MeZO needs what inference needs."""
    fig = go.Figure()
    for (method, gb), color in zip(PAPER_MEMORY_GB.items(), _METHOD_COLORS):
        y = [np.nan if v is None else v for v in gb]
        text = [f"{v} GB" if v is not None else g for v, g in zip(gb, PAPER_GPUS[method])]
        fig.add_trace(go.Bar(x=PAPER_SIZES, y=y, name=method, marker_color=color, text=text,
                             textposition="outside", customdata=PAPER_GPUS[method],
                             hovertemplate="%{x}: %{y} GB on %{customdata}<extra>" + method + "</extra>"))
    fig.update_xaxes(title="OPT model size")
    fig.update_yaxes(title="peak GPU memory (GB)", type="log" if log else "linear")
    fig = theme(fig, projector=projector, title="Memory of fine-tuning OPT (MeZO paper, Table 22)", height=560)
    fig.update_layout(barmode="group", legend=dict(orientation="h", yanchor="top", y=-0.18, x=0),
                      margin=dict(b=130))
    return fig


@figure
def mezo_two_layer(m: int = 512, n: int = 256, batch: int = 32, chunk: int = 4096,
                   projector: bool = False) -> go.Figure:
    """Floats held at the peak of one update of y2 = W2 W1 x: backprop (SGD / Adam), MeZO, inference."""
    from zo_core.lm import memory      # imports torch: only when this figure is drawn
    mem = memory.two_layer_memory(int(m), int(n), batch=int(batch), chunk=int(chunk))
    parts = [("weights", COLORS["blue"]), ("activations", COLORS["sky"]), ("gradients", COLORS["vermillion"]),
             ("optimizer", COLORS["orange"]), ("perturbation", COLORS["green"])]
    methods = list(mem)
    fig = go.Figure()
    for part, color in parts:
        fig.add_trace(go.Bar(y=methods, x=[mem[k].get(part, 0) for k in methods], name=part, orientation="h",
                             marker_color=color))
    totals = [sum(v.values()) for v in mem.values()]
    fig.add_trace(go.Scatter(y=methods, x=totals, mode="text", text=[f"  {t:,}" for t in totals],
                             textposition="middle right", showlegend=False, hoverinfo="skip"))
    fig.update_xaxes(title=f"floats held (batch {batch}: x ∈ R^{batch}×{m}, y1 ∈ R^{batch}×{n}; noise chunk {chunk:,})",
                     range=[0, max(totals) * 1.25])
    fig = theme(fig, projector=projector, title="Two-layer example: what each method keeps", height=420)
    fig.update_layout(barmode="stack", legend=dict(orientation="h", yanchor="top", y=-0.25, x=0),
                      margin=dict(b=120))
    return fig


@figure
def mezo_restore_error(numel: int = 200_000, steps: int = 10, eps: float = 1e-3,
                       projector: bool = False) -> go.Figure:
    """Relative error after ``steps`` perturb-and-restore rounds (lr = 0) in fp32, bf16 and fp16."""
    import torch

    from zo_core import mezo
    names = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
    errs = [max(mezo.restore_error(d, numel=int(numel), steps=int(steps), eps=float(eps)), 1e-12)
            for d in names.values()]
    fig = go.Figure(go.Bar(x=list(names), y=errs, marker_color=[COLORS["green"], COLORS["orange"],
                                                                  COLORS["vermillion"]],
                           text=[f"{e:.1e}" for e in errs], textposition="outside"))
    fig.update_yaxes(type="log", title="max |θ − θ₀| / max |θ₀|")
    fig.update_xaxes(title=f"parameter dtype ({steps} steps, eps = {eps:g})")
    return theme(fig, projector=projector, title="Perturb and restore: exact in fp32, not in half precision",
                 height=380)


# --- array builders for a run (the page caches the run and passes its numbers) -----------------

def training_curves(losses, val_acc=(), *, acc_before: float | None = None, acc_after: float | None = None,
                    projector: bool = False) -> go.Figure:
    """Training loss per step (and a running mean) beside validation accuracy."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("training loss", "accuracy"))
    steps = np.arange(1, len(losses) + 1)
    losses = np.asarray(losses, float)
    fig.add_trace(go.Scatter(x=steps, y=losses, mode="lines", name="loss", line=dict(color=COLORS["sky"], width=1)),
                  1, 1)
    if len(losses):
        w = max(1, len(losses) // 10)
        smooth = np.convolve(losses, np.ones(w) / w, mode="valid")
        fig.add_trace(go.Scatter(x=steps[w - 1:], y=smooth, mode="lines", name=f"mean of {w}",
                                 line=dict(color=COLORS["blue"], width=3)), 1, 1)
    if len(val_acc):
        va = np.asarray(val_acc, float)
        fig.add_trace(go.Scatter(x=va[:, 0], y=va[:, 1], mode="lines+markers", name="validation accuracy",
                                 line=dict(color=COLORS["green"])), 1, 2)
    for value, label, color in ((acc_before, "test, before", COLORS["black"]),
                                (acc_after, "test, after", COLORS["vermillion"])):
        if value is not None:
            fig.add_hline(y=value, line=dict(color=color, dash="dash"), row=1, col=2,
                          annotation_text=f"{label}: {value:.1%}", annotation_position="bottom right")
    fig.update_xaxes(title="step")
    fig.update_yaxes(title="accuracy", range=[0.3, 1.0], row=1, col=2)
    return theme(fig, projector=projector, height=360)


def memory_bars(measured: dict[str, float], *, kind: str, projector: bool = False) -> go.Figure:
    """Measured peak memory (MB) of inference, MeZO and backprop-Adam, with ratios to inference."""
    names = list(measured)
    values = [measured[k] for k in names]
    base = measured.get("inference") or values[0]
    colors = {"inference": COLORS["sky"], "mezo": COLORS["green"], "adam": COLORS["vermillion"]}
    fig = go.Figure(go.Bar(x=names, y=values, marker_color=[colors.get(k, COLORS["black"]) for k in names],
                           text=[f"{v:,.0f} MB ({v / base:.2f}x)" for v in values], textposition="outside"))
    fig.update_yaxes(title=f"peak memory (MB, {kind})", range=[0, max(values) * 1.2])
    return theme(fig, projector=projector, title="Measured on this machine", height=380)


def step_time_bars(forward_s: float, noise_s: float, steps: int, *, projector: bool = False) -> go.Figure:
    """Mean time per step split into the forward passes and the in-place noise / update passes."""
    fig = go.Figure()
    for name, value, color in (("forward passes", forward_s, COLORS["blue"]),
                               ("noise regeneration + update", noise_s, COLORS["orange"])):
        per = 1e3 * value / max(steps, 1)
        fig.add_trace(go.Bar(y=["MeZO step"], x=[per], name=name, orientation="h", marker_color=color,
                             text=[f"{per:.0f} ms"], textposition="inside"))
    fig.update_layout(barmode="stack", legend=dict(orientation="h", y=1.3, x=0))
    fig.update_xaxes(title="ms per step")
    return theme(fig, projector=projector, height=220)


# --- the budget race and the memory ratios -------------------------------------------------------

RACE_COLORS = {"mezo": COLORS["green"], "zest": COLORS["purple"], "sgd": COLORS["orange"], "adam": COLORS["vermillion"]}
RACE_NAMES = {"mezo": "MeZO (n-SPSA)", "zest": "ZEST (tilted)", "sgd": "SGD (backprop)", "adam": "Adam (backprop)"}


def _band(fig, x, values, name, color, *, dash, col, legend):
    lo, mid, hi = values.min(0), values.mean(0), values.max(0)
    fig.add_trace(go.Scatter(x=np.r_[x, x[::-1]], y=np.r_[hi, lo[::-1]], fill="toself", line=dict(width=0),
                             fillcolor=color, opacity=0.18, hoverinfo="skip", showlegend=False), 1, col)
    fig.add_trace(go.Scatter(x=x, y=mid, mode="lines", name=name, line=dict(color=color, dash=dash, width=3),
                             showlegend=legend, legendgroup=name), 1, col)


@figure
def mezo_race(budget: int = 2000, t: float = 300.0, n: int = 8, seeds: int = 3,
              projector: bool = False) -> go.Figure:
    """Probe accuracy at equal forward passes: MeZO, ZEST, SGD, Adam; mean and min-max band over seeds."""
    from zo_core.lm import race
    r = race.run_race(budget=int(budget), t=float(t), n=int(n), seeds=int(seeds))
    fig = make_subplots(rows=1, cols=2, subplot_titles=("training accuracy", "held-out accuracy"),
                        shared_yaxes=True)
    for m in race.RACE_METHODS:
        name = RACE_NAMES[m] + (f", t = {t:g}" if m == "zest" else "")
        _band(fig, r.budgets, r.train_acc[m], name, RACE_COLORS[m], dash="dot", col=1, legend=False)
        _band(fig, r.budgets, r.test_acc[m], name, RACE_COLORS[m], dash="solid", col=2, legend=True)
    fig.update_xaxes(title="forward passes (loss evaluations)")
    fig.update_yaxes(title="accuracy", row=1, col=1)
    fig = theme(fig, projector=projector, height=440,
                title=f"Budget race on the probe ({seeds} seeds, n = {n}; band: min to max)")
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.2, x=0), margin=dict(b=120))
    return fig


def race_table(budget: int = 2000, t: float = 300.0, n: int = 8, seeds: int = 3) -> list[dict]:
    """Rows (method, train, held-out, gap) at the full budget: mean ± spread over seeds, as text."""
    from zo_core.lm import race
    r = race.run_race(budget=int(budget), t=float(t), n=int(n), seeds=int(seeds))
    rows = []
    for m in race.RACE_METHODS:
        tr, te = r.train_acc[m][:, -1], r.test_acc[m][:, -1]
        rows.append({"method": RACE_NAMES[m], "training": f"{tr.mean():.1%} ± {tr.std(ddof=1):.1%}",
                     "held-out": f"{te.mean():.1%} ± {te.std(ddof=1):.1%}", "gap": f"{(tr - te).mean():+.1%}"})
    return rows


# Table 22: full-parameter fine-tuning / zero-shot (= MeZO) memory, OPT on MultiRC
PAPER_PARAMS = {"1.3B": 1.3e9, "2.7B": 2.7e9, "6.7B": 6.7e9, "13B": 13e9, "30B": 30e9}


@figure
def mezo_memory_ratio(minilm: float = 0.0, smollm2: float = 0.0, projector: bool = False) -> go.Figure:
    """Full fine-tuning / MeZO memory: the paper's OPT points and our measured ones (0 = not measured)."""
    ft, zs = PAPER_MEMORY_GB["Full-parameter fine-tuning"], PAPER_MEMORY_GB["Zero-shot / MeZO"]
    x = list(PAPER_PARAMS.values())
    y = [f / z for f, z, _ in zip(ft, zs, PAPER_PARAMS)]            # 66B: no full fine-tuning figure
    fig = go.Figure(go.Scatter(x=x, y=y, mode="lines+markers+text", name="MeZO paper (GPU, OPT, MultiRC)",
                               text=[f"{k}: {v:.1f}x" for k, v in zip(PAPER_PARAMS, y)], textposition="top left",
                               line=dict(color=COLORS["blue"], width=3)))
    ours = [(22.7e6, minilm, "MiniLM-L6"), (134.5e6, smollm2, "SmolLM2-135M")]
    ours = [o for o in ours if o[1] > 0]
    if ours:
        fig.add_trace(go.Scatter(x=[o[0] for o in ours], y=[o[1] for o in ours], mode="markers+text",
                                 name="measured here (CPU, Adam, all parameters)",
                                 text=[f"{o[2]}: {o[1]:.1f}x" for o in ours], textposition="bottom right",
                                 marker=dict(color=COLORS["vermillion"], size=14, symbol="diamond")))
    fig.add_hline(y=1, line=dict(color=COLORS["green"], dash="dash"), annotation_text="MeZO = inference")
    fig.update_xaxes(type="log", title="parameters")
    fig.update_yaxes(title="memory of full fine-tuning / MeZO", rangemode="tozero")
    fig = theme(fig, projector=projector, height=420, title="How much more memory backprop fine-tuning takes")
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.2, x=0), margin=dict(b=110))
    return fig


@figure
def mezo_training_curves(losses: tuple = (), val_acc: tuple = (), acc_before: float = -1.0,
                         acc_after: float = -1.0, projector: bool = False) -> go.Figure:
    """A run's training loss and validation accuracy (accuracies < 0: not measured)."""
    return training_curves(list(losses), [tuple(v) for v in val_acc],
                           acc_before=acc_before if acc_before >= 0 else None,
                           acc_after=acc_after if acc_after >= 0 else None, projector=projector)


@figure
def mezo_memory_measured(inference: float = 0.0, mezo: float = 0.0, sgd: float = 0.0, adam: float = 0.0,
                         weights: float = 0.0, model: str = "", projector: bool = False) -> go.Figure:
    """Measured peak memory above the baseline (MB), stacked on the weights' own size."""
    names = ["inference", "mezo", "sgd", "adam"]
    above = [inference, mezo, sgd, adam]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=names, y=[weights] * 4, name="weights (resident, in the baseline)",
                         marker_color=COLORS["blue"]))
    fig.add_trace(go.Bar(x=names, y=above, name="added by the mode (peak above baseline)",
                         marker_color=[COLORS["sky"], COLORS["green"], COLORS["orange"], COLORS["vermillion"]],
                         text=[f"+{a:,.0f} MB" for a in above], textposition="outside"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title="MB")
    return theme(fig, projector=projector, height=400, title=f"Measured here: {model}, all parameters")
