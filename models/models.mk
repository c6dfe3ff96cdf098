# Gemma 3n that sees (models/README.md). Included by the main Makefile.
#   make gemma3n-vision            - with HF_TOKEN: download google/gemma-3n-E2B-it (VARIANT=e4b:
#                                    E4B), convert it with the llama.cpp of llama-cpp-python,
#                                    quantize (Q4_0, Q4_K_M), check, record in the models folder
#   make gemma3n-vision-selftest   - the same path on a random-weight checkpoint made here, then
#                                    llama.cpp + mtmd encode a photo with the result (minutes)
# The converter's tools (PyTorch, transformers) go into the maker venv $(CONVERT_VENV), made on
# first use, never by make setup or make test; it, the download and the intermediates live in
# $(CONVERT_WORK), outside the repository.

VARIANT ?= e2b
# The models folder, as the app finds it (vestsight.llm.model_files.cache_dir).
MODELS_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/vestsight/models
CONVERT_WORK ?= $(dir $(MODELS_DIR))convert
CONVERT_VENV ?= $(CONVERT_WORK)/venv
# PyTorch's CPU wheels (PyPI's x86_64 torch is the CUDA build, several GB more). TORCH_INDEX=
# (empty) takes torch from PyPI only, e.g. where that index cannot be reached.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
CONVERT_ARGS = --variant $(VARIANT) --dest $(MODELS_DIR) --work $(CONVERT_WORK) --venv $(CONVERT_VENV) \
	--torch-index "$(TORCH_INDEX)" $(if $(REVISION),--revision $(REVISION)) \
	$(if $(FROM_DIR),--from-dir $(FROM_DIR))

.PHONY: gemma3n-vision gemma3n-vision-selftest gemma3n-vision-clean

gemma3n-vision: $(INSTALLED)
	$(PY) -m models.convert vision $(CONVERT_ARGS)

gemma3n-vision-selftest: $(MODEL_STAMP)
	$(PY) -m models.convert.selftest --work $(CONVERT_WORK)-selftest --venv $(CONVERT_VENV) \
	  --torch-index "$(TORCH_INDEX)"

# The maker venv, the download (~11 GB for E2B), the converter and the intermediates, and the
# self-test's files; the made models and their local manifest stay.
gemma3n-vision-clean:
	rm -rf $(CONVERT_WORK) $(CONVERT_VENV) $(CONVERT_WORK)-selftest
