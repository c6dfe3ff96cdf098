"""Command-line options of `vestsight` / `python -m vestsight`."""

from __future__ import annotations

import argparse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="vestsight",
        description="Vestsight: the offline chest-worn assistant. Runs the vest "
        "(simulated here, real on the Pi, as the config says).",
    )
    parser.add_argument(
        "--config",
        help="TOML config file (default: $VESTSIGHT_CONFIG, else /boot/firmware/vestsight.toml "
        "if present, else built-in defaults)",
    )
    parser.add_argument(
        "--log-level",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="override general.log_level",
    )
    parser.add_argument(
        "--print-config",
        action="store_true",
        help="print every setting with its help and default as a TOML file, then exit",
    )
    return parser.parse_args(argv)
