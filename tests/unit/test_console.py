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


def test_journal_file_is_rotated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from vestsight.journal import Journal

    journal = Journal(tmp_path / "journal.jsonl", max_bytes=2000)
    for n in range(100):
        journal.publish("speech.start", text=f"sentence {n}")
    journal.close()
    assert (tmp_path / "journal.jsonl").stat().st_size <= 2100
    assert (tmp_path / "journal.jsonl.1").exists()
    assert '"sentence 99"' in (tmp_path / "journal.jsonl").read_text()
