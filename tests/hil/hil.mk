# Hardware-in-the-loop bench (tests/hil/README.md, hardware/BENCH.md). Included by the Makefile.
#   make hil                  the bench scenarios against the simulated vest, as CI runs them
#   make bench-hil            the same scenarios against the real vest on the bench (TARGET=pi);
#                             needs VESTSIGHT_HIL_LINK and VESTSIGHT_HIL_AUDIO (see BENCH.md)
#   make bench-history        medians of every bench run kept, oldest first
# REPORT_DIR=folder puts the run's report there (default: a temporary folder for sim,
# ~/.local/share/vestsight-bench/runs for the real vest).

.PHONY: hil bench-hil bench-history

hil: setup
	$(PY) -m pytest tests/hil --hil-target=sim -rs \
	  $(if $(REPORT_DIR),--hil-report-dir=$(REPORT_DIR)) $(PYTEST_ARGS)

bench-hil: TARGET ?= pi
bench-hil: setup
	$(PY) -m pytest tests/hil --hil-target=$(TARGET) -rs \
	  $(if $(REPORT_DIR),--hil-report-dir=$(REPORT_DIR)) $(PYTEST_ARGS)

bench-history: $(INSTALLED)
	$(PY) -m tests.hil.report history
