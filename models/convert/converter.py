"""Run llama.cpp's converter (in the maker venv) and its quantizer (in the project venv).

Text model: ``convert_hf_to_gguf.py --outtype f16``. F16, not BF16, although the checkpoint is
bf16: llama.cpp's quantizer leaves some Gemma 3n tensors unquantized (the AltUp projections,
the per-layer-input projection, LAuReL and router matrices) and those keep the intermediate
file's type. The Pi 5's Cortex-A76 computes in F16 natively (the vest's llama.cpp is built for
armv8.2-a+fp16) but has no BF16 instructions. Every bf16 value within F16's range converts
exactly; the checks refuse a file with a non-finite F16 value.

Projector: the same converter with ``--mmproj --outtype f16``, through `gemma3n_fixes` (see
there for the two faults it mends). Quantization: llama.cpp's own ``llama_model_quantize``
through llama-cpp-python, with ``llama-quantize``'s defaults.
"""

from __future__ import annotations

import ctypes
import logging
import subprocess
import time
from pathlib import Path

from vestsight.errors import ModelFileError

from .recipes import Quant

_LOGGER = logging.getLogger(__name__)

FIXES = Path(__file__).resolve().parent / "gemma3n_fixes.py"
TIMEOUT = 6 * 3600
QUANT_BUF_BYTES = 1 << 30


def convert_text(python: Path, llama_cpp: Path, model_dir: Path, out: Path, log: Path) -> Path:
    command = [str(python), str(llama_cpp / "convert_hf_to_gguf.py"), str(model_dir)]
    return _convert(command, out, log, "text model")


def convert_projector(python: Path, llama_cpp: Path, model_dir: Path, out: Path, log: Path) -> Path:
    command = [str(python), str(FIXES), str(llama_cpp), str(model_dir), "--mmproj"]
    return _convert(command, out, log, "vision projector")


def _convert(command: list[str], out: Path, log: Path, what: str) -> Path:
    partial = out.with_name(out.name + ".part")
    command += ["--outtype", "f16", "--outfile", str(partial)]
    _LOGGER.info("Converting the %s -> %s (log: %s)", what, out.name, log)
    started = time.monotonic()
    with log.open("w") as output:
        done = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, timeout=TIMEOUT,
                              check=False)  # fmt: skip
    if done.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise ModelFileError(
            f"the converter failed on the {what} (exit {done.returncode}):\n{tail}",
            advice=f"the whole output is in {log}",
        )
    partial.rename(out)
    _LOGGER.info("Converted the %s in %.0f s (%.2f GB)", what, time.monotonic() - started,
                 out.stat().st_size / 1e9)  # fmt: skip
    return out


def quantize(source: Path, target: Path, quant: Quant, threads: int) -> Path:
    """llama.cpp's quantizer, with `llama-quantize`'s defaults (only its buffer is bounded)."""
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.nthread = threads
    params.ftype = quant.ftype
    params.max_buf_size = QUANT_BUF_BYTES
    partial = target.with_name(target.name + ".part")
    _LOGGER.info("Quantizing to %s -> %s", quant.label, target.name)
    started = time.monotonic()
    status = llama_cpp.llama_model_quantize(
        str(source).encode(), str(partial).encode(), ctypes.byref(params)
    )
    if status != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise ModelFileError(
            f"llama.cpp's quantizer failed on {source.name} ({quant.label}, status {status})",
            advice="its messages are above; check the free disk space",
        )
    partial.rename(target)
    _LOGGER.info("Quantized in %.0f s (%.2f GB)", time.monotonic() - started,
                 target.stat().st_size / 1e9)  # fmt: skip
    return target
