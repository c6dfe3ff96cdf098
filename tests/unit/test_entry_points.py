"""Both documented ways of starting the vest reach its command line, and every `python -m` entry
point has a console script of its own."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from vestsight.settings import Settings

SCRIPTS = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "device" / "vestsight"


def python_m_targets() -> dict[str, str]:
    """Each module `python -m` can run -> the ``module:main`` it calls."""
    targets = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        text = path.read_text(encoding="utf-8")
        if path.name == "__main__.py":
            package = module.removesuffix(".__main__")
            runs = re.search(r"^from \.(\w+) import main$", text, re.MULTILINE)
            assert runs, f"{path} should run `main` of a module of its package"
            targets[package] = f"{package}.{runs.group(1)}:main"
        elif 'if __name__ == "__main__":' in text:
            targets[module] = f"{module}:main"
    return targets


def test_every_python_m_entry_point_is_a_declared_script() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    targets = python_m_targets()
    assert {"vestsight", "vestsight.bootconfig", "vestsight.llm.worker"} <= set(targets)
    assert sorted(scripts.values()) == sorted(targets.values())


def test_the_bootconfig_script_and_module_render_the_same_card_file() -> None:
    if not (SCRIPTS / "vestsight-bootconfig").exists():
        pytest.skip("this venv predates the script: pip install --no-deps -e . (make setup)")
    outputs = [
        subprocess.run(
            [*command, "render", "--set", 'camera.backend="picamera2"'],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        for command in (
            [str(SCRIPTS / "vestsight-bootconfig")],
            [sys.executable, "-m", "vestsight.bootconfig"],
        )
    ]
    assert outputs[0] == outputs[1]
    assert tomllib.loads(outputs[0])["camera"]["backend"] == "picamera2"


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
