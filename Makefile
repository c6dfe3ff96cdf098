# Vestsight entry points. CI (.ci/run) runs the same targets.
#   make run    - run the vest in simulation (keys act as gamepad buttons)
#   make test   - set everything up on a fresh machine, then run the tests
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
ARCH := $(shell uname -m)
APT_PACKAGES := espeak-ng alsa-utils tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus linux-libc-dev fonts-dejavu-core fonts-dejavu-extra

# llama-cpp-python is compiled from source. Portable flags: never -march=native (the build host is
# not the vest). On aarch64 target the Pi 5's Cortex-A76 (Armv8.2-A with dot-product and fp16).
ifeq ($(ARCH),aarch64)
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_CPU_ARM_ARCH=armv8.2-a+dotprod+fp16
else
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF
endif

INSTALLED := $(VENV)/.installed
MODEL_STAMP := $(VENV)/.model

.PHONY: help setup system-deps model models run test lint format typecheck check lock clean bench bench-vision bench-llm bench-llm-image bench-memory gemma3n-random bench-gemma3n bench-controls soak

help:
	@echo "make setup | run | test | lint | typecheck | check | model | models | bench | lock | clean"

setup: system-deps $(INSTALLED) $(MODEL_STAMP)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The lock files pin every package the vest needs, so they install with --no-deps (mediapipe
# declares packages the vest never uses; see device/scripts/write_locks.py).
$(INSTALLED): pyproject.toml requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip==25.3
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
	  $(PIP) install --no-deps --no-binary llama-cpp-python -r requirements.lock -r requirements-dev.lock
	$(PIP) install --no-deps -e .
	touch $@

$(MODEL_STAMP): $(INSTALLED)
	$(PY) -m vestsight.llm.model_files
	touch $@

model: $(MODEL_STAMP)

# The maker's build: download the models marked default in models/manifest.toml, or
# MODELS="name ...", resumable, size and sha256 checked (PIN=1 also fetches unpinned entries and
# prints their digests). Without MODELS and with a Hugging Face token (HF_TOKEN) it first makes
# Gemma 3n that sees (make gemma3n-vision, models/models.mk) and then skips the text-only model;
# without a token it says how to get one and fetches the text-only model. Needs the internet;
# the vest itself never downloads anything.
models: $(INSTALLED)
	@if [ -z "$(MODELS)" ] && $(PY) -m models.convert token --variant $(VARIANT); then \
	  $(MAKE) --no-print-directory gemma3n-vision; fi
	$(PY) -m vestsight.modelstore fetch --manifest models/manifest.toml --dest $(MODELS_DIR) \
	  $(MODELS) $(if $(PIN),--pin)

# Benchmarks print numbers; they are not tests.
bench: bench-vision bench-llm bench-controls bench-reading bench-stt

# MODEL=path/to/model.gguf measures another model (e.g. the random-weight Gemma 3n of
# make gemma3n-random); THREADS=4 on the Pi.
bench-llm: setup
	$(PY) -m tests.bench.bench_llm $(if $(MODEL),--model $(MODEL)) $(if $(THREADS),--threads $(THREADS))

# Gemma 3n E2B's real architecture with random weights, in Q4_0 (about 3.2 GB; a ~9 GB F16 file
# is written first and removed): measure it with make bench-llm MODEL=$(RANDOM_GEMMA3N).
RANDOM_GEMMA3N ?= $(HOME)/.cache/vestsight/models/gemma-3n-E2B-random-Q4_0.gguf
$(RANDOM_GEMMA3N): | $(INSTALLED)
	$(PY) -m tests.bench.random_gemma3n --out $@

gemma3n-random: $(RANDOM_GEMMA3N)

bench-gemma3n: gemma3n-random
	$(PY) -m tests.bench.bench_llm --model $(RANDOM_GEMMA3N) $(if $(THREADS),--threads $(THREADS))

# A described camera frame: the worker against bare mtmd (vision encode + image decode, first
# token, first spoken sentence). Default: the random-weight Gemma 3n E2B pair with the full
# MobileNet-V5 projector (built on first use beside the random model); MODEL= and PROJECTOR=
# measure another pair (e.g. the one make gemma3n-vision made).
bench-llm-image: setup
	$(PY) -m tests.bench.bench_llm_image $(if $(MODEL),--model $(MODEL) --projector $(PROJECTOR)) \
	  $(if $(THREADS),--threads $(THREADS))

# The whole simulated vest in a memory cgroup (root, or a delegated cgroup v2) from a cold page
# cache, at each of LIMITS (GB): load, describe (with the image), ahead and read against the
# unlimited run. Default model: the random-weight Gemma 3n E2B pair; TEXT_ONLY=1 leaves out the
# projector; MODEL= / PROJECTOR= another pair.
LIMITS ?= 3.0,2.5,2.2,2.0
bench-memory: setup
	$(PY) -m tests.bench.bench_memory --limits $(LIMITS) $(if $(THREADS),--threads $(THREADS)) \
	  $(if $(MODEL),--model $(MODEL) --projector "$(PROJECTOR)") $(if $(TEXT_ONLY),--text-only) \
	  $(if $(BATCH),--batch $(BATCH)) $(foreach setting,$(SET),--set $(setting))

bench-vision: setup
	$(PY) -m tests.bench.bench_vision

# Press -> haptic ack from the input queue, an evdev pad and a BLE pad (through bleak).
bench-controls: setup
	$(PY) -m tests.bench.bench_controls

# The real vest process pressed PRESSES times over MINUTES through its control socket: presses vs
# acknowledgements, press -> buzz p50/p99, and the vest's memory, descriptor and thread drift
# (LLM=1 loads the description engine too). A benchmark, not a test.
PRESSES ?= 300
MINUTES ?= 3
soak: setup
	$(PY) -m tests.bench.soak --presses $(PRESSES) --minutes $(MINUTES) $(if $(LLM),--llm)

run: setup
	$(PY) -m vestsight --config device/vestsight.toml

# pytest exits 5 when it collected no tests: that is a failure here, never a silent pass.
test: setup
	@$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$status

lint: $(INSTALLED)
	$(PY) -m ruff check device tests image-build/vsimage models
	$(PY) -m ruff format --check device tests image-build/vsimage models

format: $(INSTALLED)
	$(PY) -m ruff format device tests image-build/vsimage models
	$(PY) -m ruff check --fix device tests image-build/vsimage models

typecheck: $(INSTALLED)
	$(PY) -m mypy

check: lint typecheck test

# Re-pin every Python dependency (exact versions) from pyproject.toml into the two lock files.
lock: $(INSTALLED)
	$(PY) device/scripts/write_locks.py

clean:
	rm -rf $(VENV) run .pytest_cache .mypy_cache .ruff_cache

# Gemma 3n that sees (models/), the SD card image (image-build/) and the hardware-in-the-loop
# bench (tests/hil/) keep their targets beside their code.
-include models/models.mk
-include image-build/image.mk
-include tests/hil/hil.mk
-include tests/bench/reading.mk
-include tests/bench/stt.mk
