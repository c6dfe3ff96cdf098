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


# What the builder gave every image before the data partition's folders and bind mounts moved
# from vsimage/rootfs.py into the layers' [[data_dirs]] and [[bind_mounts]] (issue 13): the
# layers must declare exactly this, and the built image must have it.
BIND_MOUNTS_BEFORE = [
    "/var/lib/vestsight/system/bluetooth  /var/lib/bluetooth  none  "
    "bind,x-systemd.requires-mounts-for=/var/lib/vestsight  0  0",
    "/var/lib/vestsight/system/journal  /var/log/journal  none  "
    "bind,x-systemd.requires-mounts-for=/var/lib/vestsight  0  0",
]
DATA_TREE_BEFORE = [
    # (folder of the data partition, mode, owner, group)
    ("app", 0o750, "vestsight", "vestsight"),
    ("system", 0o700, "root", "root"),
    ("system/bluetooth", 0o700, "root", "root"),
    ("system/journal", 0o2755, "root", "systemd-journal"),
    ("system/ssh", 0o700, "root", "root"),
]
ROOT_DIRS_BEFORE = ["/var/lib/vestsight", "/var/lib/bluetooth", "/var/log/journal",
                    "/boot/firmware", "/overlay"]  # fmt: skip
"""The empty folders the build made in the root filesystem for mount points."""
