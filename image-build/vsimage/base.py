"""The base root filesystem: the pinned Raspberry Pi OS Lite image, or Debian by mmdebstrap."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from .config import ImageConfig
from .util import LOG, BuildError, chroot, in_chroot, output, remove_tree, run, step

DPKG_EXCLUDES = [
    # Documentation and translations are never read on the vest (copyright files are kept).
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/locale/*",
]


def build_base(config: ImageConfig, work: Path, cache: Path) -> tuple[Path, Path]:
    """(root tree, boot tree) for the profile's base, with every layer's packages installed."""
    root, boot = work / "root", work / "boot"
    for path in (root, boot):
        remove_tree(path)
    boot.mkdir(parents=True)
    if config.profile.base == "debian":
        debian_base(config, root)
    elif config.profile.base == "rpios":
        rpios_base(config, root, boot, cache)
    else:
        raise BuildError(f"unknown base {config.profile.base}")
    return root, boot


def debian_base(config: ImageConfig, root: Path) -> None:
    base = config.base
    options = [f"--dpkgopt={item}" for item in DPKG_EXCLUDES]
    for layer in config.layers:
        if (layer.path / "before").is_dir():
            # Files needed before the packages are installed (e.g. initramfs settings).
            options.append(f"--essential-hook=sync-in {layer.path / 'before'} /")
    hooks = Path("/usr/share/mmdebstrap/hooks/eatmydata")
    if hooks.is_dir():
        options.append(f"--hook-dir={hooks}")
    with step(f"mmdebstrap {base['suite']} arm64 ({len(config.packages())} packages)"):
        run(
            [
                "mmdebstrap",
                "--arch=arm64",
                f"--variant={base.get('variant', 'apt')}",
                "--mode=root",
                "--format=directory",
                '--aptopt=APT::Install-Recommends "false"',
                *options,
                # man-db's triggers take minutes under emulation and serve nothing here.
                "--essential-hook=echo 'man-db man-db/auto-update boolean false' "
                '| chroot "$1" debconf-set-selections',
                f"--include={','.join(config.packages())}",
                base["suite"],
                root,
                base["mirror"],
            ],
            timeout=3600,
        )


def fetch_pinned(url: str, sha256: str, cache: Path) -> Path:
    """The file at `url` in `cache`, downloaded if needed; refused unless its sha256 matches."""
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / url.rsplit("/", 1)[-1]
    if not target.exists():
        partial = target.with_name(target.name + ".part")
        LOG.info("downloading %s", url)
        with urllib.request.urlopen(url, timeout=120) as response, partial.open("wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
        partial.rename(target)
    digest = sha256_file(target)
    if digest != sha256:
        target.unlink()
        raise BuildError(f"{target.name}: sha256 {digest} is not the pinned {sha256}; deleted")
    return target


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def loop_partitions(image: Path, read_only: bool = True) -> Iterator[list[Path]]:
    """One loop device per partition of `image` (by offset and size, so it works where the
    loop driver makes no partition devices, as in containers); yields their paths."""
    import json

    table = json.loads(output(["sfdisk", "--json", image]))["partitiontable"]
    sector = int(table.get("sectorsize", 512))
    devices: list[Path] = []
    try:
        for part in table["partitions"]:
            args = ["losetup", "--find", "--show", "--offset", str(int(part["start"]) * sector),
                    "--sizelimit", str(int(part["size"]) * sector)]  # fmt: skip
            if read_only:
                args.append("--read-only")
            devices.append(Path(output([*args, image]).strip()))
        yield devices
    finally:
        for device in devices:
            run(["losetup", "--detach", device], check=False)


def rpios_base(config: ImageConfig, root: Path, boot: Path, cache: Path) -> None:
    with step("Raspberry Pi OS Lite: download and check the pinned image"):
        packed = fetch_pinned(config.base["url"], config.base["sha256"], cache)
        raw = cache / packed.name.removesuffix(".xz")
        if not raw.exists():
            run(["sh", "-c", f"xz -dc '{packed}' > '{raw}.part' && mv '{raw}.part' '{raw}'"])
    with (
        step("Raspberry Pi OS Lite: copy its boot and root filesystems"),
        loop_partitions(raw) as parts,
    ):
        import json

        table = json.loads(output(["sfdisk", "--json", raw]))["partitiontable"]
        offset = int(table["partitions"][0]["start"]) * 512
        run(["mcopy", "-s", "-p", "-m", "-i", f"{raw}@@{offset}", "::*", boot],
            env={"MTOOLS_SKIP_CHECK": "1"})  # fmt: skip
        root.mkdir(parents=True)
        mnt = root.with_name("root.mnt")
        mnt.mkdir(exist_ok=True)
        run(["mount", "-o", "ro", parts[1], mnt])
        try:
            run(["cp", "-a", f"{mnt}/.", root])
        finally:
            run(["umount", mnt])
            mnt.rmdir()
    packages = config.packages()
    with (
        step(f"Raspberry Pi OS: install {len(packages)} packages"),
        chroot(root, {boot: "/boot/firmware"}),
    ):
        in_chroot(root, ["apt-get", "update"])
        in_chroot(root, ["apt-get", "install", "-y", "--no-install-recommends", *packages])
        in_chroot(root, ["apt-get", "clean"])
