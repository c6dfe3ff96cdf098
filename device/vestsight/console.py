"""What `make run` prints for a sighted developer: what the vest says and how it vibrates."""

from __future__ import annotations

import sys
from typing import TextIO

from .journal import Journal, Record


def describe_record(record: Record) -> str | None:
    """One console line for a record a wearer would hear or feel, else None."""
    event = record["event"]
    if event == "speech.start":
        return f"  says: {record['text']}"
    if event == "speech.end" and record["outcome"] == "interrupted":
        return "  (speech interrupted)"
    if event == "haptic" and record.get("felt"):
        return f"  buzz: {record['pattern']}"
    if event == "llm.state":
        return f"  model: {record['state']}"
    return None


async def echo_to_console(journal: Journal, out: TextIO = sys.stderr) -> None:
    """Print the wearer's experience until cancelled."""
    async with journal.subscribe() as records:
        while True:
            line = describe_record(await records.get())
            if line is not None:
                print(line, file=out, flush=True)
