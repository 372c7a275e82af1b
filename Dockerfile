# ZO Lab as a container: one Streamlit replica per container, built with the README's steps
# (`make run` = a venv from requirements.txt + requirements-nodeps.txt, then `streamlit run`).
# Scale by running one container per core and per host behind nginx (docs/serving.md).
#   docker build -t zolab .
#   docker run -p 8501:8501 -v zolab-data:/data -e ZOLAB_DATABASE_URL=postgresql://... zolab
FROM python:3.11-slim-bookworm

# Debian's Chromium renders the static slide exports (kaleido); make runs the README's targets; npm
# installs plotly.js's 2-D bundle, which the browser evaluates in half the time of the full one.
RUN apt-get update \
 && apt-get install -y --no-install-recommends make chromium npm \
 && rm -rf /var/lib/apt/lists/*

# torch==2.13.0 from PyPI is a CUDA build of several GB; for a CPU-only image build with
#   --build-arg PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG PIP_EXTRA_INDEX_URL=
ENV PIP_EXTRA_INDEX_URL=${PIP_EXTRA_INDEX_URL} PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Requirements first: the dependency layer is rebuilt only when they change, not on every code edit.
COPY Makefile requirements.txt requirements-nodeps.txt ./
RUN make .venv/.req-stamp .venv/.npm-stamp
COPY . .

RUN useradd --create-home --uid 10001 zolab && mkdir -p /data && chown zolab /data /app
USER zolab
# The SQLite store on a volume; set ZOLAB_DATABASE_URL instead when several containers share decks.
ENV ZOLAB_DB_PATH=/data/zolab.db HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    STREAMLIT_SERVER_HEADLESS=true STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none
VOLUME /data
EXPOSE 8501

HEALTHCHECK --interval=15s --timeout=3s --start-period=60s \
  CMD .venv/bin/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2)"

# `make run` with the address opened to the container network; headless, no file watcher.
CMD ["make", "run", "HOST=0.0.0.0", "PORT=8501"]
