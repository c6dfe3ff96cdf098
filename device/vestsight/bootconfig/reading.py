"""Reading and checking `[system]`: the maker's file split into system settings and the app's file.

Never raises on a bad file: a value that breaks a rule falls back to its safe default (network
off) and becomes a `ConfigProblem`, which is logged and spoken. A file that is not valid TOML is
read as far as it can be for `[system]`, and goes to the app as it is (the app names its lines).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path
from typing import Any

from ..config_loader import ConfigProblem, build_section
from ..config_recovery import read_toml
from ..names import LANGUAGES
from ..phrases import FALLBACK_LANGUAGE
from .system import BootConfig, SystemSettings

_HOSTNAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_KEY = re.compile(r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com) \S+")
_TABLE_HEADER = re.compile(r"^\s*\[\s*\[?\s*([A-Za-z0-9_\-]+)")


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
        problems.append(ConfigProblem.of("system", "system_not_table", key="system"))
        section = {}
    system: SystemSettings = build_section(SystemSettings, section, "system.", problems)
    system = check_system(system, zoneinfo, problems)
    app_text = text if broken else strip_system_table(text, raw)
    general = raw.get("general")
    language = general.get("language") if isinstance(general, dict) else None
    spoken_in = language if language in LANGUAGES else FALLBACK_LANGUAGE
    return BootConfig(system, app_text, tuple(problems), spoken_in)


def check_system(
    system: SystemSettings, zoneinfo: Path, problems: list[ConfigProblem]
) -> SystemSettings:
    """Rules a type check cannot express; a broken value falls back to its safe default."""
    changes: dict[str, Any] = {}

    def problem(name: str, phrase: str, **values: object) -> None:
        key = f"system.{name}"
        problems.append(ConfigProblem.of(key, phrase, key=key, **values))

    if not _HOSTNAME.match(system.hostname):
        problem("hostname", "hostname_invalid", value=repr(system.hostname), default="vestsight")
        changes["hostname"] = "vestsight"
    zone = system.timezone
    if ".." in zone or zone.startswith("/") or not (zoneinfo / zone).is_file():
        problem("timezone", "timezone_unknown", value=repr(zone), default="Etc/UTC")
        changes["timezone"] = "Etc/UTC"
    bad_keys = [key for key in system.keys if not _KEY.match(key)]
    if bad_keys:
        problem("ssh_keys", "ssh_keys_invalid", n=len(bad_keys))
        changes["ssh_keys"] = "\n".join(key for key in system.keys if _KEY.match(key))
    keys_left = changes.get("ssh_keys", system.ssh_keys).strip()
    if system.ssh and not keys_left:
        problem("ssh", "ssh_without_keys", keys="ssh_keys")
        changes["ssh"] = False
    if system.wifi:
        country = system.wifi_country
        if not re.fullmatch(r"[A-Z]{2}", country):
            problem("wifi_country", "wifi_country_invalid", value=repr(country))
            changes["wifi"] = False
        elif not system.wifi_ssid:
            problem("wifi_ssid", "wifi_ssid_empty")
            changes["wifi"] = False
        elif system.wifi_password and not 8 <= len(system.wifi_password) <= 63:
            problem("wifi_password", "wifi_password_length")
            changes["wifi"] = False
    return dataclasses.replace(system, **changes) if changes else system


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
