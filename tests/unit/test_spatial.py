"""Clock directions, distances, ordering, merging and wording, in English and Russian."""

from __future__ import annotations

import pytest

from vestsight.phrases import Phrases
from vestsight.vision.detections import Box, Detection, Scene
from vestsight.vision.phrasing import ahead_sentences, distance_words
from vestsight.vision.spatial import Finding, clock_hour, estimate_distance, findings, held_region

HFOV, VFOV = 66.0, 41.0


@pytest.mark.parametrize(
    ("x", "hfov", "hour"),
    [(0.5, 66, 12), (0.0, 66, 11), (1.0, 66, 1), (0.3, 66, 12), (0.0, 102, 10), (1.0, 102, 2),
     (0.5, 180, 12), (0.0, 180, 9), (1.0, 180, 3)],
)  # fmt: skip
def test_clock_hour(x: float, hfov: float, hour: int) -> None:
    assert clock_hour(x, hfov) == hour


def test_distance_from_height_then_width() -> None:
    focal = 0.5 / 0.37388  # 1 / (2 tan(20.5°))
    face_at_2m = 0.22 * focal / 2
    box = Box(0.45, 0.4, 0.55, 0.4 + face_at_2m)
    assert estimate_distance(box, "face", HFOV, VFOV) == pytest.approx(2.0, rel=0.01)
    cut = Box(0.45, 0.0, 0.55, 0.2)  # the top of the head is out of the frame: use its width
    assert estimate_distance(cut, "face", HFOV, VFOV) == pytest.approx(1.16, rel=0.02)
    assert estimate_distance(Box(0.0, 0.0, 1.0, 1.0), "face", HFOV, VFOV) is None
    assert estimate_distance(box, "unicorn", HFOV, VFOV) is None


def scene(*detections: Detection) -> Scene:
    return Scene(1, 1280, 960, detections)


def test_people_first_then_obstacles_then_things_nearest_first() -> None:
    items = findings(
        scene(
            Detection("cup", Box(0.45, 0.6, 0.5, 0.65), 0.9, "objects"),
            Detection("chair", Box(0.8, 0.3, 0.95, 0.9), 0.8, "objects"),
            Detection("chair", Box(0.0, 0.5, 0.1, 0.7), 0.8, "objects"),
            Detection("face", Box(0.45, 0.3, 0.52, 0.4), 0.9, "faces", facing="towards"),
            Detection("hand", Box(0.4, 0.8, 0.5, 0.9), 0.9, "hands", side="left"),
        ),
        HFOV,
        VFOV,
    )
    assert [(f.label, f.clock) for f in items] == [
        ("person", 12),
        ("chair", 1),
        ("chair", 11),
        ("cup", 12),
    ]
    assert items[0].facing == "towards"


def test_one_person_seen_by_three_detectors_is_one_person() -> None:
    items = findings(
        scene(
            Detection("person", Box(0.3, 0.1, 0.7, 0.99), 0.9, "pose", facing="away"),
            Detection("person", Box(0.31, 0.12, 0.69, 0.98), 0.7, "objects"),
            Detection("face", Box(0.45, 0.15, 0.55, 0.3), 0.9, "faces", facing="towards"),
        ),
        HFOV,
        VFOV,
    )
    assert len(items) == 1
    assert items[0].facing == "towards"  # a face seen beats the shoulders' guess
    assert items[0].distance_m == pytest.approx(0.22 * 1.3373 / 0.15, rel=0.02)


def test_same_things_in_one_direction_are_counted() -> None:
    chairs = [
        Detection("chair", Box(0.5 + i / 100, 0.3, 0.6, 0.6), 0.8, "objects") for i in range(3)
    ]
    items = findings(scene(*chairs), HFOV, VFOV)
    assert [(f.label, f.count) for f in items] == [("chair", 3)]


def test_nothing_and_too_much() -> None:
    en = Phrases("en")
    assert ahead_sentences([], en, 3) == ["Nothing detected ahead."]
    many = [Finding("cup", 12, None)] * 5
    assert ahead_sentences(many, en, 2)[-1] == "And 3 more."


@pytest.mark.parametrize(
    ("finding", "en", "ru"),
    [
        (Finding("person", 12, 1.9, facing="towards"),
         "Person at 12 o'clock, about 2 metres, facing you.",
         "Человек на 12 часов, примерно 2 метра, лицом к вам."),
        (Finding("person", 1, 5.2, count=2, facing="away"),
         "2 people at 1 o'clock, about 5 metres, turned away.",
         "2 человека на 1 час, примерно 5 метров, спиной к вам."),
        (Finding("chair", 11, 0.4, count=5),
         "5 chairs at 11 o'clock, close.",
         "5 стульев на 11 часов, близко."),
        (Finding("dining table", 2, 21.0),
         "Table at 2 o'clock, far away.",
         "Стол на 2 часа, далеко."),
        (Finding("cup", 3, None, count=21), "21 cups at 3 o'clock.", "21 чашка на 3 часа."),
        (Finding("gizmo", 12, None, count=2), "2 gizmos at 12 o'clock.", "2 gizmos на 12 часов."),
    ],
)  # fmt: skip
def test_wording(finding: Finding, en: str, ru: str) -> None:
    assert ahead_sentences([finding], Phrases("en"), 4) == [en]
    assert ahead_sentences([finding], Phrases("ru"), 4) == [ru]


def test_distance_words_round_to_whole_metres() -> None:
    ru = Phrases("ru")
    assert [distance_words(d, ru) for d in (0.5, 1.2, 2.6, 4.4, 11)] == [
        "близко", "примерно 1 метр", "примерно 3 метра", "примерно 4 метра", "далеко"
    ]  # fmt: skip


def test_the_held_region_surrounds_the_hands() -> None:
    assert held_region(scene()) is None
    one = held_region(scene(Detection("hand", Box(0.4, 0.6, 0.5, 0.7), 0.9, "hands")))
    assert one is not None
    edges = (one.left, one.top, one.right, one.bottom)
    assert edges == pytest.approx((0.325, 0.525, 0.575, 0.775))
    both = held_region(
        scene(
            Detection("hand", Box(0.2, 0.7, 0.3, 0.8), 0.9, "hands", side="left"),
            Detection("hand", Box(0.6, 0.7, 0.7, 0.8), 0.9, "hands", side="right"),
        )
    )
    assert both is not None and both.left < 0.2 and both.right > 0.7
    assert both.bottom == pytest.approx(0.875)
