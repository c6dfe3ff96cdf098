"""The maker venv (``~/.cache/vestsight/convert/venv``): PyTorch, transformers and the rest
the converter needs.

These tools are large (PyTorch alone is ~0.7 GB in its CPU build) and only the maker's
``make gemma3n-vision`` needs them, so they live in a venv of their own, made the first time
the conversion runs, never by ``make setup`` or CI. Every package is pinned
(``requirements-convert.txt``) and installed with ``--no-deps``. PyTorch's CPU build is taken
from PyTorch's own index when one is given (``TORCH_INDEX``; on x86_64 PyPI's torch is the CUDA
build, several GB more). The venv is remade when the requirements change.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
from pathlib import Path

from vestsight.errors import ModelFileError

_LOGGER = logging.getLogger(__name__)

REQUIREMENTS = Path(__file__).resolve().parent / "requirements-convert.txt"
PIP = "pip==25.3"
TIMEOUT = 3600


def ensure_venv(
    venv: Path,
    *,
    python: str = "python3.11",
    torch_index: str = "",
    requirements: Path = REQUIREMENTS,
) -> Path:
    """The maker venv's Python, installing the venv first if it is missing or outdated."""
    stamp = venv / ".installed"
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    interpreter = venv / "bin" / "python"
    if stamp.is_file() and stamp.read_text().strip() == wanted and interpreter.is_file():
        return interpreter
    if venv.exists():
        shutil.rmtree(venv)
    _LOGGER.info("Making the maker venv %s (PyTorch, transformers: a few minutes, once)", venv)
    _run([python, "-m", "venv", str(venv)])
    _run([str(interpreter), "-m", "pip", "install", "--quiet", PIP])
    index = ["--extra-index-url", torch_index] if torch_index else []
    _run([str(interpreter), "-m", "pip", "install", "--quiet", "--no-deps", *index,
          "--requirement", str(requirements)])  # fmt: skip
    done = subprocess.run(
        [str(interpreter), "-c", "import torch; print(torch.version.cuda or '')"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise ModelFileError(f"PyTorch does not import in {venv}: {done.stderr.strip()[-500:]}")
    if done.stdout.strip():
        _LOGGER.warning("%s has the CUDA build of PyTorch (set TORCH_INDEX for the CPU one)", venv)
    stamp.write_text(wanted + "\n")
    return interpreter


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if done.returncode != 0:
        raise ModelFileError(
            f"{' '.join(command[:4])} ... failed: {done.stderr.strip()[-800:]}",
            advice="check the network (PyPI, and TORCH_INDEX if set); run the build again",
        )
