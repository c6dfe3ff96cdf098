"""What `[system]` of the card's `vestsight.toml` holds, and the card's file as read at boot."""

from __future__ import annotations

from dataclasses import dataclass

from ..config_loader import ConfigProblem
from ..settings import setting


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
    language: str = "en"
    """The wearer's language (`[general] language`), in which the problems are said."""
