"""Texts for the reading bench: what a label, an address or a page of a document says.

Words come from tesseract's own word lists (extracted at run time with combine_tessdata and
dawg2wordlist, from the eng and rus models Debian installs) mixed with label words written here,
and the lines carry numbers, doses, dates, temperatures and codes as printed on real labels. All
drawn from a seeded `random.Random`, so a seed always gives the same text.
"""

from __future__ import annotations

import functools
import random
import re
import subprocess
import tempfile
from pathlib import Path

TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")


_EN_WORDS = """tablets capsules daily water store dry place children reach dose adults take one two
with food after meals before morning evening keep away from light temperature below above not
exceed hours contains each tablet film coated oral use only read leaflet carefully pharmacist
doctor advice ingredients sugar salt milk wheat flour eggs may contain nuts best before use by
net weight energy fat saturates carbohydrate protein fibre serving per pack opened refrigerate
consume within days once product of made in street road avenue flat house post office delivery
parcel letter invoice account number customer reference payment due date amount total balance
dear sir madam thank you for your order please find enclosed information about appointment
clinic hospital room floor entrance exit open closed monday tuesday wednesday thursday friday
saturday sunday train platform ticket valid return single adult child station bus stop route
warning caution danger hot surface wash hands shake well before use apply thin layer skin
vitamin supplement natural flavour orange lemon apple strawberry chocolate coffee tea green
black organic fresh frozen cooked chicken beef fish rice pasta bread cheese butter yoghurt
juice sparkling mineral recycle bottle glass paper plastic lid""".split()  # noqa: SIM905

_RU_WORDS = """таблетки капсулы покрытые оболочкой применения внутрь взрослым детям старше лет
хранить месте защищённом от света температуре не выше ниже недоступном для детей принимать
раза день после еды до перед сном внимательно прочитайте инструкцию отпускается без рецепта
рецепту врача состав активное вещество вспомогательные вещества сахар соль молоко мука яйца
может содержать орехи годен срок годности изготовления масса нетто пищевая ценность белки
жиры углеводы энергетическая ценность упаковка после вскрытия хранить холодильнике суток
производитель россия улица дом квартира город область индекс почта россии письмо заказное
получатель отправитель счёт номер договора оплатить сумма итого уважаемый благодарим заказ
сообщаем приём врача поликлиника кабинет этаж вход выход открыто закрыто понедельник вторник
среда четверг пятница суббота воскресенье поезд платформа билет действителен остановка
осторожно горячо мыть руки взбалтывать перед употреблением наносить тонким слоем кожу
витамины натуральный апельсин лимон яблоко клубника шоколад кофе чай зелёный чёрный свежий
замороженный курица говядина рыба рис макароны хлеб сыр масло сливочное йогурт сок вода
минеральная газированная бутылка стекло бумага пластик крышка""".split()  # noqa: SIM905

_EN_DRUGS = ("Paracetamol", "Ibuprofen", "Amoxicillin", "Cetirizine", "Omeprazole", "Aspirin",
             "Loratadine", "Metformin", "Atorvastatin", "Vitamin D3")  # fmt: skip
_RU_DRUGS = ("Парацетамол", "Ибупрофен", "Амоксициллин", "Цетиризин", "Омепразол", "Аспирин",
             "Лоратадин", "Метформин", "Аторвастатин", "Витамин D3")  # fmt: skip
_EN_NAMES = ("Anna Smith", "John Carter", "Mary Jones", "Peter Brown", "Laura Wilson")
_RU_NAMES = ("Иванова Анна Петровна", "Смирнов Олег Иванович", "Кузнецова Мария Сергеевна",
             "Попов Дмитрий Андреевич", "Соколова Елена Викторовна")  # fmt: skip
_EN_TOWNS = ("London", "Leeds", "Bristol", "York", "Oxford", "Glasgow", "Cardiff")
_RU_TOWNS = ("Москва", "Казань", "Самара", "Тверь", "Пермь", "Томск", "Омск")


@functools.cache
def dictionary_words(language: str) -> tuple[str, ...]:
    """Ordinary words from tesseract's own word list for `language` (eng or rus), if present."""
    traineddata = TESSDATA / f"{language}.traineddata"
    pattern = re.compile(r"^[a-z]{3,11}$" if language == "eng" else r"^[а-яё]{3,12}$")
    try:
        with tempfile.TemporaryDirectory() as folder:
            prefix = f"{folder}/{language}."
            subprocess.run(["combine_tessdata", "-u", str(traineddata), prefix],
                           check=True, capture_output=True, timeout=60)  # fmt: skip
            out = f"{folder}/words.txt"
            subprocess.run(["dawg2wordlist", f"{prefix}lstm-unicharset", f"{prefix}lstm-word-dawg",
                            out], check=True, capture_output=True, timeout=60)  # fmt: skip
            words = Path(out).read_text("utf-8", "replace").split()
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(w for w in words if pattern.match(w))


def _word(rng: random.Random, language: str) -> str:
    own = _EN_WORDS if language == "en" else _RU_WORDS
    big = dictionary_words("eng" if language == "en" else "rus")
    return rng.choice(big) if big and rng.random() < 0.5 else rng.choice(own)


def _words(rng: random.Random, language: str, n: int) -> str:
    return " ".join(_word(rng, language) for _ in range(n))


def _code(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return "".join(rng.choice(letters) for _ in range(rng.randint(1, 2))) + str(
        rng.randint(1000, 99999)
    )


def _month_year(rng: random.Random, separator: str) -> str:
    return f"{rng.randint(1, 12):02d}{separator}{rng.randint(2024, 2031)}"


def _full_date(rng: random.Random, separator: str) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2024, 2031)
    return f"{day:02d}{separator}{month:02d}{separator}{year}"


def label_lines(rng: random.Random, language: str) -> list[str]:
    """A medicine or food label: a name, a dose, directions, storage, dates and a code."""
    en = language == "en"
    dose = rng.choice((5, 10, 20, 25, 40, 100, 200, 250, 400, 500, 1000))
    if rng.random() < 0.5:
        lines = [
            rng.choice(_EN_DRUGS if en else _RU_DRUGS) + (f" {dose} mg" if en else f" {dose} мг"),
            (f"{rng.randint(10, 60)} film coated tablets" if en
             else f"{rng.randint(10, 60)} таблеток, покрытых оболочкой"),
            (f"Take {rng.randint(1, 2)} tablet {rng.randint(1, 4)} times a day" if en
             else f"Принимать по {rng.randint(1, 2)} таблетке {rng.randint(2, 4)} раза в день"),
            (f"Store below {rng.choice((25, 30))} °C" if en
             else f"Хранить при температуре не выше {rng.choice((25, 30))} °C"),
            (f"EXP {_month_year(rng, '/')}  LOT {_code(rng)}" if en
             else f"Годен до {_month_year(rng, '.')}  Серия {_code(rng)}"),
        ]  # fmt: skip
    else:
        grams = rng.choice((100, 150, 200, 250, 330, 400, 500, 750))
        lines = [
            _words(rng, language, rng.randint(1, 3)).upper(),
            (f"Net weight {grams} g" if en else f"Масса нетто {grams} г"),
            ("Ingredients: " if en else "Состав: ")
            + ", ".join(_word(rng, language) for _ in range(rng.randint(3, 5))),
            (f"Best before {_full_date(rng, '.')}" if en
             else f"Годен до {_full_date(rng, '.')}"),
            (f"Energy {rng.randint(50, 900)} kcal per 100 g" if en
             else f"Энергетическая ценность {rng.randint(50, 900)} ккал"),
        ]  # fmt: skip
    rng.shuffle(middle := lines[1:-1])
    return [lines[0], *middle[: rng.randint(2, len(middle))], lines[-1]]


def address_lines(rng: random.Random, language: str) -> list[str]:
    if language == "en":
        return [
            rng.choice(_EN_NAMES),
            f"{rng.randint(1, 220)} {_word(rng, 'en').capitalize()} Road",
            rng.choice(_EN_TOWNS),
            f"{rng.choice('ABELMNS')}{rng.randint(1, 20)} "
            f"{rng.randint(1, 9)}{rng.choice('ABDEFGH')}{rng.choice('JLNPQRS')}",
            f"Tel. {rng.randint(10000, 99999)} {rng.randint(100000, 999999)}",
        ]
    return [
        rng.choice(_RU_NAMES),
        f"ул. {_word(rng, 'ru').capitalize()}, д. {rng.randint(1, 120)}, кв. {rng.randint(1, 300)}",
        f"г. {rng.choice(_RU_TOWNS)}",
        f"{rng.randint(101000, 690000)}",
        f"Тел. +7 {rng.randint(900, 999)} {rng.randint(100, 999)}-"
        f"{rng.randint(10, 99)}-{rng.randint(10, 99)}",
    ]


def document_lines(rng: random.Random, language: str, width_chars: int) -> list[str]:
    """A page: a heading and paragraphs of words with numbers, wrapped to `width_chars`."""
    heading = _words(rng, language, rng.randint(2, 4)).capitalize()
    lines = [heading]
    for _paragraph in range(rng.randint(2, 3)):
        words: list[str] = []
        for _ in range(rng.randint(14, 26)):
            roll = rng.random()
            if roll < 0.08:
                words.append(str(rng.randint(2, 9999)))
            elif roll < 0.11:
                words.append(_full_date(rng, "."))
            else:
                words.append(_word(rng, language))
        words[0] = words[0].capitalize()
        text = " ".join(words) + "."
        line = ""
        for word in text.split():
            if line and len(line) + 1 + len(word) > width_chars:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return lines
