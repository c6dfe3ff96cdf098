"""The data partition's folders and the bind mounts into it, declared by the layers, are the
ones the builder wrote by hand before, and are written into a root filesystem as declared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from vsimage import datapart, rootfs
from vsimage.config import load_config

from tests.image.conftest import BIND_MOUNTS_BEFORE, DATA_TREE_BEFORE, ROOT_DIRS_BEFORE

PROFILES = ["full", "ci", "smoke"]


@pytest.mark.parametrize("profile", PROFILES)
def test_the_layers_declare_the_bind_mounts_and_data_tree_as_before(profile: str) -> None:
    layers = load_config(profile).layers
    assert datapart.fstab_lines(layers) == BIND_MOUNTS_BEFORE
    declared = [(d.path, d.mode, d.owner, d.group) for d in datapart.data_dirs(layers)]
    assert declared == DATA_TREE_BEFORE


def test_each_layer_declares_its_own_part_of_the_data_partition() -> None:
    owners = {
        item.path: layer.name for layer in load_config("ci").layers for item in layer.data_dirs
    }
    assert owners == {
        "system": "readonly",
        "system/journal": "readonly",
        "system/bluetooth": "bluetooth",
        "system/ssh": "network",
        "app": "vestsight",
    }


def test_the_tmpfiles_rule_recreates_the_same_folders() -> None:
    text = datapart.tmpfiles_text(load_config("ci").layers)
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines == [
        f"d /var/lib/vestsight/{path} {mode:04o} {owner} {group} -"
        for path, mode, owner, group in DATA_TREE_BEFORE
    ]


ACCOUNTS = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n"
    "vestsight:x:998:997::/var/lib/vestsight/app:/usr/sbin/nologin\n",
    "etc/group": "root:x:0:\nsystemd-journal:x:990:\nvestsight:x:997:\n",
}
IDS = {"root": 0, "vestsight": 998, "systemd-journal": 990}
GIDS = {"root": 0, "vestsight": 997, "systemd-journal": 990}


@pytest.mark.skipif(os.geteuid() != 0, reason="making files of other owners needs root")
@pytest.mark.parametrize("profile", PROFILES)
def test_a_root_filesystem_and_data_partition_get_what_they_got_before(
    profile: str, tmp_path: Path
) -> None:
    config = load_config(profile)
    root, data = tmp_path / "root", tmp_path / "data"
    (root / "etc").mkdir(parents=True)
    for relative, text in ACCOUNTS.items():
        (root / relative).write_text(text)
    rootfs.copy_layer_files(config, root)
    rootfs.write_system_files(config, root)
    datapart.make_tree(config.layers, root, data)

    entries = [
        line for line in (root / "etc/fstab").read_text().splitlines() if not line.startswith("#")
    ]
    assert entries == [
        "PARTUUID=7e575167-01  /boot/firmware  vfat  ro,noatime,umask=0022  0  0",
        "PARTUUID=7e575167-03  /var/lib/vestsight  ext4  "
        "defaults,noatime,commit=5,x-systemd.growfs  0  2",
        *BIND_MOUNTS_BEFORE,
    ]
    for folder in ROOT_DIRS_BEFORE:
        path = root / folder.lstrip("/")
        assert path.is_dir() and not any(path.iterdir()), folder
    made = sorted(
        (str(path.relative_to(data)), path.stat().st_mode & 0o7777, path.stat().st_uid,
         path.stat().st_gid)
        for path in data.rglob("*")
    )  # fmt: skip
    assert made == [
        (path, mode, IDS[owner], GIDS[group]) for path, mode, owner, group in DATA_TREE_BEFORE
    ]
    assert datapart.check(config.layers, root, data) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="making files of other owners needs root")
def test_the_check_names_what_differs_from_the_declarations(tmp_path: Path) -> None:
    config = load_config("ci")
    root, data = tmp_path / "root", tmp_path / "data"
    (root / "etc").mkdir(parents=True)
    for relative, text in ACCOUNTS.items():
        (root / relative).write_text(text)
    rootfs.write_system_files(config, root)
    datapart.make_tree(config.layers, root, data)
    (data / "system/ssh").chmod(0o755)
    (data / "app").rmdir()
    fstab = root / "etc/fstab"
    fstab.write_text(fstab.read_text().replace(BIND_MOUNTS_BEFORE[0] + "\n", ""))
    assert datapart.check(config.layers, root, data) == [
        "the data partition has no folder app",
        "data partition system/ssh: mode 0755 owner 0:0, declared 0700 root:root",
        f"/etc/fstab lacks {BIND_MOUNTS_BEFORE[0]!r}",
    ]
