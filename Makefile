# ZO Lab: two commands for a fresh machine with Python 3.11.
#   make run   -> creates .venv, installs requirements, serves the app on http://127.0.0.1:8501
#   make test  -> same venv + dev requirements, runs tests/core, tests/app and tests/browser
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8501

.PHONY: run test test-core test-app test-browser bench clean serve-class stop-class

$(PY):
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "ZO Lab needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.req-stamp: requirements.txt requirements-nodeps.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

$(VENV)/.dev-stamp: requirements-dev.txt $(VENV)/.req-stamp
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.req-stamp
	$(PY) -m streamlit run app.py --server.address $(HOST) --server.port $(PORT)

test: $(VENV)/.dev-stamp
	$(PY) -m pytest tests/core tests/app tests/browser

test-core: $(VENV)/.dev-stamp
	$(PY) -m pytest tests/core
test-app: $(VENV)/.dev-stamp
	$(PY) -m pytest tests/app
test-browser: $(VENV)/.dev-stamp
	$(PY) -m pytest tests/browser

bench: $(VENV)/.dev-stamp
	for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# A class on one machine: REPLICAS streamlit processes behind nginx on one port (deploy/serve_class.py).
#   make serve-class [REPLICAS=N] [PORT=8080] [HOST=0.0.0.0 to serve the classroom LAN]; make stop-class
REPLICAS ?= $(shell nproc 2>/dev/null || echo 2)
CLASS_PORT = $(if $(filter command line environment,$(origin PORT)),$(PORT),8080)
serve-class: $(VENV)/.req-stamp
	$(PY) deploy/serve_class.py start --replicas $(REPLICAS) --port $(CLASS_PORT) --host $(HOST)
stop-class:
	$(PYTHON) deploy/serve_class.py stop

clean:
	rm -rf $(VENV) artifacts .pytest_cache
