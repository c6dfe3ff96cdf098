"""A typo never turns a vest into the simulator (issue 16, item 3), and the smaller ones (item 7):
a pin used twice, an unknown vest-button name, a bad first photo, a photo too large to decode."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from PIL import Image

from tests.conftest import event
from tests.faults.harness import config_for, vest_process


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` pixels (its pixels are never there)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def with_tables(folder: Path, tables: str) -> Path:
    """The fault suite's config with `tables` (TOML) added."""
    config = config_for(folder)
    config.write_text(config.read_text(encoding="utf-8") + tables, encoding="utf-8")
    return config


async def test_a_config_with_typos_keeps_the_vests_settings_and_names_the_lines(
    tmp_path: Path,
) -> None:
    run = tmp_path / "card-run"
    image = tmp_path / "image.toml"  # the card's file as the image wrote it
    image.write_text(f'[general]\nrun_dir = "{run}"\n[input]\nterminal = false\n')
    config = tmp_path / "vestsight.toml"
    config.write_bytes(
        b"# the maker's file, edited in a Windows editor: caf\xe9\n"  # line 1: not UTF-8
        b'[general]\nlanguage = "ru"\n'
        b'[speech]\noutput = "wav"\n'
        b"[llm]\nenabled = false\n[stt]\nenabled = false\n"
        b"[speech]\nrate = 200\n"  # line 10: the table again
    )
    env = {"VESTSIGHT_IMAGE_CONFIG": str(image)}
    async with vest_process(tmp_path, config=config, socket=run / "control.sock", env=env) as vest:
        said = vest.said()
        assert "Вестсайт готов." in said  # still Russian, and so are the lines named (issue 13)
        assert "настройки: в строке 1 есть знаки в неверной кодировке" in said
        assert (
            "настройки: строка 10 повторяет таблицу speech из строки 4, они прочитаны как одна"
            in said
        )
        assert "config: line 1 has bytes that are not UTF-8 text" in vest.log_text()  # English
        status = await vest.status()
        assert status["config"]["run_dir"] == str(run)  # the wearer's memory is where it was
        assert status["language"] == "ru"
        assert (run / "memory.sqlite3").exists()


async def test_a_button_on_the_motors_pin_is_left_out_with_the_reason(tmp_path: Path) -> None:
    config = with_tables(tmp_path, "[gpio.buttons]\nmain = 18\nstop = 27\n")
    async with vest_process(tmp_path, config=config) as vest:
        said = vest.said()
        assert (
            "config: gpio.buttons.main uses GPIO18, the pin of the motor; that button is ignored"
            in said
        )
        await vest.answered("y")
        failed = [r for r in vest.client.history if r["event"] == "service.failed"]
        assert failed == []  # the buttons were never restarted
        assert (await vest.status())["ready"]["gpio"]


async def test_an_unknown_vest_button_name_is_said(tmp_path: Path) -> None:
    config = with_tables(tmp_path, '[buttons.gpio]\nmain = "describe"\nbig = "ahead"\n')
    async with vest_process(tmp_path, config=config) as vest:
        said = vest.said()
        assert (
            "config: buttons.gpio.big: there is no vest button big in gpio.buttons, ignored" in said
        )


async def test_a_bad_first_photo_does_not_block_the_simulated_camera(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "a-damaged.jpg").write_bytes(b"\xff\xd8\xff not really a JPEG")
    Image.new("RGB", (640, 480), (90, 120, 160)).save(photos / "b-sky.png")
    async with vest_process(tmp_path, {"camera": {"photos": str(photos)}}) as vest:
        await vest.answered("y")
        assert (await vest.status())["ready"]["camera"]
        assert "a-damaged.jpg" in vest.log_text()


async def test_a_photo_too_large_to_decode_is_a_camera_error(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "huge.png").write_bytes(png_header(20000, 20000))
    async with vest_process(tmp_path, {"camera": {"photos": str(photos)}}) as vest:
        t = await vest.client.tap("y")
        failed = await vest.client.expect(event("command.failed", command="ahead"), t)
        assert "too large" in failed["error"]
        said = await vest.client.expect(event("speech.queued", source="error"), t)
        assert "camera" in said["text"].lower()  # a camera error, not "something went wrong"
