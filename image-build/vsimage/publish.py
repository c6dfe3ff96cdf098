"""What the maker flashes: vestsight-<version>.img.xz, its .bmap and its .sha256."""

from __future__ import annotations

import json
from pathlib import Path

from .base import sha256_file
from .util import run, step


def publish(
    image: Path, out: Path, stem: str, xz_level: int, info: dict[str, object]
) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    img = out / f"{stem}.img"
    if img != image:
        img.unlink(missing_ok=True)
        image.rename(img)
    bmap = out / f"{stem}.bmap"
    with step("bmap"):
        run(["bmaptool", "create", "-o", bmap, img])
    xz = out / f"{stem}.img.xz"
    xz.unlink(missing_ok=True)
    with step(f"xz -{xz_level}"):
        run(["xz", "--keep", "--force", "-T0", f"-{xz_level}", img], timeout=7200)
    sha = out / f"{stem}.img.xz.sha256"
    with step("sha256"):
        img_digest = sha256_file(img)
        xz_digest = sha256_file(xz)
        sha.write_text(f"{xz_digest}  {xz.name}\n")
    info = {**info, "image": img.name, "image_sha256": img_digest, "xz": xz.name,
            "xz_sha256": xz_digest}  # fmt: skip
    (out / f"{stem}.json").write_text(json.dumps(info, indent=2) + "\n")
    return {"img": img, "xz": xz, "bmap": bmap, "sha256": sha, "info": out / f"{stem}.json"}
