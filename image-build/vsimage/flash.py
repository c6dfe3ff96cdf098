"""`make flash DEVICE=/dev/sdX`: write the image to a card safely, then read it back.

Refused: a partition instead of a disk, a disk with anything mounted (or used as swap), the
disk holding the running system's root, a read-only or too small disk, and a non-removable
disk unless forced. Written with bmaptool (only the mapped blocks, each checked as it is
read from the image); then every mapped range is read back from the card and its sha256
compared with the bmap's.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from .inspect import bmap_ranges, range_sha256
from .util import BuildError, output, run, step

LOG = logging.getLogger("vsimage")
LSBLK_COLUMNS = "NAME,PATH,TYPE,RM,RO,SIZE,MOUNTPOINTS,HOTPLUG,TRAN,MODEL,PKNAME"


def lsblk(device: str) -> dict[str, Any]:
    """lsblk's JSON for `device` with its children (partitions, holders)."""
    data = json.loads(output(["lsblk", "--json", "--bytes", "--output", LSBLK_COLUMNS, device]))
    return dict(data["blockdevices"][0])


def root_disks() -> set[str]:
    """The whole disks under / (through partitions, LVM, RAID), as /dev paths."""
    source = output(["findmnt", "--noheadings", "--output", "SOURCE", "--target", "/"]).strip()
    disks: set[str] = set()
    if not source.startswith("/dev/"):
        return disks
    tree = json.loads(output(["lsblk", "--json", "--inverse", "--output", "PATH,TYPE", source]))

    def walk(node: dict[str, Any]) -> None:
        if node.get("type") in ("disk", "loop"):
            disks.add(str(node["path"]))
        for child in node.get("children", []) or []:
            walk(child)

    for node in tree["blockdevices"]:
        walk(node)
    return disks


def mountpoints(node: dict[str, Any]) -> list[str]:
    found = [point for point in node.get("mountpoints") or [] if point]
    for child in node.get("children") or []:
        found += mountpoints(child)
    return found


def refusal(node: dict[str, Any], system_disks: set[str], image_size: int, force: bool) -> str:
    """Why `node` (lsblk JSON) must not be written, or empty if it may be."""
    path = node.get("path", "?")
    if node.get("type") not in ("disk", "loop"):
        return f"{path} is a {node.get('type')}, not a whole disk: give the disk (e.g. /dev/sdX)"
    if path in system_disks:
        return f"{path} holds the running system's root filesystem"
    mounted = mountpoints(node)
    if mounted:
        return f"{path} is in use (mounted at {', '.join(mounted)}): unmount it first"
    if node.get("ro"):
        return f"{path} is read-only (is the card's lock switch on?)"
    if int(node.get("size") or 0) < image_size:
        return f"{path} holds {node.get('size')} bytes, the image needs {image_size}"
    removable = bool(node.get("rm")) or bool(node.get("hotplug"))
    if not removable and not force:
        return f"{path} is not a removable disk; FORCE=1 if you are sure it is the card"
    return ""


def newest_image(out: Path) -> Path:
    images = sorted(out.glob("*.img.xz"), key=lambda path: path.stat().st_mtime)
    if not images:
        raise BuildError(f"no image in {out}: run make image first")
    return images[-1]


def image_size(bmap: Path) -> int:
    import xml.etree.ElementTree as ET

    return int(ET.parse(bmap).getroot().findtext("ImageSize", "0"))


def flash_image(
    device: str,
    image: Path | None,
    out: Path,
    *,
    force: bool = False,
    assume_yes: bool = False,
    keep_data: bool = False,
) -> int:
    image = image or newest_image(out)
    bmap = image.with_name(image.name.removesuffix(".xz").removesuffix(".img") + ".bmap")
    if not bmap.exists():
        raise BuildError(f"{bmap} is missing")
    checksum = image.with_name(image.name + ".sha256")
    if checksum.exists():
        from .base import sha256_file

        if checksum.read_text().split()[0] != sha256_file(image):
            raise BuildError(f"{image.name} does not match {checksum.name}: damaged download?")
    node = lsblk(device)
    reason = refusal(node, root_disks(), image_size(bmap), force)
    if reason:
        raise BuildError(f"refusing to write: {reason}")
    if not assume_yes:
        if not sys.stdin.isatty():
            raise BuildError("not asking without a terminal: pass --yes")
        answer = input(f"Erase {device} ({node.get('model') or ''} {node.get('size')} bytes) "
                       f"and write {image.name}? Type yes: ")  # fmt: skip
        if answer.strip() != "yes":
            LOG.info("nothing written")
            return 1
    if keep_data:
        problems = update_keeping_data(Path(device), image, bmap)
    else:
        with step(f"write {image.name} to {device} (bmaptool)"):
            run(["bmaptool", "copy", "--bmap", bmap, image, device], timeout=7200)
        with step("read back and compare with the bmap's checksums"):
            problems = verify_device(Path(device), bmap)
    for problem in problems:
        LOG.error("flash: %s", problem)
    if not problems:
        LOG.info("flash: %s verified; it can be removed", device)
    return 1 if problems else 0


def verify_device(device: Path, bmap: Path) -> list[str]:
    """Every mapped range read back from `device` and compared with the bmap's sha256."""
    run(["sync"])
    run(["blockdev", "--flushbufs", device], check=False)  # read from the card, not the cache
    problems = []
    for start, end, digest in bmap_ranges(bmap):
        if range_sha256(device, start, end) != digest:
            problems.append(f"bytes {start}-{end} on {device} differ from the image")
    return problems


# --- updating a card and keeping its data partition and config -----------------------------

MTOOLS_ENV = {"MTOOLS_SKIP_CHECK": "1"}


def partitions(path: Path) -> list[dict[str, Any]]:
    table = json.loads(output(["sfdisk", "--json", path]))["partitiontable"]
    return [
        {"start": int(p["start"]), "size": int(p["size"]), "type": p["type"], "id": table["id"]}
        for p in table.get("partitions", [])
    ]


def same_layout(card: list[dict[str, Any]], new: list[dict[str, Any]]) -> str:
    """Why the card cannot be updated in place with the new image's layout, or empty."""
    if len(card) != 3 or len(new) != 3:
        return "the card is not a Vestsight card (three partitions)"
    if card[0]["id"] != new[0]["id"]:
        return f"the card's disk signature {card[0]['id']} is not the image's {new[0]['id']}"
    for number in (0, 1):
        if (card[number]["start"], card[number]["size"]) != (
            new[number]["start"],
            new[number]["size"],
        ):
            return f"partition {number + 1} differs in place or size: flash without KEEP_DATA"
    if card[2]["start"] != new[2]["start"]:
        return "the data partition starts elsewhere: flash without KEEP_DATA"
    return ""


def update_keeping_data(device: Path, image: Path, bmap: Path) -> list[str]:
    """Write the boot and root partitions only; keep the data partition, the partition table
    (the data partition was grown on the vest) and the maker's vestsight.toml."""
    import lzma
    import tempfile

    with lzma.open(image) as stream:
        head = stream.read(1 << 20)
    with tempfile.TemporaryDirectory(prefix="vsimage-") as tmp:
        mbr = Path(tmp) / "mbr.img"
        mbr.write_bytes(head[:512] + bytes((1 << 20) - 512))
        layout_new = partitions(mbr)
    card = partitions(device)
    reason = same_layout(card, layout_new)
    if reason:
        raise BuildError(f"cannot keep the data: {reason}")
    boot_at, data_at = card[0]["start"] * 512, card[2]["start"] * 512
    with tempfile.TemporaryDirectory(prefix="vsimage-") as tmp:
        saved, new = Path(tmp) / "vestsight.toml", Path(tmp) / "vestsight.toml.new"
        image_fat = f"{device}@@{boot_at}"
        had = run(["mcopy", "-n", "-i", image_fat, "::vestsight.toml", saved],
                  env=MTOOLS_ENV, check=False).returncode == 0  # fmt: skip
        with step(f"write the boot and root partitions of {image.name} (data kept)"):
            write_ranges(image, bmap, device, boot_at, data_at)
        if had:
            run(["mcopy", "-n", "-i", image_fat, "::vestsight.toml", new], env=MTOOLS_ENV)
            run(["mcopy", "-o", "-i", image_fat, new, "::vestsight.toml.new"], env=MTOOLS_ENV)
            run(["mcopy", "-o", "-i", image_fat, saved, "::vestsight.toml"], env=MTOOLS_ENV)
        LOG.info("kept the card's vestsight.toml; the new image's is beside it as .new")
    with step("read back the root partition"):
        # The boot partition changed again (the config put back): the root is what is checked.
        return _verify_root(device, bmap, card[1]["start"] * 512, data_at)


def _verify_root(device: Path, bmap: Path, root_at: int, data_at: int) -> list[str]:
    run(["sync"])
    run(["blockdev", "--flushbufs", device], check=False)
    problems = []
    for start, end, digest in bmap_ranges(bmap):
        if start >= root_at and end <= data_at and range_sha256(device, start, end) != digest:
            problems.append(f"bytes {start}-{end} on {device} differ from the image")
    return problems


def write_ranges(image: Path, bmap: Path, device: Path, low: int, high: int) -> None:
    """Write the image's mapped bytes in [low, high) to `device`, streaming the .xz."""
    import lzma

    position = 0
    with lzma.open(image) as stream, device.open("r+b") as target:
        for range_start, range_end, _ in bmap_ranges(bmap):
            start, end = max(range_start, low), min(range_end, high)
            if start >= end:
                continue
            _skip(stream, start - position)
            target.seek(start)
            left = end - start
            while left > 0:
                block = stream.read(min(left, 4 << 20))
                if not block:
                    raise BuildError(f"{image.name} ended early")
                target.write(block)
                left -= len(block)
            position = end
        target.flush()
        os.fsync(target.fileno())


def _skip(stream: Any, count: int) -> None:
    while count > 0:
        block = stream.read(min(count, 4 << 20))
        if not block:
            raise BuildError("the image ended early")
        count -= len(block)
