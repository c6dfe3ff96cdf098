"""The layers of one image, together: each comes after the layers it requires, and what they
declare on the data partition fits (one layer per folder and mount point, parents declared).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

from .layers import Layer
from .util import BuildError


def compose(layers: Sequence[Layer], bases: Mapping[str, object]) -> None:
    """Raise BuildError if `layers`, in this order, cannot make an image from `bases`."""
    seen: set[str] = set()
    for layer in layers:
        if layer.name in seen:
            raise BuildError(f"layer {layer.name} is listed twice")
        seen.add(layer.name)
        unknown = sorted(set(layer.apt_by_base) - set(bases))
        if unknown:
            raise BuildError(
                f"{layer.source}: [packages.base] {', '.join(unknown)} is not a base of "
                f"base.toml (have: {', '.join(sorted(bases))})"
            )
    closure = requirements(layers)
    check_data_dirs(layers, closure)
    check_bind_mounts(layers, closure)


def requirements(layers: Sequence[Layer]) -> dict[str, set[str]]:
    """Each layer's requirements, direct and indirect; every one listed before it."""
    names = [layer.name for layer in layers]
    closure: dict[str, set[str]] = {}
    for position, layer in enumerate(layers):
        closure[layer.name] = set()
        for needed in layer.requires:
            if needed not in names:
                raise BuildError(
                    f"{layer.source}: layer {layer.name} requires {needed}, which this image "
                    f"does not build (its layers: {', '.join(names)}); add it to image.toml's "
                    f"layers or the profile's extra_layers"
                )
            if needed == layer.name:
                raise BuildError(f"{layer.source}: layer {layer.name} requires itself")
            if names.index(needed) > position:
                raise BuildError(
                    f"{layer.source}: layer {layer.name} requires {needed}, which comes after "
                    f"it: list {needed} before {layer.name} in image.toml"
                )
            closure[layer.name] |= {needed, *closure[needed]}
    return closure


def _declared_by(layers: Sequence[Layer]) -> dict[str, Layer]:
    owners: dict[str, Layer] = {}
    for layer in layers:
        for item in layer.data_dirs:
            if item.path in owners:
                raise BuildError(
                    f"{layer.source}: data partition folder {item.path} is declared by layer "
                    f"{owners[item.path].name} too"
                )
            owners[item.path] = layer
    return owners


def _visible(layer: Layer, owner: Layer | None, closure: Mapping[str, set[str]]) -> bool:
    return owner is not None and (owner is layer or owner.name in closure[layer.name])


def check_data_dirs(layers: Sequence[Layer], closure: Mapping[str, set[str]]) -> None:
    """A folder's parent is declared by its own layer or one that layer requires."""
    owners = _declared_by(layers)
    for layer in layers:
        for item in layer.data_dirs:
            parent = str(PurePosixPath(item.path).parent)
            if parent != "." and not _visible(layer, owners.get(parent), closure):
                raise BuildError(
                    f"{layer.source}: data partition folder {item.path} is in {parent}, which "
                    f"neither this layer nor a layer it requires declares ([[data_dirs]])"
                )


def check_bind_mounts(layers: Sequence[Layer], closure: Mapping[str, set[str]]) -> None:
    """Each mount point bound once, from a folder its layer (or one it requires) declares."""
    owners = _declared_by(layers)
    targets: dict[str, str] = {}
    for layer in layers:
        for mount in layer.bind_mounts:
            if not _visible(layer, owners.get(mount.source), closure):
                raise BuildError(
                    f"{layer.source}: [[bind_mounts]] source {mount.source} is not a data "
                    f"partition folder of this layer or a layer it requires ([[data_dirs]])"
                )
            if mount.target in targets:
                raise BuildError(
                    f"{layer.source}: {mount.target} is bound by layer {targets[mount.target]} too"
                )
            targets[mount.target] = layer.name
