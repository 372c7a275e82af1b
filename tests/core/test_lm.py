"""The sentiment task, the offline models, the allow-listed custom folders and MeZO's gain on the probe."""

from __future__ import annotations

import statistics

import pytest
import torch
from torch import nn

from zo_core import lm
from zo_core.lm import parallel, training

torch.set_num_threads(1)

# The probe (MiniLM-L6's label-prototype head on frozen features, 770 numbers): 60 steps of 16
# tweets x 32 tokens, n = 16 directions, lr = 2e-3, eps = 1e-3, accuracy on 200 held-out tweets.
# One backbone pass a step, so a run takes seconds. Three seeds, averaged.
PROBE = dict(subset="head", steps=60, batch_size=16, n=16, lr=2e-3, eps=1e-3, max_length=32, eval_size=200)
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def split():
    return lm.load_sentiment()


def test_split_is_balanced_disjoint_and_fixed(split):
    parts = (split.train, split.validation, split.test)
    sizes = [len(x) for x, _ in parts]
    assert sizes[0] > 4 * sizes[2] > 0
    seen = set()
    for x, y in parts:
        assert len(x) == len(y) and not seen & set(x)
        seen |= set(x)
    labels = torch.cat([y for _, y in parts])
    assert (labels == 0).sum() == (labels == 1).sum()           # balanced: chance is 50 %
    lm.load_sentiment.cache_clear()
    again = lm.load_sentiment()
    assert again.test[0][:20] == split.test[0][:20]


def test_custom_models_only_from_the_allowed_root(tmp_path, monkeypatch):
    root = tmp_path / "models"
    (root / "tiny").mkdir(parents=True)
    (root / "tiny" / "config.json").write_text("{}")
    (root / "empty").mkdir()
    monkeypatch.setenv(lm.sources.MODELS_DIR_SETTING, str(root))
    assert lm.custom_models() == ["tiny"]
    assert lm.model_source("tiny") == (root.resolve() / "tiny", None)
    messages = set()
    # existing and missing paths, traversal, a folder without a model: one and the same refusal
    for name in ("/etc", "/no/such/model", str(root / "tiny"), "../models/tiny", "empty", "missing", "~", ""):
        with pytest.raises(ValueError) as err:
            lm.model_source(name)
        messages.add(str(err.value))
    assert len(messages) == 1 and "unknown model" in messages.pop()
    monkeypatch.delenv(lm.sources.MODELS_DIR_SETTING)
    with pytest.raises(ValueError, match="unknown model"):
        lm.model_source("tiny")                                  # no setting: no custom model at all


def test_package_models_are_found_offline():
    path, gguf = lm.model_source("minilm")
    assert (path / "model.safetensors").is_file() and gguf is None
    path, gguf = lm.model_source("smollm2")
    assert (path / gguf).is_file()


def test_probe_gain_over_three_seeds_exceeds_its_spread():
    gains, before = [], set()
    for seed in SEEDS:
        task = lm.load_task("minilm", device="cpu", max_length=32)
        result = lm.train(task, method="mezo", seed=seed, **PROBE)
        assert result.queries == 2 * PROBE["n"] * PROBE["steps"]
        assert result.backbone_passes == PROBE["steps"]          # the probe shares one pass a step
        assert not result.stopped and all(p.grad is None for p in task.model.parameters())
        gains.append(result.acc_after - result.acc_before)
        before.add(round(result.acc_before, 6))
    # zero-shot is above chance on 200 balanced tweets (50 % + 4 standard errors = 64 %)
    assert len(before) == 1 and before.pop() >= 0.64
    mean, spread = statistics.mean(gains), statistics.stdev(gains)
    assert mean > max(spread, 0.01), gains


def test_lora_adds_adapters_that_start_as_the_identity():
    task = lm.load_task("minilm", device="cpu", max_length=16)
    clf = task.model
    x, _ = task.data.test
    enc = clf.encode(x[:4])
    with torch.no_grad():
        before = clf(enc)
    params = lm.select(clf, "lora", r=4)
    with torch.no_grad():
        after = clf(enc)
    assert torch.allclose(before, after, atol=1e-6)              # B = 0: the adapted model is unchanged
    adapters = [m for m in clf.modules() if isinstance(m, lm.params.LoRALinear)]
    assert len(adapters) == 2 * 6                                # query and value of every layer
    assert sum(p.numel() for p in params) == 12 * 4 * (384 + 384) + 2 * 384 + 2
    assert {id(p) for p in lm.select(clf, "lora", r=4)} == {id(p) for p in params}   # no second layer
    assert not any(id(p) in {id(q) for q in params} for p in clf.blocks()[0].output.dense.parameters())


def test_lora_run_counts_full_forward_passes():
    task = lm.load_task("minilm", device="cpu", max_length=16)
    result = lm.train(task, method="mezo", subset="lora", steps=2, n=2, batch_size=4, eval_size=8, max_length=16)
    assert result.queries == 8 and result.backbone_passes == 8 and result.steps == 2


def test_top_k_cached_forward_equals_the_full_forward():
    task = lm.load_task("minilm", device="cpu", max_length=32)
    clf = task.model
    x, _ = task.data.test
    enc = clf.encode(x[:6], pad_to_max=True)
    with torch.no_grad():
        full = clf(enc)
        for k in (1, 3, 6):
            cache = clf.cache_lower(k)
            first = clf(enc)                                     # lower blocks run: rows cached
            again = clf(clf.encode(x[2:6] + x[:2]))              # the same tweets, another order and batch
            assert torch.allclose(first, full, atol=1e-5) and torch.allclose(again, full[[2, 3, 4, 5, 0, 1]], atol=1e-5)
            assert cache.lower_rows == 6 and cache.top_passes == 2   # once per example, however often it is seen
    clf.cache_lower(None)
    with pytest.raises(ValueError, match="k"):
        clf.cache_lower(7)


def test_top_k_cache_is_exact_for_a_causal_lm():
    from transformers import LlamaConfig, LlamaForCausalLM
    cfg = LlamaConfig(vocab_size=50, hidden_size=32, intermediate_size=64, num_hidden_layers=4,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=16)
    torch.manual_seed(0)            # test-only: the random weights of a toy model (the code under test draws nothing)
    model = LlamaForCausalLM(cfg).eval()
    ids = torch.randint(1, 50, (3, 12), generator=torch.Generator().manual_seed(1))
    mask = torch.ones_like(ids)
    mask[1, 8:] = 0
    mask[2, 5:] = 0                                               # right padding, as the classifier pads
    enc = dict(input_ids=ids, attention_mask=mask)
    from zo_core.lm.cache import LowerCache
    cache = LowerCache(model, 2)
    with torch.no_grad():
        full = model(**enc, use_cache=False).logits
        cached = [cache(enc, use_cache=False).logits for _ in range(2)]
    assert all(torch.allclose(c, full, atol=1e-5) for c in cached)
    assert cache.lower_rows == 3


def test_top_k_runs_tune_only_the_top_blocks_and_count_their_passes():
    task = lm.load_task("minilm", device="cpu", max_length=16)
    clf = task.model
    start = {name: p.detach().clone() for name, p in clf.named_parameters()}
    steps, n, batch, pool, evals = 3, 2, 4, 8, 8
    result = lm.train(task, method="mezo", subset="top-lora", k=2, r=4, steps=steps, n=n, batch_size=batch,
                      train_size=pool, eval_size=evals, eval_every=steps, max_length=16, lr=1e-2, lr_head=1e-2)
    assert result.top_passes == result.queries == 2 * n * steps and result.backbone_passes == 0
    assert [s for s, _ in result.val_acc] == [0, steps]          # the curve starts at the zero-shot model
    (tr_x, _), (va_x, _), (te_x, _) = task.data.train, task.data.validation, task.data.test
    ids = clf.encode(tr_x[:pool] + va_x[:evals] + te_x[:evals], pad_to_max=True)["input_ids"]
    assert result.blocks == (2, 6) and result.lower_rows == len({tuple(row) for row in ids.tolist()})
    moved = {name for name, p in clf.named_parameters() if name in start and not torch.equal(p, start[name])}
    assert moved == {"prototypes", "bias"}                       # every pretrained weight is as loaded
    adapters = {name for name, _ in clf.named_parameters() if "lora_b" in name}
    assert adapters and all(".layer.4." in a or ".layer.5." in a for a in adapters)   # top 2 of 6 blocks only
    assert any(not torch.equal(p, torch.zeros_like(p)) for name, p in clf.named_parameters() if "lora_b" in name)

    task = lm.load_task("minilm", device="cpu", max_length=16)   # every weight of the top block, by backprop
    result = lm.train(task, method="sgd", subset="top", k=1, steps=2, batch_size=4, train_size=pool,
                      eval_size=evals, max_length=16, lr=0.1)
    moved = {name for name, p in task.model.named_parameters() if not torch.equal(p, start[name])}
    top = {name for name in moved if name.startswith("backbone.encoder.layer.5.")}
    assert top and moved - top <= {"prototypes", "bias"}
    block = sum(p.numel() for p in task.model.blocks()[5].parameters())
    assert result.top_passes == 2 and result.n_tuned == block + 770


def test_first_order_baseline_runs_through_the_same_loop():
    task = lm.load_task("minilm", device="cpu", max_length=32)
    result = lm.train(task, method="adam", steps=30, lr=1e-3, subset="head", batch_size=16, eval_size=40,
                      max_length=32, seed=0)
    assert result.steps == 30 and result.queries == 30
    assert sum(result.losses[-10:]) / 10 < result.losses[0]      # the training loss goes down
    assert all(p.grad is None and not p.requires_grad for p in task.model.parameters())


def test_nan_loss_stops_cleanly(monkeypatch):
    task = lm.load_task("minilm", device="cpu", max_length=16)
    before = task.model.prototypes.detach().clone()
    monkeypatch.setattr(training, "loss_fn", lambda clf, enc, y: torch.tensor(float("nan")))
    result = lm.train(task, steps=5, subset="head", batch_size=4, eval_size=20, max_length=16)
    assert result.steps == 0 and result.stopped.startswith("diverged")
    assert torch.allclose(task.model.prototypes, before, atol=1e-6)


def test_stop_and_time_cap_end_a_run_within_a_step():
    task = lm.load_task("minilm", device="cpu", max_length=16)
    calls = []
    result = lm.train(task, steps=1000, subset="head", batch_size=4, eval_size=8, max_length=16,
                      should_stop=lambda: len(calls) >= 3, callback=calls.append)
    assert result.steps == 3 and result.stopped.startswith("stopped by the user")
    result = lm.train(task, steps=1000, subset="head", batch_size=4, eval_size=8, max_length=16, max_seconds=0.0)
    assert result.steps == 0 and "time cap" in result.stopped


def test_bad_hyperparameters_are_rejected():
    task = lm.load_task("minilm", device="cpu", max_length=16)
    for kw in (dict(lr=5.0), dict(eps=0.0), dict(n=0), dict(steps=0), dict(steps=10**6), dict(t=float("nan"))):
        with pytest.raises(ValueError):
            lm.train(task, **(dict(steps=1, eval_size=10, subset="head") | kw))
    with pytest.raises(ValueError, match="unknown method"):
        lm.train(task, method="lbfgs", steps=1, eval_size=10)


def test_subsets_and_param_groups():
    class Toy(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(10, 4)
            self.layers = nn.ModuleList(nn.Linear(4, 4) for _ in range(3))
            self.norm = nn.LayerNorm(4)
            self.head = nn.Linear(4, 2)

    m = Toy()
    assert len(lm.select(m, "all")) == 11
    assert [id(p) for p in lm.select(m, "head")] == [id(m.norm.weight), id(m.norm.bias), id(m.head.weight),
                                                     id(m.head.bias)]
    with pytest.raises(ValueError, match="unknown parameter subset"):
        lm.select(m, "middle")
    with pytest.raises(ValueError, match="attention projections"):
        lm.select(m, "lora")
    groups = lm.param_groups(m, m.parameters(), 0.1)
    decay = {id(p) for p in groups[0]["params"]}
    assert decay == {id(m.embed.weight), id(m.head.weight)} | {id(layer.weight) for layer in m.layers}
    assert groups[1]["weight_decay"] == 0.0


def test_two_processes_on_one_gpu_share_it():
    assert parallel.local_device(1, 1) == torch.device("cuda", 0)
    assert parallel.local_device(5, 4) == torch.device("cuda", 1)
    assert parallel.local_device(0, 0) == torch.device("cpu")
    assert parallel.shard(torch.arange(6), 1, 2).tolist() == [1, 3, 5]


def test_two_layer_memory_counts():
    mem = lm.two_layer_memory(512, 256, batch=8, chunk=4096)
    weights = 512 * 256 + 256
    assert mem["backprop + SGD"]["gradients"] == weights and mem["MeZO"]["gradients"] == 0
    assert mem["MeZO"]["perturbation"] == 4096                   # one chunk, not the whole of W1
    assert mem["backprop + SGD"]["activations"] == 8 * (512 + 2 * 256 + 1)
    assert sum(mem["MeZO"].values()) < sum(mem["backprop + SGD"].values())
    with pytest.raises(ValueError):
        lm.two_layer_memory(0, 4)


def test_cli_unknown_model_is_a_clear_error(capsys):
    from zo_core import mezo_cli
    assert mezo_cli.main(["train", "--model", "/no/such/model", "--steps", "1"]) == 2
    assert "unknown model" in capsys.readouterr().err


def test_memory_measurement_above_baseline_subprocess():
    r = lm.measure_memory(mode="inference", model="minilm", batch_size=4, max_length=16)
    assert r["baseline_mb"] > 80 and r["n_params"] > 20e6          # interpreter + resident weights
    assert 0 <= r["above_mb"] < r["baseline_mb"]


@pytest.mark.slow
def test_smollm2_gguf_loads_as_causal_lm():
    clf = lm.load_classifier("smollm2", device="cpu", max_length=48)
    assert clf.kind == "causal"
    x, y = lm.load_sentiment().test
    logits = clf(clf.encode(x[:4]))
    assert logits.shape == (4, 2) and torch.isfinite(logits).all()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_run_and_memory():
    task = lm.load_task("minilm", device="cuda", max_length=32)
    result = lm.train(task, seed=0, **PROBE)
    assert result.acc_after >= result.acc_before
    inf = lm.measure_memory(mode="inference", batch_size=32, max_length=64)
    mz = lm.measure_memory(mode="mezo", batch_size=32, max_length=64)
    assert inf["kind"].startswith("cuda") and mz["peak_mb"] <= 1.1 * inf["peak_mb"]


def test_race_at_equal_forward_passes():
    from zo_core.lm import race
    r = race.run_race(budget=400, seeds=3, n=4, t=300.0)
    for m in race.RACE_METHODS:
        assert r.train_acc[m].shape == r.test_acc[m].shape == (3, len(r.budgets))
        assert r.train_acc[m][:, 0].tolist() == [r.acc_before[0]] * 3       # everyone starts from zero-shot
    # backprop takes 400 steps at this budget, MeZO 50: Adam's training accuracy must rise on every seed
    assert (r.train_acc["adam"][:, -1] > r.acc_before[0]).all()
    with pytest.raises(ValueError, match="budget"):
        race.run_race(budget=10**6)
