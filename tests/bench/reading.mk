# Reading benchmark (tests/bench/bench_reading.py). Included by the Makefile.
#   make bench-reading            character accuracy per condition (rendered en and ru labels,
#                                 addresses and pages: tilt 0-15 degrees, perspective, blur, noise,
#                                 JPEG, uneven light, small text), the same frames read the way
#                                 the vest read before, and "read" -> first spoken word
#   make bench-reading-guidance   accuracy and the vest's hints as letters shrink and blur grows
# SAMPLES=n frames per condition and language (default 8); VERBOSE=1 prints every misreading;
# JSON=file keeps the numbers.

.PHONY: bench-reading bench-reading-guidance

bench-reading: setup
	$(PY) -m tests.bench.bench_reading --baseline $(if $(SAMPLES),--samples $(SAMPLES)) \
	  $(if $(VERBOSE),--verbose) $(if $(JSON),--json $(JSON))

bench-reading-guidance: setup
	$(PY) -m tests.bench.bench_reading --guidance $(if $(SAMPLES),--samples $(SAMPLES))
