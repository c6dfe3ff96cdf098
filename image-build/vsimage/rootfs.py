"""Layers applied to the base: files, groups, accounts, units, fstab, boot files; then scrubbed.
The data partition's folders and bind mounts are `datapart`'s.

Everything here runs from the host on the target's files (systemctl --root, useradd --root):
no emulation needed, so it is quick on any host.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from . import datapart
from .config import ImageConfig
from .datapart import DATA_MOUNT
from .util import LOG, BuildError, output, run

APP_USER = "vestsight"


def copy_layer_files(config: ImageConfig, root: Path) -> None:
    for layer in config.layers:
        if layer.files.is_dir():
            # Files belong to root; modes come from the repository (x for scripts).
            run(
                ["cp", "-r", "--no-preserve=ownership", "--preserve=mode", f"{layer.files}/.", root]
            )
            for source in layer.files.rglob("*"):
                target = root / source.relative_to(layer.files)
                os.chown(target, 0, 0, follow_symlinks=False)
                if not target.is_symlink():
                    # As git keeps them, whatever the checkout's umask: 755 or 644.
                    executable = source.is_dir() or source.stat().st_mode & 0o111
                    target.chmod(0o755 if executable else 0o644)
        for folder in layer.empty_dirs:
            # Git keeps no empty folder in files/: mount points and the like are made here.
            target = root / folder.lstrip("/")
            target.mkdir(parents=True, exist_ok=True)
            os.chown(target, 0, 0)
            target.chmod(0o755)


def existing_groups(root: Path) -> set[str]:
    return {line.split(":", 1)[0] for line in (root / "etc/group").read_text().splitlines() if line}


def existing_users(root: Path) -> set[str]:
    return {
        line.split(":", 1)[0] for line in (root / "etc/passwd").read_text().splitlines() if line
    }


def create_accounts(config: ImageConfig, root: Path) -> None:
    groups = existing_groups(root)
    for layer in config.layers:
        for group in layer.groups:
            if group not in groups:
                run(["groupadd", "--root", root, "--system", group])
                groups.add(group)
    extra = [group for layer in config.layers for group in layer.vestsight_groups]
    if "pi" in existing_users(root):
        # Raspberry Pi OS's first-boot user: the card has no account anyone can log in to.
        run(["userdel", "--root", root, "--remove", "pi"], check=False)
    for layer in config.layers:
        for account in layer.accounts:
            mine = extra if account.name == APP_USER else []
            wanted = list(dict.fromkeys([*account.groups, *mine]))
            for group in wanted:
                if group not in groups:
                    run(["groupadd", "--root", root, "--system", group])
                    groups.add(group)
            if account.name not in existing_users(root):
                run(
                    [
                        "useradd", "--root", root, "--system", "--user-group",
                        "--home-dir", account.home, "--no-create-home",
                        "--shell", account.shell, "--comment", account.comment, account.name,
                    ]
                )  # fmt: skip
            run(["usermod", "--root", root, "--groups", ",".join(wanted), account.name])
            if account.sudo_nopasswd:
                sudoers = root / "etc/sudoers.d" / account.name
                sudoers.parent.mkdir(parents=True, exist_ok=True)
                sudoers.write_text(
                    f"# {account.comment}: no password exists, only an SSH key can log in.\n"
                    f"{account.name} ALL=(ALL) NOPASSWD: ALL\n"
                )
                sudoers.chmod(0o440)
            home = root / account.home.lstrip("/")
            if account.home.startswith("/home/"):
                home.mkdir(parents=True, exist_ok=True)
                uid, gid = ids(root, account.name)
                shutil.chown(home, uid, gid)
                home.chmod(0o750)


def ids(root: Path, user: str) -> tuple[int, int]:
    for line in (root / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == user:
            return int(fields[2]), int(fields[3])
    raise BuildError(f"no user {user} in the image")


def unit_exists(root: Path, unit: str) -> bool:
    return any(
        (root / folder / unit).exists()
        for folder in ("etc/systemd/system", "usr/lib/systemd/system", "lib/systemd/system")
    )


def configure_units(config: ImageConfig, root: Path) -> None:
    for layer in config.layers:
        for unit in layer.mask:
            run(["systemctl", f"--root={root}", "mask", unit])
        for unit in layer.disable:
            if unit_exists(root, unit):
                run(["systemctl", f"--root={root}", "disable", unit])
        for unit in layer.enable:
            if not unit_exists(root, unit):
                raise BuildError(f"layer {layer.name}: unit {unit} to enable is not in the image")
            run(["systemctl", f"--root={root}", "enable", unit])


def write_system_files(config: ImageConfig, root: Path) -> None:
    (root / "etc/hostname").write_text(config.hostname + "\n")
    (root / "etc/hosts").write_text(
        f"127.0.0.1\tlocalhost\n127.0.1.1\t{config.hostname}\n"
        "::1\t\tlocalhost ip6-localhost ip6-loopback\n"
    )
    (root / "etc/default").mkdir(exist_ok=True)
    (root / "etc/default/locale").write_text(f"LANG={config.locale}\n")
    localtime = root / "etc/localtime"
    localtime.unlink(missing_ok=True)
    localtime.symlink_to(f"/usr/share/zoneinfo/{config.timezone}")
    (root / "etc/timezone").write_text(config.timezone + "\n")
    boot_uuid, data_uuid = config.partuuid(1), config.partuuid(3)
    (root / "etc/fstab").write_text(
        "# Vestsight. The root filesystem (partition 2) is mounted read-only by the kernel and\n"
        "# used under a RAM overlay (/usr/lib/vestsight/overlay-init): it has no line here.\n"
        "# The boot partition is read-only on the vest: the maker edits it on another computer.\n"
        f"PARTUUID={boot_uuid}  /boot/firmware  vfat  ro,noatime,umask=0022  0  0\n"
        "# The data partition, grown to the end of the card at the first boot, and the folders\n"
        "# the layers bind to it ([[bind_mounts]] in image-build/layers/*/layer.toml).\n"
        f"PARTUUID={data_uuid}  {DATA_MOUNT}  ext4  "
        "defaults,noatime,commit=5,x-systemd.growfs  0  2\n"
        + "".join(line + "\n" for line in datapart.fstab_lines(config.layers))
    )
    for mountpoint in (DATA_MOUNT, "/boot/firmware"):
        (root / mountpoint.lstrip("/")).mkdir(parents=True, exist_ok=True)
    datapart.write_root(config.layers, root)


def write_boot_files(config: ImageConfig, boot: Path) -> None:
    """config.txt (the base's, plus the layers' lines) and cmdline.txt (written whole)."""
    config_txt = boot / "config.txt"
    existing = config_txt.read_text() if config_txt.exists() else ""
    lines = [line for layer in config.layers for line in layer.boot_config]
    existing_lines = {line.strip() for line in existing.splitlines()}
    added = [line for line in lines if line not in existing_lines]
    config_txt.write_text(
        existing
        + ("\n" if existing and not existing.endswith("\n") else "")
        + "\n[all]\n# Vestsight (image-build layers)\n"
        + "".join(line + "\n" for line in added)
    )
    cmdline = [
        "console=serial0,115200",
        "console=tty1",
        f"root=PARTUUID={config.partuuid(2)}",
        "rootfstype=ext4",
        "rootwait",
        *[item for layer in config.layers for item in layer.cmdline],
    ]
    (boot / "cmdline.txt").write_text(" ".join(cmdline) + "\n")
    for leftover in ("userconf.txt", "userconf", "ssh", "ssh.txt", "wpa_supplicant.conf",
                     "firstrun.sh", "custom.toml"):  # fmt: skip
        (boot / leftover).unlink(missing_ok=True)


def scrub(root: Path) -> None:
    """Nothing secret or personal, nothing of the build host, on the card."""
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    (root / "etc/machine-id").write_text("")  # systemd makes one at each boot (ro root)
    dbus_id = root / "var/lib/dbus/machine-id"
    if dbus_id.exists() and not dbus_id.is_symlink():
        dbus_id.unlink()
    lock_passwords(root)
    for pattern in ("var/lib/apt/lists/*", "var/cache/apt/*.bin", "var/cache/apt/archives/*.deb",
                    "var/log/*.log", "var/log/apt/*", "root/.bash_history", "root/.cache",
                    "var/lib/systemd/random-seed", "tmp/*", "var/tmp/*", "etc/*-",
                    "etc/ssh/*.pub"):  # fmt: skip
        for path in root.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.name != "lock":
                path.unlink()
    resolv = root / "etc/resolv.conf"
    if not resolv.is_symlink():
        resolv.write_text("")
    LOG.info("scrubbed: host keys, machine-id, passwords, caches, logs")


def lock_passwords(root: Path) -> None:
    """Every account locked: a password field that no password matches."""
    shadow = root / "etc/shadow"
    lines = []
    for line in shadow.read_text().splitlines():
        fields = line.split(":")
        if len(fields) > 1 and fields[1] not in ("*", "!", "!*"):
            fields[1] = "!"  # no hash is kept, not even a locked one
        lines.append(":".join(fields))
    shadow.write_text("\n".join(lines) + "\n")
    shadow.chmod(0o640)


def package_list(root: Path) -> str:
    return output(
        [
            "dpkg-query",
            f"--admindir={root}/var/lib/dpkg",
            "-W",
            "-f",
            "${Package}\t${Version}\t${Architecture}\n",
        ]
    )
