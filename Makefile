# ZO Lab: two commands for a fresh machine with Python 3.11.
#   make run   -> creates .venv, installs requirements, serves the app on http://127.0.0.1:8501
#   make test  -> same venv + dev requirements, runs everything under tests/ (core, app, browser,
#                 notebooks, ...) and the doctests of zo_core (pytest.ini: testpaths, --doctest-modules)
# Both install zo_core itself in editable mode (pip install -e . --no-deps), so notebooks and bench
# scripts import it from any directory; its dependencies come from the pinned requirements.txt.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8501
# plotly.js's 2-D and 3-D bundles from npm, the version of the plotly.js inside requirements.txt's plotly
# (zo_core/plotlyjs.py checks it and uses the full bundle instead when it differs or is missing, e.g. without npm)
PLOTLYJS_PARTIALS = plotly.js-cartesian-dist-min@4.1.1 plotly.js-gl3d-dist-min@4.1.1
# Our modules' bytecode, written before a server or the suite starts (a few ms when up to date): where
# PYTHONDONTWRITEBYTECODE is set (CI, many container images), Python would otherwise compile zo_core and
# ui from source in every process, a quarter of a second of every server's first page on this machine.
COMPILE = $(PY) -m compileall -q zo_core ui

.PHONY: run test test-core test-app test-browser test-notebooks bench clean serve-class stop-class

$(PY):
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "ZO Lab needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.req-stamp: requirements.txt requirements-nodeps.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	$(PY) -m pip install --quiet setuptools==84.2.1      # the build backend of pyproject.toml
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.npm-stamp: Makefile | $(PY)
	if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-save --no-audit --no-fund --prefix $(VENV)/npm $(PLOTLYJS_PARTIALS) \
	    || echo "npm install failed: charts will load plotly.js's full bundle"; \
	else echo "npm not found: charts will load plotly.js's full bundle"; fi
	touch $@

$(VENV)/.dev-stamp: requirements-dev.txt $(VENV)/.req-stamp $(VENV)/.npm-stamp
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.req-stamp $(VENV)/.npm-stamp
	$(COMPILE)
	$(PY) -m streamlit run app.py --server.address $(HOST) --server.port $(PORT)

test: $(VENV)/.dev-stamp
	$(COMPILE)
	$(PY) -m pytest

test-core: $(VENV)/.dev-stamp
	$(PY) -m pytest tests/core zo_core
test-app: $(VENV)/.dev-stamp
	$(PY) -m pytest tests/app
test-browser: $(VENV)/.dev-stamp
	$(PY) -m pytest tests/browser
test-notebooks: $(VENV)/.dev-stamp
	$(PY) -m pytest tests/notebooks

bench: $(VENV)/.dev-stamp
	$(COMPILE)
	for b in bench/[!_]*.py; do n=$$(basename $$b .py); echo "== $$b"; $(PY) -m bench.$$n || exit 1; done

# A class on one machine: REPLICAS streamlit processes behind nginx on one port (deploy/serve_class.py).
#   make serve-class [REPLICAS=N] [PORT=8080] [HOST=0.0.0.0 to serve the classroom LAN]; make stop-class
REPLICAS ?= $(shell nproc 2>/dev/null || echo 2)
CLASS_PORT = $(if $(filter command line environment,$(origin PORT)),$(PORT),8080)
serve-class: $(VENV)/.req-stamp $(VENV)/.npm-stamp
	$(COMPILE)
	$(PY) deploy/serve_class.py start --replicas $(REPLICAS) --port $(CLASS_PORT) --host $(HOST)
stop-class:
	$(PYTHON) deploy/serve_class.py stop

clean:
	rm -rf $(VENV) artifacts .pytest_cache build *.egg-info
