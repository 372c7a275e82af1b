"""Prompt-based classifiers on the offline models (MiniLM-L6 encoder, SmolLM2-135M, a custom folder).

Prompt-based classification, as in the MeZO paper, so zero-shot accuracy is above chance:
a masked LM scores the label words at ``[MASK]`` in "<text> It was [MASK]."; a causal LM
(SmolLM2) scores the next token after "Tweet: <text>\nSentiment:" with its own LM head; an encoder
without an LM head (the MiniLM checkpoint is a bare ``BertModel``) compares the mean-pooled sentence
embedding by cosine with two label prototypes, initialised to the embeddings of "A negative
opinion." / "A positive opinion.": ``logits_c = h(x) . p_c / tau + b_c`` (p and b: its "head").
"""

from __future__ import annotations

import copy
import functools
import os
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from zo_core.lm.cache import LowerCache
from zo_core.lm.data import Split, load_sentiment
from zo_core.lm.params import blocks
from zo_core.lm.sources import model_source

ENCODER_PROMPTS = ("A negative opinion.", "A positive opinion.")
MLM_WORDS = ("terrible", "great")
CAUSAL_WORDS = (" negative", " positive")


def offline() -> None:
    """Tell Hugging Face libraries, before they are first imported, that there is no network.

    Called by the loaders (not at import time), so importing zo_core.lm changes nothing; a value
    the user has set is kept. ``local_files_only=True`` below is what guarantees no download.
    """
    for key, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("TOKENIZERS_PARALLELISM", "false")):
        os.environ.setdefault(key, value)


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
        # top-k tuning: the frozen lower blocks' output, once per example (see zo_core.lm.cache)
        self.lower: LowerCache | None = None
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

    def encode(self, texts: list[str], *, pad_to_max: bool | None = None) -> dict[str, torch.Tensor]:
        """Tokenised prompts on the model's device (truncated to max_length; causal: left-truncated).

        ``pad_to_max`` (default: while a lower-block cache is attached) pads every batch to
        ``max_length``, so a cached row fits every batch it appears in.
        """
        pad_to_max = self.lower is not None if pad_to_max is None else pad_to_max
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

    def cache_lower(self, k: int | None) -> LowerCache | None:
        """Attach a cache of the lower L-k blocks' output (top-k tuning), or detach it (``k=None``)."""
        self.lower = LowerCache(self.backbone, k) if k is not None else None
        return self.lower

    def run_backbone(self, enc):
        """The backbone's output; with a lower-block cache, only the top k blocks run."""
        if self.lower is None:
            return self.backbone(**enc)
        return self.lower(enc, **({"use_cache": False} if self.kind == "causal" else {}))

    def _embed(self, enc) -> torch.Tensor:
        h = self.run_backbone(enc).last_hidden_state                     # (B, T, H)
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
        out = self.run_backbone(enc).logits                              # (B, T, V)
        if self.kind == "mlm":
            pos = (enc["input_ids"] == self.tokenizer.mask_token_id).float().argmax(1)
        else:
            pos = enc["attention_mask"].sum(1) - 1                       # last real token
        rows = out[torch.arange(len(pos), device=out.device), pos]       # (B, V)
        return rows[:, self.label_ids].float()

    def blocks(self) -> nn.ModuleList:
        return blocks(self.backbone)

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
    offline()
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


