"""The image tests import image-build/vsimage, the image builder."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from tests.conftest import REPO

IMAGE_BUILD = REPO / "image-build"
if str(IMAGE_BUILD) not in sys.path:
    sys.path.insert(0, str(IMAGE_BUILD))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "image: builds the CI image (~10 min here); deselect with -m 'not image' when iterating",
    )


def need_image_host() -> None:
    """Skip (or, in CI, fail) where an image cannot be built: root, loop devices, the tools."""
    from vsimage.host import TOOLS, binfmt_problem, ensure_binfmt, native_arm64

    reasons = []
    if os.geteuid() != 0:
        reasons.append("not root")
    if not os.path.exists("/dev/loop-control"):
        reasons.append("no loop devices")
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        reasons.append(f"missing {' '.join(missing)} (make setup installs them)")
    if not reasons and not native_arm64() and binfmt_problem():
        try:
            ensure_binfmt()
        except Exception as err:  # noqa: BLE001 - any failure is the reason to report
            reasons.append(f"cannot run arm64 programs: {err}")
    if reasons:
        message = "cannot build an image here: " + "; ".join(reasons)
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the image test)")
        pytest.skip(message)
