"""The vest's system settings from the boot partition: `[system]` of `vestsight.toml`.

The maker edits one file on the card's FAT partition, `/boot/firmware/vestsight.toml`. Its
`[system]` table (hostname, time zone, SSH, Wi-Fi) is applied at every boot by
`vestsight-system.service` (root, before the app) with ``python -m vestsight.bootconfig apply``:
everything network is off unless the file turns it on. The rest of the file, without
`[system]`, is written to `/run/vestsight-system/vestsight.toml` for the app, which reports its
own keys. Like the app, this never fails on a bad value: the default is used, and the problem
is logged and spoken (espeak-ng) before the app says "ready".

``python -m vestsight.bootconfig render`` writes the documented file the image puts on the card:
the app's settings (`vestsight --print-config`, with the vest's values where they differ from
the development defaults, each noting its default) followed by `[system]`.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config_doc import _toml_value, render_toml
from .config_loader import PI_CONFIG_PATH, ConfigProblem, _build
from .config_recovery import read_toml
from .settings import Settings, setting

_LOGGER = logging.getLogger(__name__)

RUN_DIR = Path("/run/vestsight-system")
"""Written at boot: the app's config (`vestsight.toml`) and the SSH keys allowed."""
DATA_SYSTEM_DIR = Path("/var/lib/vestsight/system")
"""On the data partition: what the system keeps across boots (SSH host keys, bonds, journal)."""
SSH_USER = "maker"
NM_CONNECTION = Path("/run/NetworkManager/system-connections/vestsight-wifi.nmconnection")

_HOSTNAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_KEY = re.compile(r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com) \S+")


@dataclass(frozen=True)
class SystemSettings:
    hostname: str = setting("vestsight", "Network name of the vest (letters, digits, hyphens).")
    timezone: str = setting(
        "Etc/UTC", "Time zone for spoken times, e.g. Europe/London (a name in /usr/share/zoneinfo)."
    )
    ssh: bool = setting(
        False,
        "Start the SSH server (key login only, user maker, over Ethernet or the Wi-Fi below). "
        "Off: nothing listens on the network.",
    )
    ssh_keys: str = setting(
        "",
        'Public keys allowed to log in as maker, one per line ("ssh-ed25519 AAAA... you@laptop"; '
        'several in a """multi-line""" string).',
    )
    wifi: bool = setting(False, "Join the Wi-Fi network below. Off: the Wi-Fi radio is blocked.")
    wifi_country: str = setting(
        "", "Two-letter country code for Wi-Fi channels, e.g. GB, DE, US (needed for Wi-Fi)."
    )
    wifi_ssid: str = setting("", "Wi-Fi network name.")
    wifi_password: str = setting("", "Wi-Fi password (WPA2/WPA3 personal).")

    @property
    def keys(self) -> list[str]:
        return [line.strip() for line in self.ssh_keys.splitlines() if line.strip()]


@dataclass(frozen=True)
class BootConfig:
    system: SystemSettings
    app_text: str
    """The file for the app: the maker's file without `[system]` (or the file as it is)."""
    problems: tuple[ConfigProblem, ...] = ()


# --- reading ---------------------------------------------------------------------------------


def read_boot_config(text: str | None, zoneinfo: Path = Path("/usr/share/zoneinfo")) -> BootConfig:
    """Split the maker's file into system settings and the app's file; never raises.

    `text` None means there is no file: defaults, and an empty app file.
    """
    if text is None:
        return BootConfig(SystemSettings(), "")
    broken = False
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # The app reads what it can of a broken file and names its lines; [system] is read the
        # same way (time zone, hostname), and the app gets the file as it is.
        raw, broken = read_toml(text.encode("utf-8", "surrogateescape"))[0], True
    problems: list[ConfigProblem] = []
    section = raw.get("system", {})
    if not isinstance(section, dict):
        problems.append(ConfigProblem("system", "config: system must be a section, using defaults"))
        section = {}
    system: SystemSettings = _build(SystemSettings, section, "system.", problems)
    system = _check_system(system, zoneinfo, problems)
    app_text = text if broken else strip_system_table(text, raw)
    return BootConfig(system, app_text, tuple(problems))


def _check_system(
    system: SystemSettings, zoneinfo: Path, problems: list[ConfigProblem]
) -> SystemSettings:
    """Rules a type check cannot express; a broken value falls back to its safe default."""
    changes: dict[str, Any] = {}
    if not _HOSTNAME.match(system.hostname):
        problems.append(
            ConfigProblem(
                "system.hostname",
                f"config: system.hostname {system.hostname!r} is not a valid name, using vestsight",
            )
        )
        changes["hostname"] = "vestsight"
    zone = system.timezone
    if ".." in zone or zone.startswith("/") or not (zoneinfo / zone).is_file():
        problems.append(
            ConfigProblem(
                "system.timezone",
                f"config: system.timezone {zone!r} is not a known time zone, using Etc/UTC",
            )
        )
        changes["timezone"] = "Etc/UTC"
    bad_keys = [key for key in system.keys if not _KEY.match(key)]
    if bad_keys:
        problems.append(
            ConfigProblem(
                "system.ssh_keys",
                f"config: system.ssh_keys has {len(bad_keys)} line(s) that are not public keys, "
                "ignored",
            )
        )
        changes["ssh_keys"] = "\n".join(key for key in system.keys if _KEY.match(key))
    keys_left = changes.get("ssh_keys", system.ssh_keys).strip()
    if system.ssh and not keys_left:
        problems.append(
            ConfigProblem(
                "system.ssh",
                "config: system.ssh is on but there is no key in ssh_keys, SSH stays off",
            )
        )
        changes["ssh"] = False
    if system.wifi:
        country = system.wifi_country
        if not re.fullmatch(r"[A-Z]{2}", country):
            problems.append(
                ConfigProblem(
                    "system.wifi_country",
                    f"config: system.wifi_country {country!r} is not a two-letter country code, "
                    "Wi-Fi stays off",
                )
            )
            changes["wifi"] = False
        elif not system.wifi_ssid:
            problems.append(
                ConfigProblem(
                    "system.wifi_ssid", "config: system.wifi_ssid is empty, Wi-Fi stays off"
                )
            )
            changes["wifi"] = False
        elif system.wifi_password and not 8 <= len(system.wifi_password) <= 63:
            problems.append(
                ConfigProblem(
                    "system.wifi_password",
                    "config: system.wifi_password must have 8 to 63 characters, Wi-Fi stays off",
                )
            )
            changes["wifi"] = False
    return dataclasses.replace(system, **changes) if changes else system


_TABLE_HEADER = re.compile(r"^\s*\[\s*\[?\s*([A-Za-z0-9_\-]+)")


def strip_system_table(text: str, parsed: dict[str, Any]) -> str:
    """`text` without its `[system]` table, checked by parsing; `text` itself if unsure.

    Whatever the app should see must survive: the result must parse to `parsed` minus "system".
    """
    if "system" not in parsed:
        return text
    kept: list[str] = []
    inside = False
    for line in text.splitlines(keepends=True):
        header = _TABLE_HEADER.match(line)
        if header and not line.lstrip().startswith("#"):
            inside = header.group(1) == "system"
        if not inside:
            kept.append(line)
    result = "".join(kept)
    expected = {key: value for key, value in parsed.items() if key != "system"}
    try:
        if tomllib.loads(result) == expected:
            return result
    except tomllib.TOMLDecodeError:
        pass
    return text  # e.g. `system = {...}` inline: the app will name it as an unknown key


# --- applying --------------------------------------------------------------------------------

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


def speak(problems: Sequence[ConfigProblem], *, run: Runner = run_command) -> None:
    """Say each problem once (best effort: the vest may have no sound card yet)."""
    if problems and shutil.which("espeak-ng"):
        run(["espeak-ng", "-v", "en", " ".join(problem.spoken + "." for problem in problems)])


# --- the documented file for the card ---------------------------------------------------------


def render_card_config(overrides: dict[str, Any], title: str = "") -> str:
    """The card's `vestsight.toml`: every app key and every `[system]` key, with help.

    `overrides` maps dotted app keys ("camera.backend") to the vest's values; each such key
    carries a comment naming the built-in default.
    """
    settings = Settings()
    sections: dict[str, dict[str, Any]] = {}
    for dotted, value in overrides.items():
        section, _, key = dotted.partition(".")
        sections.setdefault(section, {})[key] = value
    for section, values in sections.items():
        current = getattr(settings, section)  # AttributeError names a wrong override
        settings = dataclasses.replace(
            settings, **{section: dataclasses.replace(current, **values)}
        )
    default_lines = render_toml(Settings()).splitlines()
    out: list[str] = []
    section_name = ""
    for line in render_toml(settings, title=title).splitlines():
        if line.startswith("["):
            section_name = line.strip("[]")
        key = line.split(" = ", 1)[0] if " = " in line and not line.startswith("#") else ""
        if key and f"{section_name}.{key}" in overrides:
            default = _value_in(default_lines, section_name, key)
            out.append(f"# (The vest's value; the built-in default is {default}.)")
        out.append(line)
    out += [
        "",
        "[system]",
        "# Applied at every boot by vestsight-system.service, as root, before the app starts.",
        "# Everything network is off by default: nothing listens unless ssh or wifi is true.",
    ]
    defaults = SystemSettings()
    for fld in dataclasses.fields(SystemSettings):
        out.append(f"# {fld.metadata['help']}")
        out.append(f"{fld.name} = {_toml_value(getattr(defaults, fld.name))}")
    return "\n".join(out) + "\n"


def _value_in(lines: list[str], section: str, key: str) -> str:
    current = ""
    for line in lines:
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section and line.startswith(f"{key} = "):
            return line.split(" = ", 1)[1]
    return "unknown"


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vestsight.bootconfig", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    apply_cmd = commands.add_parser("apply", help="apply [system] and write the app's config")
    apply_cmd.add_argument("--config", type=Path, default=PI_CONFIG_PATH)
    apply_cmd.add_argument("--root", type=Path, default=Path("/"))
    apply_cmd.add_argument("--quiet", action="store_true", help="do not speak problems")
    render_cmd = commands.add_parser("render", help="print the card's documented vestsight.toml")
    render_cmd.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=TOML",
        help='a vest value, e.g. camera.backend="picamera2" (repeatable)',
    )
    render_cmd.add_argument("--title", default="")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "render":
        overrides = {}
        for item in args.set:
            key, _, value = item.partition("=")
            overrides[key.strip()] = tomllib.loads(f"v = {value}")["v"]
        sys.stdout.write(render_card_config(overrides, args.title))
        return 0
    try:
        # utf-8-sig: a byte-order mark (Windows Notepad) is not part of the TOML. A byte that
        # is not UTF-8 is kept (surrogateescape) for the app to name; the rest is read.
        text: str | None = args.config.read_bytes().decode("utf-8-sig", "surrogateescape")
    except FileNotFoundError:
        text = None
    except OSError as err:
        _LOGGER.error("Cannot read %s: %s", args.config, err)
        text = ""  # the app gets an empty file (defaults) and the system its safe defaults
    config = read_boot_config(text, zoneinfo=args.root / "usr/share/zoneinfo")
    applier = Applier(root=args.root)
    applier.apply(config)
    for problem in config.problems:
        _LOGGER.warning("%s", problem.spoken)
    for step in applier.done:
        _LOGGER.info("%s", step)
    if not args.quiet:
        speak(config.problems)
    os.sync()
    return 0


if __name__ == "__main__":
    sys.exit(main())
