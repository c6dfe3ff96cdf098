"""Applying `SystemSettings` to the running system: hostname, time zone, Wi-Fi, SSH.

Run at every boot by `vestsight-system.service` (root, before the app). The root is a RAM overlay,
so every step is made again at each boot; each step is on its own, so one that fails (a read-only
root in maintenance mode) does not stop the others. Problems are also said aloud (`speak`).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config_loader import ConfigProblem
from ..phrases import Phrases
from .system import BootConfig, SystemSettings

_LOGGER = logging.getLogger(__name__)

RUN_DIR = Path("/run/vestsight-system")
"""Written at boot: the app's config (`vestsight.toml`) and the SSH keys allowed."""
DATA_SYSTEM_DIR = Path("/var/lib/vestsight/system")
"""On the data partition: what the system keeps across boots (SSH host keys, bonds, journal)."""
SSH_USER = "maker"
NM_CONNECTION = Path("/run/NetworkManager/system-connections/vestsight-wifi.nmconnection")

Runner = Callable[[Sequence[str]], int]


def run_command(command: Sequence[str]) -> int:
    """Run a system command with a bounded wait; a missing program or a failure is logged."""
    try:
        done = subprocess.run(command, check=False, timeout=60, capture_output=True, text=True)
    except (OSError, subprocess.TimeoutExpired) as err:
        _LOGGER.warning("%s: %s", " ".join(command), err)
        return 127
    if done.returncode != 0:
        _LOGGER.warning(
            "%s failed (%d): %s", " ".join(command), done.returncode, done.stderr.strip()
        )
    return done.returncode


@dataclass
class Applier:
    """Applies `SystemSettings` under `root` (the live system is "/"), through `run`."""

    root: Path = Path("/")
    run: Runner = run_command
    done: list[str] = field(default_factory=list)

    def path(self, absolute: Path) -> Path:
        return self.root / absolute.relative_to("/")

    def write(self, absolute: Path, text: str, mode: int = 0o644) -> None:
        target = self.path(absolute)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".new")
        # surrogateescape: bytes of the maker's file that are not UTF-8 reach the app as they
        # are, so that it can name their line.
        temporary.write_text(text, encoding="utf-8", errors="surrogateescape")
        temporary.chmod(mode)
        temporary.replace(target)
        self.done.append(f"wrote {absolute}")

    def command(self, *argv: str) -> int:
        self.done.append("ran " + " ".join(argv))
        return self.run(argv)

    def apply(self, config: BootConfig) -> list[str]:
        """Every step, each on its own: one that fails (a read-only root in maintenance mode)
        is logged and returned, and the others still happen. The app's file comes first."""
        system = config.system
        steps: list[tuple[str, Callable[[], None]]] = [
            ("app config", lambda: self.write(RUN_DIR / "vestsight.toml", config.app_text)),
            ("hostname", lambda: self.hostname(system.hostname)),
            ("time zone", lambda: self.timezone(system.timezone)),
            ("Wi-Fi", lambda: self.wifi(system)),
            ("SSH", lambda: self.ssh(system)),
        ]
        failed = []
        for name, action in steps:
            try:
                action()
            except OSError as err:
                _LOGGER.error("%s not applied: %s", name, err)
                failed.append(name)
        return failed

    def hostname(self, name: str) -> None:
        # The root is a RAM overlay: these writes last until power-off, and are made again.
        self.write(Path("/etc/hostname"), name + "\n")
        self.write(
            Path("/etc/hosts"),
            f"127.0.0.1\tlocalhost\n127.0.1.1\t{name}\n"
            "::1\t\tlocalhost ip6-localhost ip6-loopback\n",
        )
        self.command("hostname", name)

    def timezone(self, zone: str) -> None:
        link = self.path(Path("/etc/localtime"))
        link.unlink(missing_ok=True)
        link.symlink_to(f"/usr/share/zoneinfo/{zone}")
        self.write(Path("/etc/timezone"), zone + "\n")

    def wifi(self, system: SystemSettings) -> None:
        if not system.wifi:
            self.path(NM_CONNECTION).unlink(missing_ok=True)
            self.command("rfkill", "block", "wlan")
            return
        security = (
            f"[wifi-security]\nkey-mgmt=wpa-psk\npsk={system.wifi_password}\n"
            if system.wifi_password
            else ""
        )
        self.write(
            NM_CONNECTION,
            "[connection]\nid=vestsight-wifi\ntype=wifi\nautoconnect=true\n\n"
            f"[wifi]\nmode=infrastructure\nssid={system.wifi_ssid}\n\n{security}\n"
            "[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=auto\n",
            mode=0o600,
        )
        self.command("iw", "reg", "set", system.wifi_country)
        self.command("rfkill", "unblock", "wlan")
        self.command("systemctl", "--no-block", "start", "NetworkManager.service")

    def ssh(self, system: SystemSettings) -> None:
        keys_file = RUN_DIR / "ssh" / f"{SSH_USER}.keys"
        if not system.ssh:
            self.path(keys_file).unlink(missing_ok=True)
            return
        self.write(keys_file, "".join(key + "\n" for key in system.keys))
        host_key = DATA_SYSTEM_DIR / "ssh" / "ssh_host_ed25519_key"
        if not self.path(host_key).exists():
            # Made on this vest, once, and kept on the data partition: the image has none.
            self.path(host_key.parent).mkdir(mode=0o700, parents=True, exist_ok=True)
            self.command(
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                "vestsight",
                "-f",
                str(self.path(host_key)),
            )
        if not system.wifi:
            # SSH over Ethernet needs an address: the network manager runs only with SSH or Wi-Fi.
            self.command("systemctl", "--no-block", "start", "NetworkManager.service")
        self.command("systemctl", "--no-block", "start", "ssh.service")


def speak(
    problems: Sequence[ConfigProblem], language: str = "en", *, run: Runner = run_command
) -> None:
    """Say each problem once, in the wearer's `language` and its voice (best effort: the vest
    may have no sound card yet)."""
    if problems and shutil.which("espeak-ng"):
        phrases = Phrases(language)
        said = " ".join(phrases.spoken(problem) + "." for problem in problems)
        run(["espeak-ng", "-v", phrases.voice, said])
