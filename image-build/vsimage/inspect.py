"""Reading a built image back: its partition table and files, checked against what we promise.

`verify` is run at the end of every `make image` and by tests/image on the image CI builds.
Each check returns the problems it found (empty = fine), so a report names all of them.
"""

from __future__ import annotations

import configparser
import contextlib
import hashlib
import json
import tempfile
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import datapart
from .base import loop_partitions, sha256_file
from .config import REPO, ImageConfig
from .util import output, run

OK_PASSWORD_FIELDS = ("*", "!", "!*")
VEST_GROUPS = {"gpio", "video", "bluetooth", "audio", "input"}


@dataclass
class MountedImage:
    image: Path
    table: dict[str, object]
    boot: Path
    root: Path
    data: Path


@contextlib.contextmanager
def mounted(image: Path) -> Iterator[MountedImage]:
    """The image's partitions, read-only: root and data mounted (loop devices, needs root),
    the FAT boot partition copied out with mtools (some kernels, containers' among them,
    cannot mount FAT)."""
    table = json.loads(output(["sfdisk", "--json", image]))["partitiontable"]
    with loop_partitions(image) as parts, tempfile.TemporaryDirectory(prefix="vsimage-") as tmp:
        boot, root, data = (Path(tmp) / name for name in ("boot", "root", "data"))
        boot.mkdir()
        offset = int(table["partitions"][0]["start"]) * 512
        run(["mcopy", "-s", "-p", "-m", "-i", f"{image}@@{offset}", "::*", boot],
            env={"MTOOLS_SKIP_CHECK": "1"})  # fmt: skip
        done: list[Path] = []
        try:
            for part, point in ((parts[1], root), (parts[2], data)):
                point.mkdir()
                run(["mount", "-o", "ro", part, point])
                done.append(point)
            yield MountedImage(image, table, boot, root, data)
        finally:
            for point in reversed(done):
                run(["umount", point], check=False)


def filesystem_types(image: Path, table: dict[str, object]) -> list[str]:
    """What blkid finds in each partition (vfat, ext4, ...)."""
    parts = table["partitions"]
    assert isinstance(parts, list)
    return [
        output(["blkid", "-p", "-o", "value", "-s", "TYPE", "--offset",
                str(int(part["start"]) * 512), image]).strip()
        for part in parts
    ]  # fmt: skip


# --- checks ----------------------------------------------------------------------------------


def check_partitions(m: MountedImage, config: ImageConfig) -> list[str]:
    problems = []
    table = m.table
    parts = table.get("partitions", [])
    assert isinstance(parts, list)
    if table.get("label") != "dos":
        problems.append(f"partition table is {table.get('label')}, not dos (MBR)")
    if int(str(table.get("id")), 16) != config.disk_signature:
        problems.append(f"disk signature {table.get('id')} is not 0x{config.disk_signature:08x}")
    types = [part.get("type") for part in parts]
    if types != ["c", "83", "83"]:
        problems.append(f"partition types {types}, expected FAT32 + ext4 root + ext4 data")
    elif not parts[0].get("bootable"):
        problems.append("the boot partition is not marked bootable")
    kinds = filesystem_types(m.image, m.table)
    if kinds != ["vfat", "ext4", "ext4"]:
        problems.append(f"filesystems {kinds}, expected vfat, ext4, ext4")
    for part in parts:
        if int(part["start"]) % 8192:
            problems.append(f"{part['node']} does not start on a 4 MiB boundary")
    return problems


def check_boot(m: MountedImage, config: ImageConfig) -> list[str]:
    problems = []
    cmdline = (m.boot / "cmdline.txt").read_text().split()
    for item in (f"root=PARTUUID={config.partuuid(2)}", "ro",
                 "init=/usr/lib/vestsight/overlay-init"):  # fmt: skip
        if item not in cmdline:
            problems.append(f"cmdline.txt lacks {item}")
    config_txt = (m.boot / "config.txt").read_text().splitlines()
    if "camera_auto_detect=1" not in config_txt:
        problems.append("config.txt does not enable the camera (camera_auto_detect=1)")
    for leftover in ("userconf.txt", "ssh", "wpa_supplicant.conf"):
        if (m.boot / leftover).exists():
            problems.append(f"boot partition has {leftover}")
    problems += check_card_config((m.boot / "vestsight.toml").read_text())
    return problems


def check_card_config(text: str) -> list[str]:
    """The card's vestsight.toml: every key documented, loads without a problem, network off."""
    import sys

    sys.path.insert(0, str(REPO / "device"))
    import dataclasses

    from vestsight.bootconfig import SystemSettings, read_boot_config
    from vestsight.config_loader import load_settings
    from vestsight.settings import Settings

    problems = []
    raw = tomllib.loads(text)
    defaults = Settings()
    for section in dataclasses.fields(defaults):
        for fld in dataclasses.fields(getattr(defaults, section.name)):
            if fld.name not in raw.get(section.name, {}):
                problems.append(f"vestsight.toml lacks {section.name}.{fld.name}")
    for fld in dataclasses.fields(SystemSettings):
        if fld.name not in raw.get("system", {}):
            problems.append(f"vestsight.toml lacks system.{fld.name}")
    boot = read_boot_config(text)
    problems += [problem.spoken for problem in boot.problems]
    if boot.system.ssh or boot.system.wifi:
        problems.append("SSH or Wi-Fi is on in the card's vestsight.toml")
    with tempfile.NamedTemporaryFile("w", suffix=".toml") as app_file:
        app_file.write(boot.app_text)
        app_file.flush()
        loaded = load_settings(Path(app_file.name))
    problems += [f"app config: {problem.spoken}" for problem in loaded.problems]
    return problems


def passwd(root: Path) -> dict[str, list[str]]:
    return {
        line.split(":")[0]: line.split(":")
        for line in (root / "etc/passwd").read_text().splitlines()
        if line
    }


def groups_of(root: Path, user: str) -> set[str]:
    found = set()
    for line in (root / "etc/group").read_text().splitlines():
        name, _, _, members = line.split(":")
        if user in members.split(","):
            found.add(name)
    return found


def check_accounts(m: MountedImage) -> list[str]:
    problems = []
    users = passwd(m.root)
    vest = users.get("vestsight")
    if vest is None:
        return ["no vestsight user"]
    if int(vest[2]) >= 1000 or not vest[6].endswith("nologin"):
        problems.append(f"vestsight is not an unprivileged system user: {':'.join(vest)}")
    missing = VEST_GROUPS - groups_of(m.root, "vestsight")
    if missing:
        problems.append(f"vestsight is not in the groups {sorted(missing)}")
    if "pi" in users:
        problems.append("the pi user exists")
    for line in (m.root / "etc/shadow").read_text().splitlines():
        fields = line.split(":")
        if len(fields) > 1 and fields[1] not in OK_PASSWORD_FIELDS:
            problems.append(f"account {fields[0]} has a password")
    return problems


def check_secrets(m: MountedImage) -> list[str]:
    problems = [
        f"host key {path.name} in the image" for path in (m.root / "etc/ssh").glob("ssh_host_*")
    ]
    if (m.root / "etc/machine-id").read_text().strip():
        problems.append("/etc/machine-id is not empty")
    for pattern in ("root/.bash_history", "home/*/.bash_history", "var/lib/apt/lists/*_Packages",
                    "var/lib/systemd/random-seed", "home/*/.ssh/authorized_keys",
                    "root/.ssh/authorized_keys"):  # fmt: skip
        problems += [f"{path.relative_to(m.root)} in the image" for path in m.root.glob(pattern)]
    return problems


def unit(root: Path, name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(root / "etc/systemd/system" / name)
    return parser


def wanted(root: Path, target: str) -> set[str]:
    folder = root / "etc/systemd/system" / f"{target}.wants"
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()


def masked(root: Path, name: str) -> bool:
    path = root / "etc/systemd/system" / name
    return path.is_symlink() and str(path.readlink()) == "/dev/null"


def check_units(m: MountedImage) -> list[str]:
    problems = []
    service = unit(m.root, "vestsight.service")["Service"]
    expect = {"Type": "notify", "Restart": "always", "User": "vestsight"}
    for key, value in expect.items():
        if service.get(key) != value:
            problems.append(f"vestsight.service {key}={service.get(key)}, expected {value}")
    if not service.get("WatchdogSec"):
        problems.append("vestsight.service has no WatchdogSec")
    if not set(service.get("SupplementaryGroups", "").split()) >= VEST_GROUPS:
        problems.append("vestsight.service lacks supplementary groups")
    enabled = wanted(m.root, "multi-user.target")
    for name in ("vestsight.service", "vestsight-system.service"):
        if name not in enabled:
            problems.append(f"{name} is not enabled")
    for name in ("ssh.service", "NetworkManager.service", "avahi-daemon.service"):
        if name in enabled:
            problems.append(f"{name} is enabled")
    sockets = wanted(m.root, "sockets.target")
    if "ssh.socket" in sockets or "avahi-daemon.socket" in sockets:
        problems.append(f"a network socket is enabled: {sorted(sockets)}")
    for name in ("sshswitch.service", "regenerate_ssh_host_keys.service", "userconfig.service"):
        if not masked(m.root, name):
            problems.append(f"{name} is not masked")
    return problems


def check_files(m: MountedImage, config: ImageConfig) -> list[str]:
    problems = []
    for layer in config.layers:
        for source in layer.files.rglob("*"):
            if source.is_file():
                target = m.root / source.relative_to(layer.files)
                if not target.is_file() or target.read_bytes() != source.read_bytes():
                    problems.append(f"{target.relative_to(m.root)} differs from layer {layer.name}")
                elif target.stat().st_mode & 0o777 != (
                    0o755 if source.stat().st_mode & 0o111 else 0o644
                ):
                    problems.append(
                        f"{target.relative_to(m.root)} has mode {oct(target.stat().st_mode)}"
                    )
    fstab = (m.root / "etc/fstab").read_text()
    if f"PARTUUID={config.partuuid(3)}  /var/lib/vestsight" not in fstab:
        problems.append("fstab does not mount the data partition at /var/lib/vestsight")
    app_dir = m.data / "app"
    vest_uid = int(passwd(m.root)["vestsight"][2])
    if not app_dir.is_dir() or app_dir.stat().st_uid != vest_uid:
        problems.append("the data partition's app/ is not the vestsight user's")
    if (m.data / "system").stat().st_mode & 0o077:
        problems.append("the data partition's system/ is readable by others")
    python = m.root / "usr/bin/python3.11"
    if not python.exists():
        problems.append("no Python 3.11")
    elif python.resolve().read_bytes()[18:20] != (183).to_bytes(2, "little"):
        problems.append("python3.11 is not an arm64 program")
    espeak = list(m.root.glob("usr/lib/*/espeak-ng-data"))
    for voice in ("en_dict", "ru_dict"):
        if not espeak or not (espeak[0] / voice).exists():
            problems.append(f"espeak-ng lacks {voice}")
    return problems


def check_permissions(m: MountedImage) -> list[str]:
    """The app cannot change its own code or models; secrets files are private."""
    import os
    import stat

    problems = []
    for folder, dirs, files in os.walk(m.root / "opt/vestsight"):
        for name in dirs + files:
            info = os.lstat(os.path.join(folder, name))
            if info.st_uid != 0 or (not stat.S_ISLNK(info.st_mode) and info.st_mode & 0o022):
                problems.append(f"{os.path.join(folder, name)} is writable by others than root")
                break
    expected = {
        "etc/shadow": 0o640,
        "etc/sudoers.d/maker": 0o440,
        "usr/lib/vestsight/overlay-init": 0o755,
        "usr/lib/vestsight/grow-data": 0o755,
    }
    for relative, mode in expected.items():
        info = (m.root / relative).stat()
        if info.st_uid != 0 or info.st_mode & 0o7777 != mode:
            problems.append(f"/{relative} has mode {oct(info.st_mode & 0o7777)} uid {info.st_uid}")
    return problems


def check_venv(m: MountedImage, left_out: list[str]) -> list[str]:
    from .app import SITE, installed_packages, requirements

    problems = []
    have = {item.lower().replace("_", "-") for item in installed_packages(m.root)}
    for item in requirements():
        norm = item.lower().replace("_", "-")
        if norm not in have and item not in left_out:
            problems.append(f"venv lacks {item}")
    pth = m.root / SITE.lstrip("/") / "vestsight-src.pth"
    if not pth.exists():
        problems.append("the venv does not see the app (vestsight-src.pth)")
    return problems


def check_models(m: MountedImage, models: list[dict[str, str]]) -> list[str]:
    problems = []
    for model in models:
        path = m.root / "opt/vestsight/models" / model["file"]
        if not path.is_file() or sha256_file(path) != model["sha256"]:
            problems.append(f"model {model['file']} missing or not its pinned sha256")
    return problems


def check_bmap(image: Path, bmap: Path) -> list[str]:
    """The bmap describes this image: size, and each mapped range's sha256."""
    tree = ET.parse(bmap).getroot()
    problems = []
    if int(tree.findtext("ImageSize", "0")) != image.stat().st_size:
        problems.append("bmap ImageSize is not the image's size")
    for start, end, digest in bmap_ranges(bmap):
        if range_sha256(image, start, end) != digest:
            problems.append(f"bmap range {start}-{end} does not match the image")
    return problems


def bmap_ranges(bmap: Path) -> list[tuple[int, int, str]]:
    """(first byte, end byte, sha256) of each mapped range."""
    tree = ET.parse(bmap).getroot()
    block = int(tree.findtext("BlockSize", "4096"))
    ranges = []
    for item in tree.iter("Range"):
        first, _, last = (item.text or "").strip().partition("-")
        end_block = int(last or first)
        ranges.append((int(first) * block, (end_block + 1) * block, item.get("chksum", "")))
    return ranges


def range_sha256(path: Path, start: int, end: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        file.seek(start)
        left = end - start
        while left > 0:
            block = file.read(min(left, 1 << 20))
            if not block:
                break
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


Check = Callable[[MountedImage], list[str]]


def verify(
    image: Path, bmap: Path, xz: Path, sha: Path, config: ImageConfig, info: dict[str, object]
) -> list[str]:
    problems = check_bmap(image, bmap)
    line = sha.read_text().split()
    if line != [sha256_file(xz), xz.name]:
        problems.append(f"{sha.name} does not match {xz.name}")
    with mounted(image) as m:
        problems += check_partitions(m, config)
        problems += check_boot(m, config)
        problems += check_accounts(m)
        problems += check_secrets(m)
        problems += check_units(m)
        problems += check_files(m, config)
        problems += datapart.check(config.layers, m.root, m.data)
        problems += check_permissions(m)
        problems += check_venv(m, list(info.get("venv_left_out", [])))  # type: ignore[call-overload]
        problems += check_models(m, list(info.get("models", [])))  # type: ignore[call-overload]
    return problems
