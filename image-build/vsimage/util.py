"""Running commands, in the host or in the target's chroot, with logging and time taken."""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

LOG = logging.getLogger("vsimage")


class BuildError(RuntimeError):
    """A step failed; the message says which and why."""


def run(
    command: Sequence[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
    capture: bool = False,
    timeout: float | None = 3600,
    check: bool = True,
    clean_env: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run `command`; `env` adds to the environment, or is all of it with `clean_env`."""
    argv = [str(part) for part in command]
    LOG.debug("$ %s", shlex.join(argv))
    merged = dict(env or {}) if clean_env else ({**os.environ, **env} if env else None)
    try:
        done = subprocess.run(
            argv,
            env=merged,
            input=input_text,
            text=True,
            capture_output=capture,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as err:
        raise BuildError(
            f"{argv[0]} is not installed (make image-deps installs the tools)"
        ) from err
    except subprocess.TimeoutExpired as err:
        raise BuildError(f"{shlex.join(argv)} took longer than {timeout} s") from err
    if check and done.returncode != 0:
        detail = (done.stderr or "").strip()[-2000:] if capture else ""
        raise BuildError(f"{shlex.join(argv)} failed ({done.returncode}) {detail}".strip())
    return done


def output(command: Sequence[str | os.PathLike[str]], **kwargs: object) -> str:
    return run(command, capture=True, **kwargs).stdout  # type: ignore[arg-type]


@contextlib.contextmanager
def step(name: str) -> Iterator[None]:
    LOG.info("== %s", name)
    start = time.monotonic()
    yield
    LOG.info("   %s: %.0f s", name, time.monotonic() - start)


@contextlib.contextmanager
def chroot(root: Path, binds: Mapping[Path, str] | None = None) -> Iterator[None]:
    """Mount what programs in the target need (proc, sys, dev, a tmpfs /run) and unmount it.

    `binds` maps host folders to paths inside the target. Services are not started in the
    chroot (policy-rc.d). On a non-arm64 host the target's programs run through qemu-user.
    """
    mounted: list[Path] = []

    def mount(*args: str, target: Path) -> None:
        target.mkdir(parents=True, exist_ok=True)
        run(["mount", *args, target])
        mounted.append(target)

    policy = root / "usr/sbin/policy-rc.d"
    resolv = root / "etc/resolv.conf"
    resolv_backup = resolv.with_name("resolv.conf.vsimage")
    try:
        mount("-t", "proc", "proc", target=root / "proc")
        mount("-t", "sysfs", "sysfs", target=root / "sys")
        mount("--bind", "/dev", target=root / "dev")
        mount("--bind", "/dev/pts", target=root / "dev/pts")
        mount("-t", "tmpfs", "tmpfs", target=root / "run")
        for host, inside in (binds or {}).items():
            mount("--bind", str(host), target=root / inside.lstrip("/"))
        policy.write_text("#!/bin/sh\n# vsimage: no services start in the build chroot\nexit 101\n")
        policy.chmod(0o755)
        if resolv.exists() or resolv.is_symlink():
            resolv.rename(resolv_backup)
        resolv.write_text(Path("/etc/resolv.conf").read_text())
        yield
    finally:
        policy.unlink(missing_ok=True)
        if resolv_backup.exists() or resolv_backup.is_symlink():
            resolv.unlink(missing_ok=True)
            resolv_backup.rename(resolv)
        for target in reversed(mounted):
            run(["umount", "--lazy", target], check=False)


def in_chroot(
    root: Path, command: Sequence[str], env: Mapping[str, str] | None = None, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    # Nothing of the host's environment (PIP_*, PYTHON*) leaks into the target.
    base_env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "DEBIAN_FRONTEND": "noninteractive",
        "LC_ALL": "C.UTF-8",
        "HOME": "/root",
    }
    merged = {**base_env, **(env or {})}
    return run(["chroot", root, *command], env=merged, clean_env=True, **kwargs)  # type: ignore[arg-type]


def du_mib(path: Path) -> int:
    """Disk use of a tree in MiB (rounded up)."""
    return int(output(["du", "-s", "-x", "--block-size=1M", path]).split()[0])


def mounts_under(path: Path) -> list[str]:
    """Mount points at or below `path` (from /proc/self/mounts)."""
    prefix = str(path.resolve())
    found = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        point = line.split()[1].replace("\\040", " ")
        if point == prefix or point.startswith(prefix + "/"):
            found.append(point)
    return found


def remove_tree(path: Path) -> None:
    """rmtree, refused while anything is mounted below (a bound /dev must never be emptied)."""
    import shutil

    if not path.exists():
        return
    mounted = mounts_under(path)
    if mounted:
        raise BuildError(f"not removing {path}: still mounted there: {', '.join(mounted)}")
    shutil.rmtree(path)
