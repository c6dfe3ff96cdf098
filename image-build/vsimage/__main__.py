"""python -m vsimage build | verify | flash (see image-build/README.md)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .config import load_config
from .util import BuildError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vsimage", description="Vestsight SD card image")
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build and verify the image")
    build.add_argument("--profile", default="full")
    build.add_argument("--out", type=Path, default=Path("image-build/out"))
    build.add_argument("--work", type=Path, default=Path("image-build/work"))
    build.add_argument("--cache", type=Path, default=Path.home() / ".cache/vestsight/image")
    build.add_argument("--models-dir", type=Path, default=Path.home() / ".cache/vestsight/models")
    build.add_argument("--reuse-base", action="store_true", help=argparse.SUPPRESS)
    check = commands.add_parser("verify", help="check a built image (its .json beside it)")
    check.add_argument("info", type=Path, help="vestsight-<version>.json written by build")
    flash = commands.add_parser("flash", help="write an image to a card, then read it back")
    flash.add_argument("device")
    flash.add_argument("--image", type=Path, help="the .img.xz (default: newest in --out)")
    flash.add_argument("--out", type=Path, default=Path("image-build/out"))
    flash.add_argument("--force", action="store_true", help="allow a non-removable disk")
    flash.add_argument("--yes", action="store_true", help="do not ask before writing")
    flash.add_argument(
        "--keep-data",
        action="store_true",
        help="update a Vestsight card: keep its data partition and vestsight.toml",
    )
    boot = commands.add_parser("smoke", help="boot a smoke image under qemu until READY")
    boot.add_argument("folder", type=Path, help="where build --profile smoke wrote it")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    try:
        if args.command == "build":
            from .build import build as run_build

            config = load_config(args.profile)
            result = run_build(config, args.out.resolve(), args.work.resolve(),
                               args.cache, args.models_dir, args.reuse_base)  # fmt: skip
            return verify_built(result["info"])
        if args.command == "verify":
            return verify_built(args.info)
        if args.command == "smoke":
            from .smoke import smoke

            return smoke(args.folder)
        from .flash import flash_image

        return flash_image(
            args.device,
            args.image,
            args.out,
            force=args.force,
            assume_yes=args.yes,
            keep_data=args.keep_data,
        )
    except BuildError as err:
        logging.getLogger("vsimage").error("vsimage: %s", err)
        return 1


def verify_built(info_path: Path) -> int:
    from .inspect import verify

    info = json.loads(info_path.read_text())
    folder = info_path.parent
    stem = info_path.name.removesuffix(".json")
    config = load_config(info["profile"])
    problems = verify(folder / f"{stem}.img", folder / f"{stem}.bmap", folder / info["xz"],
                      folder / f"{info['xz']}.sha256", config, info)  # fmt: skip
    log = logging.getLogger("vsimage")
    for problem in problems:
        log.error("verify: %s", problem)
    log.info("verify: %s", "FAILED" if problems else f"{info['xz']} is as promised")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
