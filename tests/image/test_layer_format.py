"""The layer format is strict: a misspelled table or key, a value of the wrong kind or a missing
requirement is an error that names the layer file and the key, never a setting left out."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from vsimage.config import IMAGE_BUILD, load_config
from vsimage.layers import load_layer
from vsimage.util import BuildError

HEAD = '[layer]\nname = "odd"\ndescription = "a test layer"\n'


def layer_dir(tmp_path: Path, text: str) -> Path:
    layer = tmp_path / "layers" / "odd"
    layer.mkdir(parents=True)
    (layer / "layer.toml").write_text(text)
    return layer


def refused(layer: Path) -> str:
    with pytest.raises(BuildError) as caught:
        load_layer(layer)
    return str(caught.value)


def test_a_misspelled_table_is_named_with_the_file_and_the_tables_allowed(tmp_path: Path) -> None:
    message = refused(layer_dir(tmp_path, HEAD + '[pakages]\napt = ["bluez"]\n'))
    assert message.startswith("layers/odd/layer.toml: ")
    assert "'pakages'" in message and "did you mean 'packages'" in message
    assert "[packages]" in message and "[[data_dirs]]" in message and "[[bind_mounts]]" in message


@pytest.mark.parametrize(
    ("text", "key", "allowed"),
    [
        ('[packages]\natp = ["bluez"]\n', "atp", "apt, base"),
        ('[users]\nvestsight_group = ["i2c"]\n', "vestsight_group", "vestsight_groups"),
        ('[units]\nenabled = ["x.service"]\n', "enabled", "enable, disable, mask"),
        ('[boot]\ncmd_line = ["ro"]\n', "cmd_line", "config, cmdline"),
        ('[[accounts]]\nname = "a"\nhome = "/h"\nsudo = true\n', "sudo",
         "name, comment, home, shell, groups, sudo_nopasswd"),
        ('[[data_dirs]]\npath = "a"\nmode = 0o700\nowner = "root"\ngroup = "root"\nmdoe = 1\n',
         "mdoe", "path, mode, owner, group"),
        ('[[bind_mounts]]\nsource = "a"\ntraget = "/b"\n', "traget", "source, target"),
    ],
)  # fmt: skip
def test_a_misspelled_key_in_a_table_is_named_with_the_keys_allowed(
    tmp_path: Path, text: str, key: str, allowed: str
) -> None:
    message = refused(layer_dir(tmp_path, HEAD + text))
    assert message.startswith("layers/odd/layer.toml: unknown key ")
    assert f"{key!r}" in message and message.endswith(f"allowed keys: {allowed}")


def test_a_misspelled_key_in_the_layer_table_is_refused(tmp_path: Path) -> None:
    message = refused(layer_dir(tmp_path, HEAD + 'require = ["system"]\n'))
    assert "'require' in [layer] (did you mean 'requires'?)" in message


def test_a_key_outside_its_table_says_where_it_belongs(tmp_path: Path) -> None:
    message = refused(layer_dir(tmp_path, 'requires = ["system"]\n' + HEAD))
    assert "'requires' at the top level (it belongs in [layer])" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[packages]\napt = "bluez"\n', "[packages] apt must be a list of strings"),
        ('[[data_dirs]]\npath = "a"\nmode = "0700"\nowner = "root"\ngroup = "root"\n',
         "mode must be a mode written in octal"),
        ('[[data_dirs]]\npath = "a"\nmode = 0o700\n', "[[data_dirs]] #1 lacks owner, group"),
        ('[[data_dirs]]\npath = "../a"\nmode = 0o700\nowner = "root"\ngroup = "root"\n',
         "path '../a' must be relative to the data partition"),
        ('[[bind_mounts]]\nsource = "a"\ntarget = "var/a"\n', "target 'var/a' must be absolute"),
        ('[data_dirs]\npath = "a"\n', "data_dirs must be [[data_dirs]] tables"),
        ('[files]\nempty_dirs = ["overlay"]\n', "empty_dirs 'overlay' must be absolute"),
    ],
)  # fmt: skip
def test_values_of_the_wrong_kind_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    message = refused(layer_dir(tmp_path, HEAD + text))
    assert message.startswith("layers/odd/layer.toml: ") and expected in message


def test_the_layer_table_is_required(tmp_path: Path) -> None:
    assert "no [layer] table" in refused(layer_dir(tmp_path, '[packages]\napt = ["a"]\n'))
    other = tmp_path / "other"
    other.mkdir()
    assert "lacks description" in refused(layer_dir(other, '[layer]\nname = "odd"\n'))


def image_build(
    tmp_path: Path, layers: list[str], edit: tuple[str, str, str] | None = None
) -> Path:
    """A copy of image-build's configuration building `layers`; `edit` is (layer, old, new)."""
    folder = tmp_path / "image-build"
    shutil.copytree(IMAGE_BUILD / "layers", folder / "layers")
    shutil.copy(IMAGE_BUILD / "base.toml", folder / "base.toml")
    text = (IMAGE_BUILD / "image.toml").read_text()
    listed = ", ".join(f'"{name}"' for name in layers)
    (folder / "image.toml").write_text(
        re.sub(r"(?m)^layers = \[.*\]$", f"layers = [{listed}]", text)
    )
    if edit:
        path = folder / "layers" / edit[0] / "layer.toml"
        assert edit[1] in path.read_text()
        path.write_text(path.read_text().replace(edit[1], edit[2]))
    return folder


ALL = ["system", "readonly", "audio", "bluetooth", "camera", "network", "power", "vestsight"]


def test_the_copied_configuration_builds_as_the_real_one(tmp_path: Path) -> None:
    copied = load_config("ci", image_build(tmp_path, ALL))
    assert [layer.name for layer in copied.layers] == [
        layer.name for layer in load_config("ci").layers
    ]


def test_a_misspelled_key_in_an_image_layer_fails_the_build_config(tmp_path: Path) -> None:
    folder = image_build(tmp_path, ALL, ("bluetooth", "vestsight_groups", "vestsight_group"))
    with pytest.raises(
        BuildError, match=r"layers/bluetooth/layer.toml: unknown key 'vestsight_group'"
    ):
        load_config("ci", folder)


def test_a_missing_requirement_is_an_error(tmp_path: Path) -> None:
    folder = image_build(tmp_path, ["system", "bluetooth", "camera"])
    with pytest.raises(BuildError) as caught:
        load_config("full", folder)
    message = str(caught.value)
    assert message.startswith("layers/bluetooth/layer.toml: layer bluetooth requires readonly")
    assert "which this image does not build" in message


def test_a_requirement_listed_after_the_layer_is_an_error(tmp_path: Path) -> None:
    folder = image_build(tmp_path, ["system", "bluetooth", "readonly"])
    with pytest.raises(BuildError, match="requires readonly, which comes after it"):
        load_config("ci", folder)


def test_the_smoke_layer_needs_the_app_layer_before_it(tmp_path: Path) -> None:
    folder = image_build(tmp_path, ["system", "readonly"])
    with pytest.raises(BuildError, match="layer smoke requires vestsight"):
        load_config("smoke", folder)


def test_a_requirement_that_is_no_layer_is_an_error(tmp_path: Path) -> None:
    folder = image_build(
        tmp_path, ALL, ("camera", 'name = "camera"', 'name = "camera"\nrequires = ["sytem"]')
    )
    with pytest.raises(BuildError, match="requires sytem, which this image does not build"):
        load_config("ci", folder)


def test_a_data_folder_needs_its_parent_from_a_required_layer(tmp_path: Path) -> None:
    # network's system/ssh is in readonly's system/: without requiring readonly it is refused.
    folder = image_build(tmp_path, ALL, ("network", '"system", "readonly"', '"system"'))
    with pytest.raises(BuildError, match="system/ssh is in system, which neither this layer"):
        load_config("ci", folder)


def test_a_bind_mount_needs_a_declared_data_folder(tmp_path: Path) -> None:
    folder = image_build(
        tmp_path, ALL, ("bluetooth", 'source = "system/bluetooth"', 'source = "system/bt"')
    )
    with pytest.raises(BuildError, match="source system/bt is not a data partition folder"):
        load_config("ci", folder)


def test_packages_for_an_unknown_base_are_an_error(tmp_path: Path) -> None:
    folder = image_build(tmp_path, ALL, ("camera", "rpios = ", "rpio = "))
    with pytest.raises(BuildError, match=r"\[packages.base\] rpio is not a base of base.toml"):
        load_config("full", folder)


@pytest.mark.parametrize("profile", ["full", "ci", "smoke"])
def test_every_layer_comes_after_what_it_requires(profile: str) -> None:
    layers = load_config(profile).layers
    names = [layer.name for layer in layers]
    for position, layer in enumerate(layers):
        assert set(layer.requires) <= set(names[:position]), layer.name
    assert names[0] == "system" and not layers[0].requires


def test_the_readme_example_is_a_valid_layer(tmp_path: Path) -> None:
    readme = (IMAGE_BUILD / "README.md").read_text()
    section = readme[readme.index("### The layer format") :]
    example = section[section.index("```toml\n") + 8 : section.index("```\n", 8)]
    layer = tmp_path / "bluetooth"
    layer.mkdir()
    (layer / "layer.toml").write_text(example)
    loaded = load_layer(layer)
    assert loaded.requires == ("system", "readonly")
    assert [d.mode for d in loaded.data_dirs] == [0o700]
    assert loaded.bind_mounts[0].target == "/var/lib/bluetooth"
