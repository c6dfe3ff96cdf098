"""Findings as short spoken sentences, in the wearer's language.

One sentence per thing, most important first, so the first is spoken at once and any press cuts
the rest: "Person at 12 o'clock, about 2 metres, facing you." / "Стул на 1 час, близко."
"""

from __future__ import annotations

from ..phrases import Phrases
from .spatial import CLOSE_M, FAR_M, Finding


def ahead_sentences(items: list[Finding], phrases: Phrases, max_items: int) -> list[str]:
    if not items:
        return [phrases.word("ahead", "nothing")]
    sentences = [_sentence(item, phrases) for item in items[:max_items]]
    if len(items) > max_items:
        sentences.append(phrases.word("ahead", "more").format(n=len(items) - max_items))
    return sentences


def thing_name(label: str, count: int, phrases: Phrases) -> str:
    forms = phrases.word("labels", label)
    if "|" not in forms:
        forms = f"{label.replace('_', ' ')}|{label.replace('_', ' ')}s"
    if count == 1:
        return forms.split("|")[0]
    things = phrases.plural(count, forms)
    return phrases.word("ahead", "count").format(n=count, things=things)


def _sentence(item: Finding, phrases: Phrases) -> str:
    parts = [
        phrases.word("ahead", "item").format(
            what=thing_name(item.label, item.count, phrases),
            hour=item.clock,
            hour_word=phrases.plural(item.clock, phrases.word("ahead", "hour_word")),
        )
    ]
    distance = distance_words(item.distance_m, phrases)
    if distance:
        parts.append(distance)
    if item.facing in ("towards", "away"):
        parts.append(phrases.word("ahead", item.facing))
    sentence = ", ".join(parts) + "."
    return sentence[0].upper() + sentence[1:]


def distance_words(metres: float | None, phrases: Phrases) -> str:
    if metres is None:
        return ""
    if metres < CLOSE_M:
        return phrases.word("ahead", "close")
    if metres > FAR_M:
        return phrases.word("ahead", "far")
    n = max(1, round(metres))
    return phrases.word("ahead", "about").format(
        n=n, metres=phrases.plural(n, phrases.word("ahead", "metres"))
    )
