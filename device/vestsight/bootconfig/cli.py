"""The command line of the card's `[system]`: ``vestsight-bootconfig apply | render``.

``apply`` (``python -m vestsight.bootconfig apply``, run by `vestsight-system.service` at every
boot, as root, before the app) applies `[system]` and writes the rest of the file for the app;
its problems are logged and spoken (espeak-ng) before the app says "ready". ``render`` prints the
documented file the image puts on the card.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tomllib
from pathlib import Path

from ..config_loader import PI_CONFIG_PATH
from .applying import Applier, speak
from .reading import read_boot_config
from .rendering import render_card_config

_LOGGER = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "render":
        overrides = {}
        for item in args.set:
            key, _, value = item.partition("=")
            overrides[key.strip()] = tomllib.loads(f"v = {value}")["v"]
        sys.stdout.write(render_card_config(overrides, args.title))
        return 0
    config = read_boot_config(
        read_card_text(args.config), zoneinfo=args.root / "usr/share/zoneinfo"
    )
    applier = Applier(root=args.root)
    applier.apply(config)
    for problem in config.problems:
        _LOGGER.warning("%s", problem.spoken)
    for step in applier.done:
        _LOGGER.info("%s", step)
    if not args.quiet:
        speak(config.problems, config.language)
    os.sync()
    return 0


def read_card_text(path: Path) -> str | None:
    """The maker's file as text; None when there is none, empty when it cannot be read (the app
    then gets defaults and the system its safe defaults)."""
    try:
        # utf-8-sig: a byte-order mark (Windows Notepad) is not part of the TOML. A byte that
        # is not UTF-8 is kept (surrogateescape) for the app to name; the rest is read.
        return path.read_bytes().decode("utf-8-sig", "surrogateescape")
    except FileNotFoundError:
        return None
    except OSError as err:
        _LOGGER.error("Cannot read %s: %s", path, err)
        return ""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vestsight-bootconfig", description=__doc__)
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
    return parser
