"""`make flash`: which disks are refused, on real lsblk output; writing and reading back."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from vsimage import flash

GIB = 1 << 30


def disk(**fields: Any) -> dict[str, Any]:
    node = {"name": "sdz", "path": "/dev/sdz", "type": "disk", "rm": True, "ro": False,
            "size": 32 * GIB, "mountpoints": [None], "hotplug": True, "children": []}  # fmt: skip
    node.update(fields)
    return node


def test_a_removable_unmounted_card_is_accepted() -> None:
    assert flash.refusal(disk(), set(), 4 * GIB, force=False) == ""


@pytest.mark.parametrize(
    ("node", "words"),
    [
        (disk(type="part", path="/dev/sdz1"), "not a whole disk"),
        (disk(children=[{"path": "/dev/sdz1", "type": "part", "mountpoints": ["/media/card"]}]),
         "mounted at /media/card"),
        (disk(children=[{"path": "/dev/sdz2", "type": "part", "mountpoints": ["[SWAP]"]}]),
         "[SWAP]"),
        (disk(ro=True), "read-only"),
        (disk(size=2 * GIB), "the image needs"),
        (disk(rm=False, hotplug=False), "not a removable disk"),
    ],
)  # fmt: skip
def test_refused(node: dict[str, Any], words: str) -> None:
    assert words in flash.refusal(node, set(), 4 * GIB, force=False)


def test_the_system_disk_is_refused_even_when_forced() -> None:
    assert "running system" in flash.refusal(disk(), {"/dev/sdz"}, GIB, force=True)


def test_this_machines_root_disk_is_refused_from_real_lsblk_output() -> None:
    system = flash.root_disks()
    if not system:
        pytest.skip("the root filesystem is not on a block device here")
    device = sorted(system)[0]
    reason = flash.refusal(flash.lsblk(device), system, GIB, force=True)
    assert "running system" in reason


def root_with_loops() -> None:
    if os.geteuid() != 0 or not Path("/dev/loop-control").exists():
        if os.environ.get("CI"):
            pytest.fail("CI runs as root with loop devices")
        pytest.skip("needs root and loop devices")


def test_a_mounted_loop_disk_is_refused_from_real_lsblk_output(tmp_path: Path) -> None:
    root_with_loops()
    backing = tmp_path / "card.img"
    with backing.open("wb") as file:
        file.truncate(64 << 20)
    subprocess.run(["mkfs.ext4", "-q", str(backing)], check=True, capture_output=True, timeout=60)
    loop = subprocess.run(["losetup", "--find", "--show", str(backing)], capture_output=True,
                          text=True, check=True, timeout=30).stdout.strip()  # fmt: skip
    point = tmp_path / "mnt"
    point.mkdir()
    try:
        subprocess.run(["mount", loop, str(point)], check=True, timeout=30)
        try:
            node = flash.lsblk(loop)
            assert node["type"] == "loop" and json.dumps(node)
            reason = flash.refusal(node, flash.root_disks(), 1 << 20, force=True)
            assert "in use" in reason and str(point) in reason
        finally:
            subprocess.run(["umount", str(point)], check=True, timeout=30)
        # Unmounted, a loop disk is still not removable: written only when forced.
        node = flash.lsblk(loop)
        assert "not a removable disk" in flash.refusal(node, set(), 1 << 20, force=False)
        assert flash.refusal(node, set(), 1 << 20, force=True) == ""
    finally:
        subprocess.run(["losetup", "--detach", loop], check=True, timeout=30)
