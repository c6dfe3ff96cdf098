"""Make printed text speakable: prices, percentages, ranges and grouped digits.

espeak-ng reads plain numbers well but not "£3.50" ("three point five zero pounds") or a Russian
"1 234" (read as two numbers). These rules rewrite such spans into words espeak reads right;
everything else is left as printed, so text is still read exactly as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..phrases import plural_form, plural_rule

# Currency: symbol -> (main unit forms, fraction unit forms), per language; forms "one|other" in
# English, "one|few|many" in Russian.
_CURRENCIES: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "$": ("dollar|dollars", "cent|cents"),
        "£": ("pound|pounds", "penny|pence"),
        "€": ("euro|euros", "cent|cents"),
        "₽": ("rouble|roubles", "kopeck|kopecks"),
    },
    "ru": {
        "$": ("доллар|доллара|долларов", "цент|цента|центов"),
        "£": ("фунт|фунта|фунтов", "пенс|пенса|пенсов"),
        "€": ("евро|евро|евро", "цент|цента|центов"),
        "₽": ("рубль|рубля|рублей", "копейка|копейки|копеек"),
    },
}
_PERCENT = {"en": "percent|percent", "ru": "процент|процента|процентов"}
_RANGE_WORD = {"en": "to", "ru": "до"}
_AND = {"en": "and", "ru": "и"}

_SYMBOLS = "$£€₽"
_AMOUNT = r"(\d+)(?:[.,](\d{2}))?"
_BEFORE = re.compile(rf"([{_SYMBOLS}])\s?{_AMOUNT}(?!\d)")
_AFTER = re.compile(rf"(?<![\d.,]){_AMOUNT}\s?([{_SYMBOLS}]|руб\.?|р\.)(?!\w)")
_PERCENT_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s?%")
_RANGE_RE = re.compile(r"(?<![\d\-–./:])(\d+)\s?[-–]\s?(\d+)(?![\d\-–./:])")
_GROUPED = re.compile(r"(?<![\d,.])(\d{1,3})(?:[ \u00a0\u202f](\d{3}))+(?![\d,.])")


def plural(n: int, forms: str, language: str) -> str:
    return plural_form(n, forms, plural_rule(language))


def speakable(text: str, language: str) -> str:
    """`text` with prices, percentages, ranges and grouped digits spelled for speech."""
    lang = language if language in _CURRENCIES else "en"
    text = _GROUPED.sub(lambda m: m.group(0).replace(" ", "").replace("\u00a0", "")
                        .replace("\u202f", ""), text)  # fmt: skip
    text = _BEFORE.sub(_money(lang, symbol_first=True), text)
    text = _AFTER.sub(_money(lang, symbol_first=False), text)
    text = _PERCENT_RE.sub(
        lambda m: f"{m.group(1)} {plural(_whole(m.group(1)), _PERCENT[lang], lang)}", text
    )
    return _RANGE_RE.sub(lambda m: f"{m.group(1)} {_RANGE_WORD[lang]} {m.group(2)}", text)


def _whole(number: str) -> int:
    return int(re.split(r"[.,]", number)[0])


def _money(lang: str, *, symbol_first: bool) -> Callable[[re.Match[str]], str]:
    def spell(match: re.Match[str]) -> str:
        if symbol_first:
            symbol, units, cents = match.group(1), match.group(2), match.group(3)
        else:
            units, cents, symbol = match.group(1), match.group(2), match.group(3)
        if symbol.startswith(("руб", "р.")):
            symbol = "₽"
        main_forms, fraction_forms = _CURRENCIES[lang][symbol]
        spoken = f"{int(units)} {plural(int(units), main_forms, lang)}"
        if cents and int(cents):
            spoken += f" {_AND[lang]} {int(cents)} {plural(int(cents), fraction_forms, lang)}"
        return spoken

    return spell
