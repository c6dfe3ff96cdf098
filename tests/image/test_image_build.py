"""The real pipeline, run here: `vsimage build --profile ci` makes an image, and the image is
read back and checked (partition table, files, units, config, accounts, secrets, bmap, sha256).

The ci profile differs from the maker's `make image` only in its base (Debian bookworm arm64 by
mmdebstrap instead of the pinned Raspberry Pi OS Lite image), its venv (llama-cpp-python and
evdev are compiled from source on the maker's build only: too slow under emulation), and its
model (the small pinned Gemma 3 270M that `make setup` assembles). See image-build/README.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from vsimage import datapart, inspect
from vsimage.config import load_config
from vsimage.util import remove_tree

from tests.conftest import REPO
from tests.image.conftest import (
    BIND_MOUNTS_BEFORE,
    DATA_TREE_BEFORE,
    IMAGE_BUILD,
    ROOT_DIRS_BEFORE,
    need_image_host,
)

pytestmark = pytest.mark.image

BUILD_TIMEOUT_S = 45 * 60


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """Build the ci image once for this module; its .json names every file it wrote.

    VESTSIGHT_TEST_IMAGE=path/to/vestsight-...-ci.json tests an image the pipeline built
    before (for working on these tests); CI always builds.
    """
    need_image_host()
    prebuilt = os.environ.get("VESTSIGHT_TEST_IMAGE")
    if prebuilt and not os.environ.get("CI"):
        info_file = Path(prebuilt)
        yield {**json.loads(info_file.read_text()), "_folder": str(info_file.parent),
               "_log": "verify: is as promised (prebuilt)"}  # fmt: skip
        return
    folder = tmp_path_factory.mktemp("image")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "vsimage", "build", "--profile", "ci",
         "--out", str(folder / "out"), "--work", str(folder / "work")],
        env={**os.environ, "PYTHONPATH": str(IMAGE_BUILD)},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    (folder / "build.log").write_text(done.stderr)
    assert done.returncode == 0, done.stderr[-6000:]
    print(f"\nimage build (ci profile) took {seconds:.0f} s", file=sys.stderr)
    [info_path] = (folder / "out").glob("*.json")
    info: dict[str, object] = json.loads(info_path.read_text())
    info["_folder"] = str(folder / "out")
    info["_log"] = done.stderr
    try:
        yield info
    finally:
        # A few GB (root tree, wheels, image): not left for pytest's last-three-runs folders.
        remove_tree(folder)


def path_of(built: dict[str, object], suffix: str) -> Path:
    xz = Path(str(built["_folder"])) / str(built["xz"])
    return xz.with_name(xz.name.removesuffix(".img.xz") + suffix)


@pytest.fixture(scope="module")
def mounted(built: dict[str, object]) -> Iterator[inspect.MountedImage]:
    with inspect.mounted(path_of(built, ".img")) as image:
        yield image


def test_the_build_verified_its_own_image(built: dict[str, object]) -> None:
    assert "is as promised" in str(built["_log"])


def test_the_outputs_are_an_xz_image_a_bmap_and_a_checksum(built: dict[str, object]) -> None:
    xz = path_of(built, ".img.xz")
    assert xz.name.startswith("vestsight-") and xz.exists()
    # (The .xz decompresses: the flash test below writes a disk from it.)
    sha = path_of(built, ".img.xz.sha256")
    subprocess.run(
        ["sha256sum", "--check", "--status", sha.name], cwd=sha.parent, check=True, timeout=600
    )
    assert inspect.check_bmap(path_of(built, ".img"), path_of(built, ".bmap")) == []


def test_partition_table_is_fat_boot_ext4_root_ext4_data(mounted: inspect.MountedImage) -> None:
    assert inspect.check_partitions(mounted, load_config("ci")) == []
    assert inspect.filesystem_types(mounted.image, mounted.table) == ["vfat", "ext4", "ext4"]


def test_boot_partition_has_cmdline_config_and_the_documented_vestsight_toml(
    mounted: inspect.MountedImage,
) -> None:
    assert inspect.check_boot(mounted, load_config("ci")) == []
    text = (mounted.boot / "vestsight.toml").read_text()
    assert 'backend = "picamera2"' in text and "[system]" in text and "ssh = false" in text


def test_accounts_are_locked_and_the_app_user_is_unprivileged(
    mounted: inspect.MountedImage,
) -> None:
    assert inspect.check_accounts(mounted) == []
    shadow = (mounted.root / "etc/shadow").stat()
    assert shadow.st_mode & 0o004 == 0


def test_no_host_keys_no_machine_id_no_leftovers(mounted: inspect.MountedImage) -> None:
    assert inspect.check_secrets(mounted) == []
    # openssh-server made keys when it was installed: the scrub removed them.
    assert (mounted.root / "usr/sbin/sshd").exists()


def test_units_enabled_and_network_off(mounted: inspect.MountedImage) -> None:
    assert inspect.check_units(mounted) == []


def test_layer_files_fstab_data_partition_python_and_voices(mounted: inspect.MountedImage) -> None:
    assert inspect.check_files(mounted, load_config("ci")) == []


def test_the_data_partition_and_bind_mounts_are_as_before(mounted: inspect.MountedImage) -> None:
    # Declared by the layers now ([[data_dirs]], [[bind_mounts]]): the same as rootfs.py made.
    fstab = (mounted.root / "etc/fstab").read_text().splitlines()
    entries = [line for line in fstab if line and not line.startswith("#")]
    assert entries[2:] == BIND_MOUNTS_BEFORE
    for folder in ROOT_DIRS_BEFORE:
        assert (mounted.root / folder.lstrip("/")).is_dir(), folder
    made = sorted(
        (str(path.relative_to(mounted.data)), path.stat().st_mode & 0o7777, path.stat().st_uid,
         path.stat().st_gid)
        for path in mounted.data.rglob("*")
        if path.relative_to(mounted.data).parts[0] != "lost+found"
    )  # fmt: skip
    assert made == [
        (path, mode, datapart.account_id(mounted.root, "passwd", owner),
         datapart.account_id(mounted.root, "group", group))
        for path, mode, owner, group in DATA_TREE_BEFORE
    ]  # fmt: skip
    assert datapart.check(load_config("ci").layers, mounted.root, mounted.data) == []


def test_permissions(mounted: inspect.MountedImage) -> None:
    assert inspect.check_permissions(mounted) == []


def test_venv_has_the_pinned_packages(
    mounted: inspect.MountedImage, built: dict[str, object]
) -> None:
    left_out = list(built["venv_left_out"])  # type: ignore[call-overload]
    assert sorted(item.split("==")[0] for item in left_out) == ["evdev", "llama_cpp_python"]
    assert inspect.check_venv(mounted, left_out) == []


def test_models_are_the_pinned_files(
    mounted: inspect.MountedImage, built: dict[str, object]
) -> None:
    models = list(built["models"])  # type: ignore[call-overload]
    assert [model["name"] for model in models] == ["gemma-3-270m-q4_k_m"]
    assert inspect.check_models(mounted, models) == []


def run_in_image(
    mounted: inspect.MountedImage, scratch: Path, *argv: str
) -> subprocess.CompletedProcess[str]:
    """Run a program of the (read-only) image under its own arm64 Python, /tmp writable."""
    subprocess.run(
        ["mount", "--bind", str(scratch), str(mounted.root / "tmp")], check=True, timeout=30
    )
    try:
        return subprocess.run(
            ["/usr/sbin/chroot", str(mounted.root), *argv],
            capture_output=True, text=True, timeout=600, check=False,
            env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": "/tmp"},
        )  # fmt: skip
    finally:
        subprocess.run(["umount", str(mounted.root / "tmp")], check=True, timeout=30)


def test_the_image_runs_the_app_code_and_its_binary_packages(
    mounted: inspect.MountedImage, tmp_path: Path
) -> None:
    done = run_in_image(
        mounted, tmp_path, "/opt/vestsight/venv/bin/python", "-c",
        "import numpy, cv2, mediapipe, skimage, vestsight.app, vestsight.llm.manifest as m;"
        "print(numpy.__version__, m.default_manifest().is_file())",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["1.26.4", "True"]  # and the worker finds the model manifest


def test_bad_system_values_are_reported_not_fatal_in_the_image(
    mounted: inspect.MountedImage, tmp_path: Path
) -> None:
    (tmp_path / "vestsight.toml").write_text(
        '[speech]\nrate = 9000\n[system]\nhostname = "bad name"\nssh = true\n'
    )
    (tmp_path / "root").mkdir()
    done = run_in_image(
        mounted, tmp_path, "/opt/vestsight/venv/bin/python", "-m", "vestsight.bootconfig",
        "apply", "--quiet", "--config", "/tmp/vestsight.toml", "--root", "/tmp/root",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "system.hostname" in done.stderr and "system.ssh is on but" in done.stderr
    app_config = (tmp_path / "root/run/vestsight-system/vestsight.toml").read_text()
    assert app_config == "[speech]\nrate = 9000\n"  # the app names speech.rate itself


def test_flash_writes_a_loop_disk_and_reads_it_back(
    built: dict[str, object], tmp_path: Path
) -> None:
    from vsimage import flash

    xz = path_of(built, ".img.xz")
    size = path_of(built, ".img").stat().st_size
    backing = tmp_path / "card.img"
    with backing.open("wb") as file:
        file.truncate(size + (16 << 20))
    loop = subprocess.run(["losetup", "--find", "--show", str(backing)], capture_output=True,
                          text=True, check=True, timeout=30).stdout.strip()  # fmt: skip
    try:
        # A loop disk is not removable: written only when forced. flash_image reads every
        # mapped range back from the disk and compares it with the bmap's sha256.
        assert flash.flash_image(loop, xz, xz.parent, force=True, assume_yes=True) == 0
        # A damaged card is caught by the read-back.
        start, end, _ = inspect.bmap_ranges(path_of(built, ".bmap"))[-1]
        with open(loop, "r+b") as disk:
            disk.seek(end - 1)
            last = disk.read(1)
            disk.seek(end - 1)
            disk.write(bytes([last[0] ^ 0xFF]))
        problems = flash.verify_device(Path(loop), path_of(built, ".bmap"))
        assert problems == [f"bytes {start}-{end} on {loop} differ from the image"]
        # An update keeps the data partition and the maker's vestsight.toml.
        keep_data_update(loop, xz, tmp_path)
    finally:
        subprocess.run(["losetup", "--detach", loop], check=True, timeout=30)


def keep_data_update(loop: str, xz: Path, tmp_path: Path) -> None:
    from vsimage import flash
    from vsimage.base import loop_partitions

    mtools = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
    [boot, _, data] = flash.partitions(Path(loop))
    edited = tmp_path / "vestsight.toml"
    edited.write_text('[speech]\nrate = 200\n[system]\nhostname = "my-vest"\n')
    fat = f"{loop}@@{boot['start'] * 512}"
    subprocess.run(["mcopy", "-o", "-i", fat, str(edited), "::vestsight.toml"], env=mtools,
                   check=True, timeout=60)  # fmt: skip
    point = tmp_path / "data"
    point.mkdir()
    with loop_partitions(Path(loop), read_only=False) as parts:
        subprocess.run(["mount", str(parts[2]), str(point)], check=True, timeout=30)
        (point / "app/memory.sqlite3").write_text("what the vest remembered")
        subprocess.run(["umount", str(point)], check=True, timeout=30)

    assert flash.flash_image(loop, xz, xz.parent, force=True, assume_yes=True, keep_data=True) == 0

    assert flash.partitions(Path(loop))[2] == data
    kept, fresh = (
        subprocess.run(["mtype", "-i", fat, name], env=mtools, capture_output=True, text=True,
                       check=True, timeout=60).stdout
        for name in ("::vestsight.toml", "::vestsight.toml.new")
    )  # fmt: skip
    assert 'hostname = "my-vest"' in kept
    assert "[system]" in fresh and 'backend = "picamera2"' in fresh
    with loop_partitions(Path(loop)) as parts:
        subprocess.run(["mount", "-o", "ro", str(parts[2]), str(point)], check=True, timeout=30)
        try:
            assert (point / "app/memory.sqlite3").read_text() == "what the vest remembered"
        finally:
            subprocess.run(["umount", str(point)], check=True, timeout=30)
