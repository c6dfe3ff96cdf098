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

- `system`: what `[system]` holds (`SystemSettings`) and the file as read (`BootConfig`);
- `reading`: the file split into both, every rule checked (`read_boot_config`);
- `applying`: the settings applied to the running system (`Applier`), problems said (`speak`);
- `rendering`: the card's documented file (`render_card_config`);
- `cli`: the command line (``vestsight-bootconfig``, or ``python -m vestsight.bootconfig``).
"""

from .applying import (
    DATA_SYSTEM_DIR,
    NM_CONNECTION,
    RUN_DIR,
    SSH_USER,
    Applier,
    Runner,
    run_command,
    speak,
)
from .reading import check_system, read_boot_config, strip_system_table
from .rendering import render_card_config
from .system import BootConfig, SystemSettings

__all__ = [
    "DATA_SYSTEM_DIR",
    "NM_CONNECTION",
    "RUN_DIR",
    "SSH_USER",
    "Applier",
    "BootConfig",
    "Runner",
    "SystemSettings",
    "check_system",
    "read_boot_config",
    "render_card_config",
    "run_command",
    "speak",
    "strip_system_table",
]
