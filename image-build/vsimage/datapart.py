"""The data partition (/var/lib/vestsight) as the layers declare it: its folders
([[data_dirs]]) made with their modes and owners, recreated at boot by systemd-tmpfiles, and the
root filesystem's folders bound to them ([[bind_mounts]], lines of /etc/fstab). `check` reads a
built image back against the same declarations.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from .layers import BindMount, DataDir, Layer
from .util import BuildError

LOG = logging.getLogger(__name__)

DATA_MOUNT = "/var/lib/vestsight"
TMPFILES = "etc/tmpfiles.d/vestsight-data.conf"
TMPFILES_HEADER = (
    f"# Vestsight data partition ({DATA_MOUNT}): recreated if the partition was emptied.\n"
    "# Written by the image build from the layers' [[data_dirs]] (image-build/layers).\n"
)


def data_dirs(layers: Sequence[Layer]) -> list[DataDir]:
    """Every layer's folders, parents first."""
    return sorted((item for layer in layers for item in layer.data_dirs), key=lambda d: d.path)


def bind_mounts(layers: Sequence[Layer]) -> list[BindMount]:
    """Every layer's bind mounts, a mount point before the ones below it."""
    return sorted((item for layer in layers for item in layer.bind_mounts), key=lambda m: m.target)


def fstab_lines(layers: Sequence[Layer]) -> list[str]:
    return [
        f"{DATA_MOUNT}/{mount.source}  {mount.target}  none  "
        f"bind,x-systemd.requires-mounts-for={DATA_MOUNT}  0  0"
        for mount in bind_mounts(layers)
    ]


def tmpfiles_text(layers: Sequence[Layer]) -> str:
    return TMPFILES_HEADER + "".join(
        f"d {DATA_MOUNT}/{item.path} {item.mode:04o} {item.owner} {item.group} -\n"
        for item in data_dirs(layers)
    )


def write_root(layers: Sequence[Layer], root: Path) -> None:
    """The tmpfiles.d rule and an empty mount point for each bind mount."""
    rule = root / TMPFILES
    rule.parent.mkdir(parents=True, exist_ok=True)
    rule.write_text(tmpfiles_text(layers))
    rule.chmod(0o644)
    for mount in bind_mounts(layers):
        (root / mount.target.lstrip("/")).mkdir(parents=True, exist_ok=True)


def account_id(root: Path, database: str, name: str) -> int:
    """The uid (database "passwd") or gid ("group") of `name` in the image."""
    for line in (root / "etc" / database).read_text().splitlines():
        fields = line.split(":")
        if fields[0] == name and len(fields) > 2:
            return int(fields[2])
    kind = "user" if database == "passwd" else "group"
    raise BuildError(f"data partition: no {kind} {name} in the image (a [[data_dirs]] owner)")


def owner_ids(root: Path, item: DataDir) -> tuple[int, int]:
    return account_id(root, "passwd", item.owner), account_id(root, "group", item.group)


def make_tree(layers: Sequence[Layer], root: Path, data: Path) -> None:
    """The data partition's first contents in `data`, owners as `root`'s accounts say."""
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    for item in data_dirs(layers):
        path = data / item.path
        path.mkdir()
        shutil.chown(path, *owner_ids(root, item))
        path.chmod(item.mode)
    LOG.info("data partition: %s", ", ".join(f"{d.path} {d.mode:04o}" for d in data_dirs(layers)))


def check(layers: Sequence[Layer], root: Path, data: Path) -> list[str]:
    """A built image's data partition, fstab and tmpfiles rule against the declarations."""
    problems = []
    for item in data_dirs(layers):
        path = data / item.path
        if not path.is_dir() or path.is_symlink():
            problems.append(f"the data partition has no folder {item.path}")
            continue
        info = os.lstat(path)
        try:
            wanted = owner_ids(root, item)
        except BuildError as err:
            problems.append(str(err))
            continue
        if (info.st_uid, info.st_gid) != wanted or info.st_mode & 0o7777 != item.mode:
            problems.append(
                f"data partition {item.path}: mode {info.st_mode & 0o7777:04o} owner "
                f"{info.st_uid}:{info.st_gid}, declared {item.mode:04o} {item.owner}:{item.group}"
            )
    fstab = (root / "etc/fstab").read_text().splitlines()
    problems += [f"/etc/fstab lacks {line!r}" for line in fstab_lines(layers) if line not in fstab]
    for mount in bind_mounts(layers):
        if not (root / mount.target.lstrip("/")).is_dir():
            problems.append(f"no mount point {mount.target} in the root filesystem")
    rule = root / TMPFILES
    if not rule.is_file() or rule.read_text() != tmpfiles_text(layers):
        problems.append(f"/{TMPFILES} is not the layers' [[data_dirs]]")
    return problems
