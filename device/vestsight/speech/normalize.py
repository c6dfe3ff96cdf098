"""Make printed text speakable: dates, units, prices, percentages, ranges, grouped digits,
label abbreviations and codes.

espeak-ng reads plain numbers well but not "£3.50" ("three point five zero pounds"), a Russian
"1 234" (read as two numbers), "EXP 08/2026" or "500 mg". These rules rewrite such spans into words
espeak reads right (dates.py, units.py); everything else is left as printed, so text is still read
exactly as written. A number is read as a number; only a code (letters and digits mixed, such as
"LOT Y50606", or nine digits and more) is spelled out character by character.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..phrases import plural_form, plural_rule
from .dates import spell_dates
from .units import spell_units

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
_RANGE_FROM = {"en": "", "ru": "от"}
_FROM_ALREADY = frozenset({"с", "со", "от", "from", "between"})
_AND = {"en": "and", "ru": "и"}

_SYMBOLS = "$£€₽"
_AMOUNT = r"(\d+)(?:[.,](\d{2}))?"
_BEFORE = re.compile(rf"([{_SYMBOLS}])\s?{_AMOUNT}(?!\d)")
_AFTER = re.compile(rf"(?<![\d.,]){_AMOUNT}\s?([{_SYMBOLS}]|руб\.?|р\.)(?!\w)")
_PERCENT_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s?%")
_RANGE_RE = re.compile(
    r"(?<![\d\-–./:])([+\-−]?\d+(?:[.,]\d+)?)\s?(?:[-–]|\.\.\.|…)\s?([+\-−]?\d+)(?![\d\-–./:])"
)
_GROUPED = re.compile(r"(?<![\d,.+])(\d{1,3})(?:[ \u00a0\u202f](\d{3}))+(?![\d,.\-])")
"""Thousands grouped by spaces ("1 234"), but not a telephone number ("+7 941 551-26-17")."""


def plural(n: int, forms: str, language: str) -> str:
    return plural_form(n, forms, plural_rule(language))


# Label words read as their meaning: (pattern, words) per language; a pattern matches a whole word.
_ABBREVIATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        (r"(?:EXP|Exp|exp)\.?:?", "expires"), (r"(?:EXPIRY|Expiry)\s+(?:DATE|date):?", "expires"),
        (r"(?:MFG|MFD|Mfd|Mfg)\.?:?", "manufactured"), (r"BB:?(?=\s+\d)", "best before"),
        (r"(?:No|NO)\.(?=\s?\d)", "number"), (r"(?:Tel|TEL)\.?:?(?=\s?[+\d])", "telephone"),
        (r"approx\.", "approximately"), (r"incl\.", "including"), (r"qty\.?", "quantity"),
    ),
    "ru": (
        (r"ул\.", "улица"), (r"д\.(?=\s?\d)", "дом"), (r"кв\.(?=\s?\d)", "квартира"),
        (r"г\.(?=\s?[А-ЯЁ])", "город"), (r"[Тт]ел\.?:?(?=\s?[+\d])", "телефон"),
        (r"т\.\s?е\.", "то есть"), (r"т\.\s?к\.", "так как"), (r"т\.\s?д\.", "так далее"),
        (r"обл\.", "область"), (r"стр\.", "страница"), (r"р-н", "район"),
    ),
}  # fmt: skip
_ABBREVIATION_RES = {
    lang: [(re.compile(rf"(?<![\w.])(?:{pattern})(?![\w])"), words) for pattern, words in table]
    for lang, table in _ABBREVIATIONS.items()
}
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th|-?[а-я]{1,3})$")
_CODE = re.compile(
    r"(?<![\w-])(?=[^\W_]*\d)(?=[^\W_]*[^\W\d_])[^\W_]{4,}(?![\w-])|(?<![\d.,])\d{9,}(?![\d.,])"
)


def speakable(text: str, language: str) -> str:
    """`text` with dates, units, prices, percentages, ranges, grouped digits, label abbreviations
    and codes spelled for speech in `language` (en or ru)."""
    lang = language if language in _CURRENCIES else "en"
    text = _GROUPED.sub(lambda m: m.group(0).replace(" ", "").replace("\u00a0", "")
                        .replace("\u202f", ""), text)  # fmt: skip
    text = spell_dates(text, lang)
    text = _BEFORE.sub(_money(lang, symbol_first=True), text)
    text = _AFTER.sub(_money(lang, symbol_first=False), text)
    text = spell_units(text, lang)
    text = _PERCENT_RE.sub(
        lambda m: f"{m.group(1)} {plural(_whole(m.group(1)), _PERCENT[lang], lang)}", text
    )
    text = _RANGE_RE.sub(_range(text, lang), text)
    for pattern, words in _ABBREVIATION_RES[lang]:
        text = pattern.sub(words, text)
    return _CODE.sub(_spell_code, text)


def _range(text: str, lang: str) -> Callable[[re.Match[str]], str]:
    def say(match: re.Match[str]) -> str:
        before = text[: match.start()].split()
        said_from = bool(before) and before[-1].lower() in _FROM_ALREADY
        start = "" if said_from else _RANGE_FROM[lang]
        return f"{start} {match.group(1)} {_RANGE_WORD[lang]} {match.group(2)}".lstrip()

    return say


def _spell_code(match: re.Match[str]) -> str:
    """A code (four letters and digits or more, mixed, or nine digits) said character by
    character ("Y50606" -> "Y 5 0 6 0 6"); an ordinal such as "21st" only looks like one."""
    code = match.group(0)
    if _ORDINAL.match(code):
        return code
    return " ".join(code)


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
