"""The developer's console view of what the wearer hears and feels."""

from __future__ import annotations

from vestsight.console import describe_record


def test_console_lines() -> None:
    assert describe_record({"event": "speech.start", "text": "Hi."}) == "  says: Hi."
    assert describe_record({"event": "haptic", "pattern": "ack", "felt": True}) == "  buzz: ack"
    assert describe_record({"event": "haptic", "pattern": "ack", "felt": False}) is None
    assert describe_record({"event": "speech.end", "outcome": "interrupted"}) == (
        "  (speech interrupted)"
    )
    assert describe_record({"event": "speech.end", "outcome": "done"}) is None
    assert describe_record({"event": "input"}) is None
