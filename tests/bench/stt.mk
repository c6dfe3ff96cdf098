# Speech-to-text benchmark (asking by voice). Included by the Makefile.
#   make bench-stt            transcription time and real-time factor, the vest's against bare
#                             CTranslate2, and press -> first answer word on the simulated vest
#   THREADS=4 BEAM=1          other thread counts or beam widths (the vest's defaults otherwise)

.PHONY: bench-stt

bench-stt: setup
	$(PY) -m tests.bench.bench_stt $(if $(THREADS),--threads $(THREADS)) $(if $(BEAM),--beam $(BEAM))
