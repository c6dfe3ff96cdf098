"""Printed dates said as a person says them, in English and Russian.

"EXP 08/2026" -> "expires August 2026"; "Best before 03.02.2030" -> "3rd February 2030";
"2026-08-15" -> "15th August 2026"; "Годен до 22.07.2028" -> "годен до двадцать второго июля две
тысячи двадцать восьмого года" (after "до" the day, month and year take the genitive); "08.2026"
-> "август две тысячи двадцать шестого года". Day first unless the first number cannot be a month's
day order (13/05 is the 13th of May; 05/13 is May the 13th). espeak-ng reads English ordinals
("3rd") itself; Russian ordinals are written out here, since it reads "22-го" as "двадцать два го".
Years are taken between 1900 and 2099; anything else is left as printed.
"""

from __future__ import annotations

import re

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "ru": "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
}
_MONTHS_OF = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
_UNITS = ("", "перв", "втор", "трет", "четвёрт", "пят", "шест", "седьм", "восьм", "девят")
_TEENS = ("десят", "одиннадцат", "двенадцат", "тринадцат", "четырнадцат", "пятнадцат",
          "шестнадцат", "семнадцат", "восемнадцат", "девятнадцат")  # fmt: skip
_TENS = ("", "", "двадцат", "тридцат", "сороков", "пятидесят", "шестидесят", "семидесят",
         "восьмидесят", "девяност")  # fmt: skip
_TENS_CARDINAL = ("", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят",
                  "семьдесят", "восемьдесят", "девяносто")  # fmt: skip
_STRESSED_END = frozenset({"втор", "шест", "седьм", "восьм", "сороков"})
"""Stems whose masculine ordinal ends in a stressed -ой ("второй"), not -ый ("пятый")."""
_GENITIVE_WORDS = frozenset({"до", "с", "со", "от", "после", "позднее", "ранее"})
"""Russian words after which a date is in the genitive ("годен до двадцатого мая")."""

_FULL = re.compile(r"(?<![\w.,/-])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\w/-]|[.,]\d)")
_ISO = re.compile(r"(?<![\w.,/-])(\d{4})-(\d{2})-(\d{2})(?![\w/-]|[.,]\d)")
_MONTH_YEAR = re.compile(r"(?<![\w.,/-])(\d{2}[./]|\d/)(\d{4})(?![\w/-]|[.,]\d)")
_EXPIRY_SHORT = re.compile(r"(?i)\b(exp\.?:?|expiry:?|use by:?)\s+(\d{1,2})[./](\d{2})(?![\d./])")


def ru_ordinal(n: int, *, genitive: bool, masculine: bool = False) -> str:
    """1..99 as a Russian ordinal: neuter ("двадцать второе"), masculine ("двадцать второй") or
    genitive ("двадцать второго")."""
    tens, unit = divmod(n, 10)
    if n < 10:
        stem = _UNITS[n]
    elif n < 20:
        stem = _TEENS[n - 10]
    elif unit == 0:
        stem = _TENS[tens]
    else:
        last = ru_ordinal(unit, genitive=genitive, masculine=masculine)
        return f"{_TENS_CARDINAL[tens]} {last}"
    if stem == "трет":
        return "третьего" if genitive else "третий" if masculine else "третье"
    if genitive:
        return stem + "ого"
    if masculine:
        return stem + ("ой" if stem in _STRESSED_END else "ый")
    return stem + "ое"


def ru_year(year: int, *, genitive: bool = True, masculine: bool = False) -> str:
    """A year 1900..2099 as an ordinal: "две тысячи двадцать шестого (года)", or "...шестой (год)"
    with `masculine`."""
    rest = year % 100
    if year == 2000:
        return "двухтысячного" if genitive else "двухтысячный" if masculine else "двухтысячное"
    head = "две тысячи" if year >= 2000 else "тысяча девятьсот"
    if rest == 0:
        return "тысяча девятисотого" if genitive else "тысяча девятисотый"
    return f"{head} {ru_ordinal(rest, genitive=genitive, masculine=masculine)}"


def _en_ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _year(text: str) -> int | None:
    year = int(text) + (2000 if len(text) == 2 else 0)
    return year if 1900 <= year <= 2099 else None


def say_date(day: int | None, month: int, year: int, language: str, before: str) -> str:
    """A date in words; `before` is the text before it (Russian takes the genitive after "до")."""
    if language == "ru":
        genitive = bool(before) and before.rsplit(maxsplit=1)[-1].lower() in _GENITIVE_WORDS
        year_words = f"{ru_year(year)} года"
        if day is None:
            months = (_MONTHS_OF if genitive else _MONTHS["ru"]).split()
            return f"{months[month - 1]} {year_words}"
        return f"{ru_ordinal(day, genitive=genitive)} {_MONTHS_OF.split()[month - 1]} {year_words}"
    name = _MONTHS["en"].split()[month - 1]
    return f"{name} {year}" if day is None else f"{_en_ordinal(day)} {name} {year}"


def _day_month(first: int, second: int) -> tuple[int, int] | None:
    if 1 <= second <= 12 and 1 <= first <= 31:
        return first, second
    if 1 <= first <= 12 and 13 <= second <= 31:
        return second, first
    return None


def spell_dates(text: str, language: str) -> str:
    """`text` with its dates in words; numbers that cannot be dates are left alone."""

    def full(match: re.Match[str]) -> str:
        year = _year(match.group(4))
        order = _day_month(int(match.group(1)), int(match.group(3)))
        if year is None or order is None or (len(match.group(4)) == 2 and match.group(2) != "."):
            return match.group(0)
        return say_date(*order, year, language, text[: match.start()])

    def iso(match: re.Match[str]) -> str:
        year, month, day = (int(g) for g in match.groups())
        if not (1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31):
            return match.group(0)
        return say_date(day, month, year, language, text[: match.start()])

    def month_year(match: re.Match[str]) -> str:
        month, year = int(match.group(1)[:-1]), _year(match.group(2))
        if year is None or not 1 <= month <= 12:
            return match.group(0)
        return say_date(None, month, year, language, text[: match.start()])

    def expiry_short(match: re.Match[str]) -> str:
        month, year = int(match.group(2)), _year(match.group(3))
        if year is None or not 1 <= month <= 12:
            return match.group(0)
        return f"{match.group(1)} {say_date(None, month, year, language, match.group(1))}"

    text = _EXPIRY_SHORT.sub(expiry_short, text)
    text = _ISO.sub(iso, text)
    text = _FULL.sub(full, text)
    return _MONTH_YEAR.sub(month_year, text)
