"""The installable core: the wheel holds every zo_core module and nothing else of the checkout, and
pyproject.toml declares every third-party module zo_core imports, in ranges that hold the pins of
requirements.txt (the set the app runs on).

References: setuptools' own build backend (the wheel), ``importlib.metadata`` of the installed
environment (which distribution provides an imported module), ``sys.stdlib_module_names``.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# modules whose imports may come from an extra ([slides], [lm]); every other module (what notebooks
# use) must work after a plain `pip install` with the core dependencies only
EXTRA_MODULES = ("zo_core.slides", "zo_core.lm")


def _modules() -> dict[str, Path]:
    """Dotted name -> source file of every module under zo_core/."""
    out = {}
    for path in sorted((ROOT / "zo_core").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _third_party_imports(path: Path) -> set[str]:
    """Top-level names of the absolute imports in a file (nested ones too), minus stdlib and zo_core."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("zo_core", "__future__")}


def _declared(extras: bool) -> dict[str, Requirement]:
    reqs = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    if extras:
        for group in PYPROJECT["project"]["optional-dependencies"].values():
            reqs += [Requirement(r) for r in group]
    return {canonicalize_name(r.name): r for r in reqs}


@functools.cache
def _providers() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def _distribution(module: str) -> str:
    dists = _providers().get(module)
    assert dists, f"zo_core imports {module!r}, which no installed distribution provides"
    return canonicalize_name(dists[0])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    # Build from a copy, so the checkout gets no build/ or egg-info and parallel runs do not clash.
    src = tmp_path_factory.mktemp("src")
    shutil.copytree(ROOT / "zo_core", src / "zo_core", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    # setuptools' PEP 517 backend, called directly (what `pip wheel --no-build-isolation` runs),
    # in a child process so its global state stays out of the test session
    code = "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"
    run = subprocess.run([sys.executable, "-c", code, str(out)], cwd=src, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return zipfile.ZipFile(out / run.stdout.strip().splitlines()[-1])


def test_wheel_holds_every_zo_core_module_and_nothing_else(wheel):
    names = set(wheel.namelist())
    expected = {p.relative_to(ROOT).as_posix() for p in _modules().values()}
    assert expected - names == set(), "modules missing from the wheel"
    assert all(n.startswith(("zo_core/", "zo_lab-")) for n in names), sorted(names)
    assert not any(n.endswith((".pyc", ".ipynb")) or "__pycache__" in n for n in names)
    top = wheel.read(next(n for n in names if n.endswith(".dist-info/top_level.txt"))).decode().split()
    assert top == ["zo_core"]


def test_wheel_metadata_carries_the_declared_dependencies(wheel):
    meta = wheel.read(next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    requires = {canonicalize_name(Requirement(line.split(":", 1)[1].strip()).name)
                for line in meta.splitlines() if line.startswith("Requires-Dist:")}
    assert set(_declared(extras=True)) - {"zo-lab"} <= requires
    assert "Requires-Python: >=3.11" in meta


def test_declared_dependencies_cover_every_third_party_import():
    everything, core = _declared(extras=True), _declared(extras=False)
    for module, path in _modules().items():
        allowed = everything if module.startswith(EXTRA_MODULES) else core
        for name in _third_party_imports(path):
            dist = _distribution(name)
            assert dist in allowed, (f"{module} imports {name} (distribution {dist}), which pyproject.toml "
                                     f"declares {'nowhere' if dist not in everything else 'only as an extra'}")


def test_the_import_parser_sees_nested_and_from_imports(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("import os, numpy.linalg\nfrom . import x\ndef f():\n    from sklearn.datasets import y\n")
    assert _third_party_imports(src) == {"numpy", "sklearn"}


def _pins() -> dict[str, str]:
    pins = {}
    for name in ("requirements.txt", "requirements-nodeps.txt"):
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                req = Requirement(line)
                (spec,) = req.specifier
                assert spec.operator == "==", f"{name}: {line} is not pinned"
                pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_requirements_pins_lie_inside_the_declared_ranges():
    pins = _pins()
    for dist, req in _declared(extras=True).items():
        if dist == "zo-lab":                      # the [app] extra names the other extras
            continue
        assert dist in pins, f"{dist} is declared in pyproject.toml but not pinned in requirements.txt"
        assert req.specifier.contains(pins[dist]), f"pin {dist}=={pins[dist]} is outside {req}"
