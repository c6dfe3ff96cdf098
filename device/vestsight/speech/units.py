"""Units after numbers said in full: "500 mg" -> "500 milligrams", "0,5 мг" -> "0,5 миллиграмма",
"25 °C" -> "25 degrees Celsius", "5 mg/ml" -> "5 milligrams per millilitre".

Only a unit written right after a number is touched ("mg" alone, or "г." before a town, stays).
The unit agrees with its number: one/other in English, one/few/many in Russian, and the genitive
singular after a fraction ("0,5 миллиграмма"). A Russian "2028 г." is a year.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..phrases import plural_form, plural_rule
from .dates import ru_year

_UNITS: dict[str, dict[str, str]] = {
    "en": {
        "mg": "milligram|milligrams", "g": "gram|grams", "kg": "kilogram|kilograms",
        "mcg": "microgram|micrograms", "µg": "microgram|micrograms",
        "μg": "microgram|micrograms", "ml": "millilitre|millilitres",
        "mL": "millilitre|millilitres", "l": "litre|litres", "L": "litre|litres",
        "cl": "centilitre|centilitres", "mm": "millimetre|millimetres",
        "cm": "centimetre|centimetres", "m": "metre|metres", "km": "kilometre|kilometres",
        "kcal": "kilocalorie|kilocalories", "kJ": "kilojoule|kilojoules",
        "IU": "international unit|international units", "mmol": "millimole|millimoles",
        "oz": "ounce|ounces", "lb": "pound|pounds", "pcs": "piece|pieces",
        "min": "minute|minutes", "mAh": "milliamp hour|milliamp hours", "W": "watt|watts",
        "V": "volt|volts", "°C": "degree Celsius|degrees Celsius",
        "°F": "degree Fahrenheit|degrees Fahrenheit", "°": "degree|degrees",
    },
    "ru": {
        "мг": "миллиграмм|миллиграмма|миллиграммов", "г": "грамм|грамма|граммов",
        "гр": "грамм|грамма|граммов", "кг": "килограмм|килограмма|килограммов",
        "мкг": "микрограмм|микрограмма|микрограммов", "мл": "миллилитр|миллилитра|миллилитров",
        "л": "литр|литра|литров", "мм": "миллиметр|миллиметра|миллиметров",
        "см": "сантиметр|сантиметра|сантиметров", "м": "метр|метра|метров",
        "км": "километр|километра|километров", "ккал": "килокалория|килокалории|килокалорий",
        "кДж": "килоджоуль|килоджоуля|килоджоулей",
        "МЕ": "международная единица|международные единицы|международных единиц",
        "шт": "штука|штуки|штук", "мин": "минута|минуты|минут", "ч": "час|часа|часов",
        "°C": "градус Цельсия|градуса Цельсия|градусов Цельсия",
        "°F": "градус Фаренгейта|градуса Фаренгейта|градусов Фаренгейта",
        "°": "градус|градуса|градусов",
    },
}  # fmt: skip
_PER = {"en": "per", "ru": "на"}
_SIGNS = {"en": {"+": "plus", "-": "minus", "−": "minus"},
          "ru": {"+": "плюс", "-": "минус", "−": "минус"}}  # fmt: skip

_NUMBER = r"(?<![\w.,])([+\-−]?)(\d+(?:[.,]\d+)?)"
_YEAR_RU = re.compile(r"(?<![\d.,])(\d{4})\s?гг?\.?(?!\w)")


def _unit_pattern(language: str) -> re.Pattern[str]:
    names = sorted(_UNITS[language], key=len, reverse=True)
    unit = "|".join(re.escape(name) for name in names)
    return re.compile(rf"{_NUMBER}\s?({unit})(?:\s?/\s?({unit}))?\.?(?![\w°])")


_PATTERNS = {language: _unit_pattern(language) for language in _UNITS}


def _forms(number: str, forms: str, language: str) -> str:
    if "." in number or "," in number:  # a fraction: plural in English, genitive in Russian
        choices = forms.split("|")
        return choices[1] if language == "ru" and len(choices) == 3 else choices[-1]
    return plural_form(int(number), forms, plural_rule(language))


def _singular(forms: str) -> str:
    return forms.split("|", maxsplit=1)[0]


def spell_units(text: str, language: str) -> str:
    """`text` with each unit that follows a number written out, agreeing with the number."""
    lang = language if language in _UNITS else "en"
    # Degrees printed with a Cyrillic С, or with a space after the degree sign, are still Celsius.
    text = re.sub(r"°\s?[CС](?![\w])", "°C", text)
    if lang == "ru":
        text = _YEAR_RU.sub(_year_ru, text)
    return _PATTERNS[lang].sub(_spell(lang), text)


def _spell(language: str) -> Callable[[re.Match[str]], str]:
    units = _UNITS[language]

    def spell(match: re.Match[str]) -> str:
        sign, number, unit, per = match.groups()
        said = f"{_SIGNS[language].get(sign, '')} {number} ".lstrip()
        said += _forms(number, units[unit], language)
        if per:
            said += f" {_PER[language]} {_singular(units[per])}"
        return said

    return spell


def _year_ru(match: re.Match[str]) -> str:
    year = int(match.group(1))
    if not 1900 <= year <= 2099:
        return match.group(0)
    return f"{ru_year(year, genitive=False, masculine=True)} год"
