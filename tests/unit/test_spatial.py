"""The lens, distances from what is seen, ordering, merging and wording, in English and Russian."""

from __future__ import annotations

import math

import pytest

from vestsight.phrases import Phrases
from vestsight.vision.detections import Box, Detection, Scene
from vestsight.vision.distance import person_distance, rounded, thing_distance
from vestsight.vision.lens import Lens
from vestsight.vision.phrasing import ahead_sentences, distance_words
from vestsight.vision.sizes import FACE_BOX_WIDTH_M, PERSON_HEIGHT_M
from vestsight.vision.spatial import Finding, findings, held_region

HFOV, VFOV = 66.0, 41.0
LENS = Lens.of(HFOV, VFOV, 1280, 960)


def test_a_4_3_frame_from_a_16_9_sensor_keeps_the_height_and_loses_the_sides() -> None:
    assert LENS.focal_px == pytest.approx(480 / math.tan(math.radians(20.5)))
    assert LENS.hfov_deg == pytest.approx(53.0, abs=0.1)
    wide = Lens.of(HFOV, VFOV, 1920, 480)  # wider than the sensor: its width is whole
    assert wide.hfov_deg == pytest.approx(HFOV)
    # One focal length: a square thing is as far by its width as by its height.
    assert LENS.distance(0.5, 200) == pytest.approx(0.5 * LENS.focal_px / 200)


@pytest.mark.parametrize(
    ("x", "hfov", "vfov", "hour"),
    [(0.5, 66, 41, 12), (0.0, 66, 41, 11), (1.0, 66, 41, 1), (0.3, 66, 41, 12),
     (0.0, 102, 67, 11), (0.0, 140, 110, 10), (1.0, 140, 110, 2), (0.52, 180, 150, 12)],
)  # fmt: skip
def test_clock_hour(x: float, hfov: float, vfov: float, hour: int) -> None:
    assert Lens.of(hfov, vfov, 1280, 960).clock(x) == hour


def test_things_by_height_then_by_width() -> None:
    cup_at_2m = 0.1 * LENS.focal_px / 2 / 960  # the frame-relative height of a cup 2 m away
    box = Box(0.45, 0.4, 0.5, 0.4 + cup_at_2m)
    assert thing_distance(box, "cup", LENS) == pytest.approx(2.0, rel=0.01)
    tv = Box(0.3, 0.0, 0.7, 0.3)  # its top is out of the frame: its width tells
    assert thing_distance(tv, "tv", LENS) == pytest.approx(1.0 * LENS.focal_px / (0.4 * 1280))
    assert thing_distance(Box(0.0, 0.0, 1.0, 1.0), "tv", LENS) is None
    assert thing_distance(box, "unicorn", LENS) is None


def person(box: Box, **kwargs: object) -> Detection:
    return Detection("person", box, 0.9, "pose", **kwargs)  # type: ignore[arg-type]


def test_a_head_and_shoulders_box_is_not_taken_for_a_whole_body() -> None:
    """The bug of issue 15: a person at arm's length, seen from the chest as head and
    shoulders, was "about 6 metres" away by a whole body's height."""
    head_and_shoulders = Box(0.3, 0.2, 0.7, 0.75)  # as wide as tall: not a standing body
    by_box = person_distance([person(head_and_shoulders)], None, LENS)
    assert by_box is not None and by_box < 1.5  # by the body's width, not 1.7 m of height
    standing = Box(0.45, 0.2, 0.52, 0.8)  # a whole standing body, head to feet in view
    assert person_distance([person(standing)], None, LENS) == pytest.approx(
        PERSON_HEIGHT_M * LENS.focal_px / (0.6 * 960)
    )


def test_a_face_and_the_body_landmarks_measure_a_person_together() -> None:
    face = Detection("face", Box(0.4, 0.2, 0.5, 0.33), 0.9, "faces", facing="towards")
    by_face = FACE_BOX_WIDTH_M * LENS.focal_px / (0.1 * 1280)
    assert person_distance([], face, LENS) == pytest.approx(by_face)
    body = person(Box(0.3, 0.1, 0.7, 0.99), px_per_m=LENS.focal_px / 2.0)  # landmarks: 2 m
    assert person_distance([body], None, LENS) == pytest.approx(2.0)
    both = person_distance([body], face, LENS)
    assert both == pytest.approx(math.sqrt(2.0 * by_face))
    cut = Detection("face", Box(0.0, 0.2, 0.1, 0.33), 0.9, "faces")  # cut by the frame's side
    assert person_distance([], cut, LENS) is None


def scene(*detections: Detection) -> Scene:
    return Scene(1, 1280, 960, detections)


def test_within_reach_first_then_people_then_obstacles_then_things() -> None:
    items = findings(
        scene(
            Detection("cup", Box(0.45, 0.6, 0.5, 0.65), 0.9, "objects"),
            Detection("chair", Box(0.8, 0.3, 0.95, 0.9), 0.8, "objects"),  # ~2 m
            Detection("chair", Box(0.0, 0.5, 0.1, 0.7), 0.8, "objects"),  # ~6 m
            Detection("suitcase", Box(0.1, 0.05, 0.9, 0.95), 0.8, "objects"),  # within reach
            Detection("face", Box(0.45, 0.3, 0.52, 0.4), 0.9, "faces", facing="towards"),
            Detection("hand", Box(0.4, 0.8, 0.5, 0.9), 0.9, "hands", side="left"),
        ),
        HFOV,
        VFOV,
    )
    assert [(f.label, f.clock) for f in items] == [
        ("suitcase", 12),
        ("person", 12),
        ("chair", 1),
        ("chair", 11),
        ("cup", 12),
    ]
    assert items[1].facing == "towards"


def test_people_at_similar_distances_are_said_left_to_right() -> None:
    faces = [
        Detection("face", Box(x, 0.3, x + 0.06, 0.38), 0.9, "faces", facing="towards")
        for x in (0.8, 0.1, 0.45)
    ]  # all about 2.5 m away
    far = Detection("face", Box(0.6, 0.3, 0.62, 0.33), 0.9, "faces")  # about 7 m
    items = findings(scene(*faces, far), HFOV, VFOV)
    assert [(f.clock, distance_words(f.distance_m, Phrases("en"))) for f in items] == [
        (11, "about 3 metres"),
        (12, "about 3 metres"),
        (1, "about 3 metres"),
        (12, "about 8 metres"),
    ]


def test_one_person_seen_by_three_detectors_is_one_person() -> None:
    items = findings(
        scene(
            person(Box(0.3, 0.1, 0.7, 0.99), facing="away", px_per_m=LENS.focal_px / 0.9),
            Detection("person", Box(0.31, 0.12, 0.69, 0.98), 0.7, "objects"),
            Detection("face", Box(0.45, 0.15, 0.55, 0.3), 0.9, "faces", facing="towards"),
        ),
        HFOV,
        VFOV,
    )
    assert len(items) == 1
    assert items[0].facing == "towards"  # a face seen beats the shoulders' guess
    by_face = FACE_BOX_WIDTH_M * LENS.focal_px / (0.1 * 1280)
    assert items[0].distance_m == pytest.approx(math.sqrt(0.9 * by_face))


def test_same_things_in_one_direction_are_counted() -> None:
    chairs = [
        Detection("chair", Box(0.5 + i / 100, 0.3, 0.6, 0.6), 0.8, "objects") for i in range(3)
    ]
    far = Detection("chair", Box(0.5, 0.3, 0.52, 0.34), 0.8, "objects")  # same way, farther
    items = findings(scene(*chairs, far), HFOV, VFOV)
    assert [(f.label, f.count) for f in items] == [("chair", 3), ("chair", 1)]


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
         "2 people at 1 o'clock, about 6 metres, turned away.",
         "2 человека на 1 час, примерно 6 метров, спиной к вам."),
        (Finding("chair", 11, 0.4, count=5),
         "5 chairs at 11 o'clock, within arm's reach.",
         "5 стульев на 11 часов, на расстоянии вытянутой руки."),
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


def test_distances_are_rounded_as_honestly_as_they_are_known() -> None:
    said = [rounded(d) for d in (0.5, 0.99, 1.2, 2.6, 4.4, 5.2, 6.9, 9.4, 11, None)]
    assert said == [
        ("reach", 0), ("reach", 0), ("about", 1), ("about", 3), ("about", 4), ("about", 6),
        ("about", 6), ("about", 10), ("far", 0), None,
    ]  # fmt: skip
    ru = Phrases("ru")
    assert [distance_words(d, ru) for d in (0.5, 1.2, 2.6, 4.4, 11)] == [
        "на расстоянии вытянутой руки", "примерно 1 метр", "примерно 3 метра",
        "примерно 4 метра", "далеко",
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
