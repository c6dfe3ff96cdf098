"""Both documented ways of starting the vest reach its command line."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from vestsight.settings import Settings

SCRIPTS = Path(sys.executable).parent


def test_console_script_and_module_print_the_documented_config() -> None:
    for command in ([str(SCRIPTS / "vestsight")], [sys.executable, "-m", "vestsight"]):
        result = subprocess.run(
            [*command, "--print-config"], capture_output=True, text=True, timeout=60, check=True
        )
        parsed = tomllib.loads(result.stdout)
        assert parsed["speech"]["rate"] == Settings().speech.rate


def test_no_hardware_library_is_imported_by_the_simulated_vest() -> None:
    code = (
        "import sys, vestsight.app, vestsight.camera.photos, vestsight.gpio.pins;"
        "hardware = ('picamera2', 'lgpio', 'llama_cpp', 'libcamera');"
        "print(sorted(m for m in hardware if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"  # llama_cpp lives in the worker process only
