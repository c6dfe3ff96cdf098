"""`make image-smoke`: boot the smoke image under qemu-system-aarch64 until the vest is READY.

Debian's arm64 kernel and initramfs (installed in the smoke image) boot a qemu "virt" machine
from the image as a virtio disk, read-only overlay and all; the vest runs in simulation. systemd
prints "Started vestsight.service" only when the app has sent READY=1 (Type=notify); then the smoke
layer's report says what listens on the network (nothing may) and how root and data are mounted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .config import load_config
from .inspect import mounted
from .util import BuildError

LOG = logging.getLogger("vsimage")
# systemd's status lines, colours removed: "[  OK  ] Started vestsight.service - Vestsight ..."
READY = "Started vestsight.service"
FAILED = "Failed to start vestsight.service"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def smoke(folder: Path, timeout_s: float = 1800) -> int:
    infos = sorted(folder.glob("*.json"), key=lambda path: path.stat().st_mtime)
    if not infos:
        raise BuildError(f"no image in {folder}: build --profile smoke first")
    info_path = infos[-1]  # the newest build
    info = json.loads(info_path.read_text())
    config = load_config(info["profile"])
    image = folder / info["image"]
    with tempfile.TemporaryDirectory(prefix="vsimage-smoke-") as tmp_name:
        tmp = Path(tmp_name)
        with mounted(image) as m:
            kernels = sorted((m.root / "boot").glob("vmlinuz-*"))
            initrds = sorted((m.root / "boot").glob("initrd.img-*"))
            if not kernels or not initrds:
                raise BuildError("the image has no kernel and initrd: build --profile smoke")
            shutil.copy(kernels[-1], tmp / "vmlinuz")
            shutil.copy(initrds[-1], tmp / "initrd")
        cmdline = (
            f"root=PARTUUID={config.partuuid(2)} rootfstype=ext4 rootwait ro "
            "init=/usr/lib/vestsight/overlay-init console=ttyAMA0 systemd.show_status=1"
        )
        log_path = folder / "smoke-serial.log"
        command = [
            "qemu-system-aarch64", "-M", "virt", "-cpu", "max", "-smp", "2", "-m", "3072",
            "-nographic", "-no-reboot", "-nic", "none",
            "-kernel", str(tmp / "vmlinuz"), "-initrd", str(tmp / "initrd"), "-append", cmdline,
            "-drive", f"file={image},format=raw,if=virtio,snapshot=on",
        ]  # fmt: skip
        LOG.info("booting %s under qemu (serial log: %s)", image.name, log_path)
        started = time.monotonic()
        with log_path.open("w") as log:
            qemu = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)  # fmt: skip
            try:
                outcome = wait_for(log_path, qemu, started + timeout_s)
            finally:
                qemu.kill()
                qemu.wait(timeout=60)
        seconds = time.monotonic() - started
        if outcome != "ready":
            LOG.error("smoke: %s after %.0f s; see %s", outcome, seconds, log_path)
            return 1
        serial = ANSI.sub("", log_path.read_text(errors="replace"))
        problems = report_problems(serial)
        ready = [line for line in serial.splitlines() if "VESTSIGHT-SMOKE ready_after_s" in line]
        LOG.info("smoke: report after %.0f s; %s; systemd: %s", seconds,
                 ready[0].split("VESTSIGHT-SMOKE ")[1] if ready else "no ready time",
                 "started" if READY in serial else "no status line")  # fmt: skip
        for problem in problems:
            LOG.error("smoke: %s", problem)
        return 1 if problems else 0


def report_problems(serial: str) -> list[str]:
    """What the smoke layer's report (on the serial console) says is wrong."""
    report = {}
    for line in serial.splitlines():
        if "VESTSIGHT-SMOKE " in line:
            words = line.split("VESTSIGHT-SMOKE ", 1)[1].split()
            if words:
                report[words[0]] = words[1:]
    if "done" not in report:
        return ["no smoke report on the serial console"]
    problems = []
    if report.get("listening") != ["tcp=0", "udp=0"]:
        problems.append(f"network sockets listening: {report.get('listening')}")
    if report.get("vestsight.service") != ["active"]:
        # A Type=notify unit is "active" only once the app has sent READY=1.
        problems.append(f"vestsight.service is {report.get('vestsight.service')}")
    if report.get("vestsight-system.service") != ["active"]:
        problems.append(f"vestsight-system.service is {report.get('vestsight-system.service')}")
    if report.get("root") != ["overlay", "data", "ext4"]:
        problems.append(f"root/data filesystems: {report.get('root')}")
    return problems


def wait_for(log_path: Path, qemu: subprocess.Popen[bytes], deadline: float) -> str:
    while time.monotonic() < deadline:
        text = ANSI.sub("", log_path.read_text(errors="replace"))
        if "VESTSIGHT-SMOKE done" in text:
            return "ready"  # the report says whether vestsight.service is active (READY=1 came)
        if FAILED in text:
            return "vestsight.service failed"
        if qemu.poll() is not None:
            return f"qemu exited ({qemu.returncode})"
        with contextlib.suppress(subprocess.TimeoutExpired):
            qemu.wait(timeout=2)
    return "timed out"
