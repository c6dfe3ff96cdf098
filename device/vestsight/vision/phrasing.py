"""Findings as short spoken sentences, in the wearer's language.

One sentence per thing, most important first, so the first is spoken at once and any press cuts
the rest: "Person at 12 o'clock, about 2 metres, facing you." / "Стул на 1 час, близко."
A frame too dark, too bright or blurred to trust is said before anything found in it.
"""

from __future__ import annotations

from ..phrases import Phrases
from .distance import rounded
from .frame_facts import FrameFacts
from .spatial import Finding


def ahead_sentences(items: list[Finding], phrases: Phrases, max_items: int) -> list[str]:
    if not items:
        return [phrases.word("ahead", "nothing")]
    sentences = [_sentence(item, phrases) for item in items[:max_items]]
    if len(items) > max_items:
        sentences.append(phrases.word("ahead", "more").format(n=len(items) - max_items))
    return sentences


def frame_warning(facts: FrameFacts, phrases: Phrases) -> str | None:
    """ "Very dark; I may miss things." and the like, or None for a frame fit to look at."""
    problem = facts.problem
    return phrases.word("frame", problem) if problem else None


def thing_name(label: str, count: int, phrases: Phrases) -> str:
    forms = phrases.word("labels", label)
    if "|" not in forms:
        forms = f"{label.replace('_', ' ')}|{label.replace('_', ' ')}s"
    if count == 1:
        return forms.split("|")[0]
    things = phrases.plural(count, forms)
    return phrases.word("ahead", "count").format(n=count, things=things)


def where_words(what: str, hour: int, phrases: Phrases) -> str:
    """ "cup at 2 o'clock" (not capitalised)."""
    return phrases.word("ahead", "item").format(
        what=what, hour=hour, hour_word=phrases.plural(hour, phrases.word("ahead", "hour_word"))
    )


def _sentence(item: Finding, phrases: Phrases) -> str:
    parts = [where_words(thing_name(item.label, item.count, phrases), item.clock, phrases)]
    distance = distance_words(item.distance_m, phrases)
    if distance:
        parts.append(distance)
    if item.facing in ("towards", "away"):
        parts.append(phrases.word("ahead", item.facing))
    return capitalised(", ".join(parts) + ".")


def capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def distance_words(metres: float | None, phrases: Phrases) -> str:
    said = rounded(metres)
    if said is None:
        return ""
    kind, n = said
    if kind != "about":
        return phrases.word("ahead", kind)
    return phrases.word("ahead", "about").format(
        n=n, metres=phrases.plural(n, phrases.word("ahead", "metres"))
    )
