"""The disk image: MBR with FAT32 boot, ext4 root and ext4 data, filled from three trees.

Each filesystem is made in place in the sparse image file (mkfs.vfat --offset, mke2fs -E
offset, mcopy -i img@@offset), so nothing is copied twice and unwritten space stays a hole
that bmaptool skips.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from .config import ImageConfig
from .util import BuildError, du_mib, run, step

MIB = 1 << 20
SECTOR = 512
FIRST_MIB = 4  # the first partition starts at 4 MiB, like Raspberry Pi OS (8192 sectors)


@dataclass(frozen=True)
class Partition:
    number: int
    label: str
    start_mib: int
    size_mib: int
    kind: str  # "c" = FAT32 (LBA), "83" = Linux


def layout(config: ImageConfig, root_mib: int) -> list[Partition]:
    profile = config.profile
    boot = Partition(1, "bootfs", FIRST_MIB, profile.boot_mib, "c")
    root = Partition(2, "rootfs", boot.start_mib + boot.size_mib, root_mib, "83")
    data = Partition(3, "vestdata", root.start_mib + root.size_mib, profile.data_mib, "83")
    return [boot, root, data]


def root_size_mib(config: ImageConfig, root: Path) -> int:
    used = du_mib(root)
    # ext4 metadata (inode tables, journal) takes about a tenth; then the profile's headroom.
    needed = int(math.ceil(used * 1.12 / 64) * 64) + config.profile.root_headroom_mib
    fixed = config.profile.root_mib
    if fixed and needed > fixed:
        raise BuildError(f"the root filesystem needs {needed} MiB, more than root_mib = {fixed}")
    return fixed or needed


def make_image(
    config: ImageConfig, image: Path, root: Path, boot: Path, data: Path
) -> list[Partition]:
    parts = layout(config, root_size_mib(config, root))
    total_mib = parts[-1].start_mib + parts[-1].size_mib
    image.unlink(missing_ok=True)
    with open(image, "wb") as file:
        file.truncate(total_mib * MIB)
    table = [
        "label: dos",
        f"label-id: 0x{config.disk_signature:08x}",
        "unit: sectors",
        "",
    ] + [
        f"start={p.start_mib * MIB // SECTOR}, size={p.size_mib * MIB // SECTOR}, type={p.kind}"
        + (", bootable" if p.number == 1 else "")
        for p in parts
    ]
    with step(f"partitions: boot {parts[0].size_mib} MiB, root {parts[1].size_mib} MiB, "
              f"data {parts[2].size_mib} MiB"):  # fmt: skip
        run(["sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", image],
            input_text="\n".join(table) + "\n")  # fmt: skip
    boot_part, root_part, data_part = parts
    with step("boot: FAT32"):
        run(["mkfs.vfat", "-F", "32", "-n", "BOOTFS", "-i", f"{config.disk_signature:08x}",
             "--offset", str(boot_part.start_mib * MIB // SECTOR), image,
             str(boot_part.size_mib * 1024)])  # fmt: skip
        entries = sorted(boot.iterdir())
        if entries:
            run(["mcopy", "-s", "-p", "-m", "-i", f"{image}@@{boot_part.start_mib * MIB}",
                 *entries, "::"], env={"MTOOLS_SKIP_CHECK": "1"})  # fmt: skip
    for part, tree in ((root_part, root), (data_part, data)):
        with step(f"{part.label}: ext4 from {tree.name}/"):
            run(["mke2fs", "-q", "-t", "ext4", "-L", part.label, "-d", tree,
                 "-E", f"offset={part.start_mib * MIB},root_owner=0:0", "-m", "1",
                 image, f"{part.size_mib}M"], timeout=3600)  # fmt: skip
    check_filesystems(image, parts)
    return parts


def check_filesystems(image: Path, parts: list[Partition]) -> None:
    """e2fsck each ext4 filesystem (read-only); a damaged one fails the build."""
    import tempfile

    for part in parts[1:]:
        with tempfile.NamedTemporaryFile(dir=image.parent, suffix=".ext4") as scratch:
            run(["dd", f"if={image}", f"of={scratch.name}", "bs=1M", f"skip={part.start_mib}",
                 f"count={part.size_mib}", "conv=sparse", "status=none"])  # fmt: skip
            done = run(["e2fsck", "-fn", scratch.name], capture=True, check=False)
            if done.returncode != 0:
                raise BuildError(f"{part.label}: e2fsck found problems: {done.stdout[-1500:]}")
