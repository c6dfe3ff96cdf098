"""Read as much of a damaged TOML file as can be read, and say where it is damaged.

One slip in `vestsight.toml` (a table written twice, a stray byte from another editor's encoding,
a missing quote) makes the whole file invalid TOML. Dropping the whole file would turn a vest into
the development defaults; instead each table is read on its own, a line that cannot be read is
left out (and named by its number), a table written twice is read as one, and a byte that is not
UTF-8 is named by its line (a value holding it is left out; in a comment it does no harm).
"""

from __future__ import annotations

import logging
import re
import tomllib
from typing import Any

Said = tuple[str, dict[str, Any]]
"""A damaged part: its sentence's key in the language files' ``[config]`` table, and the values
the sentence names (line numbers, keys)."""

_LOGGER = logging.getLogger(__name__)

_HEADER = re.compile(r"^\s*\[")
_TABLE_NAME = re.compile(r"^\s*\[\s*([^\[\]#]+?)\s*\]\s*(#.*)?$")
_AT_LINE = re.compile(r"at line (\d+), column")
REPLACED = "\ufffd"
MAX_SAID = 4
"""Syntax problems said one by one; more are summed up in one sentence."""


def read_toml(data: bytes) -> tuple[dict[str, Any], list[Said]]:
    """Everything in `data` that can be read as TOML, and what is said of each part that cannot
    (``("line_invalid", {"line": 12})``: in English ``config: line 12 is not valid TOML,
    ignored``)."""
    text, not_utf8 = _decode(data)
    said: list[Said] = [("line_not_utf8", {"line": n}) for n in not_utf8[:MAX_SAID]]
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        _LOGGER.error("Config is not valid TOML (%s): reading what can be read", err)
        raw, problems = _recover(text)
        said += problems
    if not_utf8:
        _drop_replaced(raw, "", said)
    return raw, said


def _decode(data: bytes) -> tuple[str, list[int]]:
    """The text (a byte-order mark dropped) and the numbers of lines that are not UTF-8."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    lines, bad = [], []
    for number, raw_line in enumerate(data.split(b"\n"), 1):
        try:
            lines.append(raw_line.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(raw_line.decode("utf-8", "replace"))
            bad.append(number)
    return "\n".join(lines), bad


def _recover(text: str) -> tuple[dict[str, Any], list[Said]]:
    lines = text.split("\n")
    starts = [0] + [i for i, line in enumerate(lines) if i and _HEADER.match(line)]
    bounds = zip(starts, [*starts[1:], len(lines)], strict=True)
    result: dict[str, Any] = {}
    bad_lines: list[int] = []
    said: list[Said] = []
    tables: dict[str, int] = {}
    for first, end in bounds:
        parsed = _parse_table(lines[first:end], first, bad_lines, said)
        if parsed is None:
            continue
        name = _TABLE_NAME.match(lines[first])
        if name is not None:
            key = re.sub(r"\s*\.\s*", ".", name.group(1))
            if key in tables:
                said.append(
                    ("table_repeated", {"line": first + 1, "table": key, "first": tables[key]})
                )
            tables.setdefault(key, first + 1)
        _merge(result, parsed, "", (first, lines[first:end]), said)
    return result, _lines_said(bad_lines) + said


def _parse_table(lines: list[str], first: int, bad: list[int], said: list[Said]) -> Any:
    """One table (its header and lines) as a dict, leaving out each line that cannot be read;
    None when the header itself cannot be read."""
    lines = list(lines)
    for _attempt in range(len(lines) + 1):
        try:
            return tomllib.loads("\n".join(lines))
        except tomllib.TOMLDecodeError as err:
            index = _error_index(err, lines)
            _LOGGER.error("Config line %d: %s", first + index + 1, err)
            if index == 0 and _HEADER.match(lines[0]):
                said.append(("header_invalid", {"line": first + 1}))
                return None
            bad.append(first + index + 1)
            lines[index] = ""
    return None


def _error_index(err: tomllib.TOMLDecodeError, lines: list[str]) -> int:
    """The line (0-based) `err` is about; for an error at the end (an unclosed string or array),
    the first line after the longest beginning that can be read."""
    found = _AT_LINE.search(str(err))
    if found:
        return min(int(found.group(1)) - 1, len(lines) - 1)
    for end in range(len(lines) - 1, 0, -1):
        try:
            tomllib.loads("\n".join(lines[:end]))
        except tomllib.TOMLDecodeError:
            continue
        return end
    return 0


def _merge(
    into: dict[str, Any],
    new: dict[str, Any],
    prefix: str,
    table: tuple[int, list[str]],
    said: list[Said],
) -> None:
    """Add `new` (read from `table`: its first line's index and its lines) to `into`; a key
    already there keeps its first value."""
    for key, value in new.items():
        dotted = f"{prefix}{key}"
        old = into.get(key)
        if key not in into:
            into[key] = value
        elif isinstance(old, dict) and isinstance(value, dict):
            _merge(old, value, f"{dotted}.", table, said)
        elif isinstance(old, list) and isinstance(value, list):
            old.extend(value)  # [[array]] tables
        else:
            said.append(("key_repeated", {"line": _line_of(key, table), "key": dotted}))


def _line_of(key: str, table: tuple[int, list[str]]) -> int:
    """The number of the line of `table` that sets `key` (its header's if none seems to)."""
    first, lines = table
    setting = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[=.]")
    return first + 1 + next((i for i, line in enumerate(lines) if setting.match(line)), 0)


def _lines_said(numbers: list[int]) -> list[Said]:
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    said: list[Said] = [
        ("line_invalid", {"line": run[0]})
        if len(run) == 1
        else ("lines_invalid", {"first": run[0], "last": run[-1]})
        for run in runs[:MAX_SAID]
    ]
    if len(runs) > MAX_SAID:
        said.append(("more_invalid", {"count": len(runs) - MAX_SAID}))
    return said


def _drop_replaced(table: dict[str, Any], prefix: str, said: list[Said]) -> None:
    """Leave out values (and keys) that held bytes that are not UTF-8: their meaning is lost."""
    for key in list(table):
        value = table[key]
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            _drop_replaced(value, f"{dotted}.", said)
        elif REPLACED in key or (isinstance(value, str) and REPLACED in value):
            del table[key]
            said.append(("value_not_utf8", {"key": dotted}))
