"""`make image`: the whole pipeline, one step after another, for one profile."""

from __future__ import annotations

import json
import time
from pathlib import Path

from . import app, base, datapart, disk, publish, rootfs
from .config import REPO, ImageConfig, project_version
from .host import check_host
from .util import LOG, step

INFO_DIR = "usr/share/vestsight/image"


def build(
    config: ImageConfig,
    out: Path,
    work: Path,
    cache: Path,
    models_dir: Path,
    reuse_base: bool = False,
) -> dict[str, Path]:
    started = time.monotonic()
    version = project_version()
    stem = f"{config.name}-{version}" + (
        "" if config.profile.name == "full" else f"-{config.profile.name}"
    )
    check_host()
    app.check_pip_available()
    work.mkdir(parents=True, exist_ok=True)
    if reuse_base and (work / "root/usr/bin").is_dir():
        # For working on the later steps: the base of the last build, as that build left it.
        root, boot = work / "root", work / "boot"
        LOG.info("reusing the base in %s", root)
    else:
        root, boot = base.build_base(config, work, cache)
    with step("layers: files, accounts, units, system files"):
        rootfs.copy_layer_files(config, root)
        rootfs.create_accounts(config, root)
        rootfs.write_system_files(config, root)
    with step("app: source"):
        app.install_source(root)
    left_out = app.build_venv(config, root, work)
    models = app.install_models(config, root, models_dir)
    with step("units, boot files, vestsight.toml"):
        rootfs.configure_units(config, root)
        rootfs.write_boot_files(config, boot)
        card_config = app.card_config(config, models, version)
        (boot / "vestsight.toml").write_text(card_config)
    info: dict[str, object] = {
        "name": config.name,
        "version": version,
        "profile": config.profile.name,
        "base": config.profile.base,
        "base_pin": config.base,
        "layers": [layer.name for layer in config.layers],
        "models": models,
        "venv_left_out": left_out,
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    info_dir = root / INFO_DIR
    info_dir.mkdir(parents=True, exist_ok=True)
    (info_dir / "info.json").write_text(json.dumps(info, indent=2) + "\n")
    # The card's file as built: the app's defaults on this vest (its camera, pins, run folder),
    # so a key the maker's file lacks or breaks never turns the vest into the simulator.
    (info_dir / "vestsight.toml").write_text(card_config)
    packages = rootfs.package_list(root)
    (info_dir / "packages.txt").write_text(packages)
    (info_dir / "python-packages.txt").write_text("\n".join(app.installed_packages(root)) + "\n")
    with step("scrub"):
        rootfs.scrub(root)
    data = work / "data"
    datapart.make_tree(config.layers, root, data)
    image = work / f"{stem}.img"
    parts = disk.make_image(config, image, root, boot, data)
    info["partitions"] = [vars(part) for part in parts]
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.packages.txt").write_text(packages)
    result = publish.publish(image, out, stem, config.profile.xz_level, info)
    LOG.info("built %s in %.0f s", result["xz"], time.monotonic() - started)
    return result


__all__ = ["REPO", "build"]
