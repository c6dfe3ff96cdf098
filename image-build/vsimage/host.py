"""The build host: root, the tools, and arm64 programs runnable (natively or by qemu-user)."""

from __future__ import annotations

import os
import platform
import shutil
from pathlib import Path

from .util import LOG, BuildError, run

TOOLS = ["mmdebstrap", "sfdisk", "mkfs.vfat", "mcopy", "mke2fs", "xz", "bmaptool", "losetup"]
BINFMT = Path("/proc/sys/fs/binfmt_misc")
QEMU_RULE = Path("/usr/lib/binfmt.d/qemu-aarch64.conf")


def native_arm64() -> bool:
    return platform.machine() in ("aarch64", "arm64")


def check_host(tools: list[str] = TOOLS) -> None:
    if os.geteuid() != 0:
        raise BuildError("building an image needs root (loop devices, chroot, mounts): use sudo")
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise BuildError(f"missing tools: {' '.join(missing)} (make image-deps installs them)")
    if not native_arm64():
        ensure_binfmt()


def binfmt_problem() -> str:
    """Why arm64 programs cannot run here, or empty when they can."""
    if native_arm64():
        return ""
    if not (BINFMT / "register").exists():
        return "binfmt_misc is not mounted"
    entry = BINFMT / "qemu-aarch64"
    if not entry.exists() or "enabled" not in entry.read_text():
        return "qemu-aarch64 is not registered with binfmt_misc"
    if "F" not in _flags(entry):
        return "qemu-aarch64 is registered without the F (fix binary) flag: chroots cannot use it"
    return ""


def _flags(entry: Path) -> str:
    for line in entry.read_text().splitlines():
        if line.startswith("flags:"):
            return line.split(":", 1)[1].strip()
    return ""


def ensure_binfmt() -> None:
    """Mount binfmt_misc and register Debian's qemu-aarch64 (qemu-user-static) if needed."""
    if not (BINFMT / "register").exists():
        LOG.info("mounting binfmt_misc")
        run(["mount", "-t", "binfmt_misc", "binfmt_misc", BINFMT])
    if not (BINFMT / "qemu-aarch64").exists():
        if not QEMU_RULE.exists():
            raise BuildError(f"{QEMU_RULE} missing: install qemu-user-static (make image-deps)")
        LOG.info("registering qemu-aarch64 with binfmt_misc")
        (BINFMT / "register").write_text(QEMU_RULE.read_text().strip())
    problem = binfmt_problem()
    if problem:
        raise BuildError(problem)
