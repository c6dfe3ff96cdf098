"""Which marks of ink are letters: shaped like them, and lined up with their neighbours.

Marks are the connected blobs of an ink mask (text_region), given as OpenCV's component stats
and centroids. Letters have a neighbour of similar height close beside them (`letter_like`), and,
once the lines' angle is known, they chain up along the line with gaps no wider than a word space
(`on_lines`): slivers along a card's edge, specks of noise and pieces of pictures rarely do.
Neighbours come from OpenCV's FLANN k-d trees; chains from a small union-find in numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Indices = npt.NDArray[np.intp]
Stats = npt.NDArray[np.int32]

MIN_MARK_PX = 4
"""Marks smaller than this (at analysis size) are specks, not letters."""
HEIGHT_SPREAD = 0.35
"""Printed letters of a line vary in height (x-height, capitals, ascenders) by less than this
share of their mean (standard deviation)."""
BASELINE_SPREAD = 0.15
"""...and their bottoms keep within this share of their height of one baseline (median absolute
deviation: a few descenders do not count)."""
MAX_MARKS = 20000
"""A frame with more candidate marks than this is texture (gravel, foliage), not text."""


def nearest(points: FloatArray, k: int) -> npt.NDArray[np.int32]:
    """For each point, the indices of its `k` nearest points (itself among them), by k-d tree."""
    k = min(k, len(points))
    features = np.ascontiguousarray(points, dtype=np.float32)
    index = cv2.flann.Index(features, {"algorithm": 1, "trees": 1})  # one k-d tree
    # Unlimited checks: an exact search (an approximate one may come back short and assert).
    found, _distances = index.knnSearch(features, k, params={"checks": -1})
    return np.asarray(found, dtype=np.int32).reshape(len(points), k)


def chains(count: int, first: npt.NDArray[np.int32], second: npt.NDArray[np.int32]) -> Indices:
    """Connected groups of `count` items linked pairwise: each item's group number."""
    group = np.arange(count, dtype=np.intp)
    while True:
        low = np.minimum(group[first], group[second])
        before = group.copy()
        np.minimum.at(group, first, low)
        np.minimum.at(group, second, low)
        group = group[group]  # point straight at the group's lowest member
        if np.array_equal(group, before):
            return np.asarray(np.unique(group, return_inverse=True)[1], dtype=np.intp)


def mark_boxes(stats: Stats) -> FloatArray:
    """Each mark's box: left, top, right, bottom."""
    left = stats[:, cv2.CC_STAT_LEFT].astype(np.float64)
    top = stats[:, cv2.CC_STAT_TOP].astype(np.float64)
    right = left + stats[:, cv2.CC_STAT_WIDTH]
    bottom = top + stats[:, cv2.CC_STAT_HEIGHT]
    return np.stack([left, top, right, bottom], axis=1)


def letter_like(stats: Stats, centroids: FloatArray, shape: tuple[int, ...]) -> Indices:
    """Indices of marks shaped like letters (or words run together) with a neighbour of similar
    height (or width, for lines held sideways) close by; blobs far bigger than the typical mark,
    or solid, are left out."""
    w = stats[:, cv2.CC_STAT_WIDTH].astype(np.float64)
    h = stats[:, cv2.CC_STAT_HEIGHT].astype(np.float64)
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    size = np.maximum(w, h)
    fill = area / np.maximum(w * h, 1)
    ok = (size >= MIN_MARK_PX) & (size <= shape[0] / 3) & (area >= 6) & (fill > 0.08)
    ok &= (w <= 12 * h) & (h <= 12 * w)
    ok[0] = False  # the background
    candidates = np.flatnonzero(ok)
    if candidates.size < 2 or candidates.size > MAX_MARKS:
        return candidates[:0]
    points = centroids[candidates]
    heights, widths = h[candidates], w[candidates]
    # Sixteen neighbours: the lines above and below can be nearer than the next word.
    neighbours = nearest(points, 16)
    good = np.zeros(candidates.size, dtype=bool)
    for column in range(neighbours.shape[1]):
        other = neighbours[:, column]
        itself = other == np.arange(other.size)
        gap_x = np.abs(points[other, 0] - points[:, 0]) - (widths + widths[other]) / 2
        gap_y = np.abs(points[other, 1] - points[:, 1]) - (heights + heights[other]) / 2
        gap = np.hypot(np.maximum(gap_x, 0), np.maximum(gap_y, 0))
        # Upright lines: letters of like height; lines held sideways: of like width.
        for size in (heights, widths):
            ratio = size[other] / size
            near = gap < 1.2 * np.maximum(size, size[other])
            good |= near & (ratio > 0.4) & (ratio < 2.5) & ~itself
    kept: Indices = candidates[good]
    if kept.size < 3:
        return kept
    # Judged by the smaller side, which is a letter's height (or width) whichever way the line
    # runs: merged letters make a long blob, not a wide one.
    thickness = np.minimum(w[kept], h[kept])
    typical = float(np.median(thickness))
    solid = (fill[kept] > 0.85) & (thickness > 2.0 * typical)
    return np.asarray(kept[(thickness <= 5.0 * typical) & ~solid], dtype=np.intp)


@dataclass(frozen=True)
class Lines:
    marks: Indices
    """The marks on lines (indices into the component stats)."""
    printed: int
    """How many of them are in chains that look printed: three marks or more, of like height,
    standing on one baseline. Fur, foliage and shadows rarely make such a chain."""


def on_lines(stats: Stats, centroids: FloatArray, keep: Indices, angle: float) -> Lines:
    """The marks of `keep` that chain up along lines at `angle` (degrees, counter-clockwise):
    chains of three marks or more, or of two spanning one and a half letter heights, linked
    across gaps of up to two letter heights (a word space, even in a typewriter font)."""
    rad = math.radians(angle)
    cos, sin = math.cos(rad), math.sin(rad)
    cx, cy = centroids[keep, 0], centroids[keep, 1]
    w = stats[keep, cv2.CC_STAT_WIDTH].astype(np.float64)
    h = stats[keep, cv2.CC_STAT_HEIGHT].astype(np.float64)
    along, across = cx * cos - cy * sin, cy * cos + cx * sin
    length = w * abs(cos) + h * abs(sin)  # a mark's extent along the line
    # ...and across it: the box's side across the lines, less what the tilt adds to it.
    upright, sideways = (h, w) if abs(cos) >= abs(sin) else (w, h)
    tall = np.maximum(upright * max(abs(cos), abs(sin)) - sideways * min(abs(cos), abs(sin)),
                      np.minimum(w, h))  # fmt: skip
    # Neighbours along a line first: distances across lines count four times.
    neighbours = nearest(np.stack([along, 4 * across], axis=1), 8)
    firsts, seconds = [], []
    for column in range(neighbours.shape[1]):
        other = neighbours[:, column]
        size = np.maximum(tall, tall[other])
        gap = np.abs(along[other] - along) - (length + length[other]) / 2
        linked = (np.abs(across[other] - across) < 0.6 * size) & (gap < 2.0 * size)
        linked &= other != np.arange(other.size)
        firsts.append(np.flatnonzero(linked).astype(np.int32))
        seconds.append(other[linked])
    chain = chains(keep.size, np.concatenate(firsts), np.concatenate(seconds))
    members = np.bincount(chain)
    start = np.full(members.size, np.inf)
    end = np.full(members.size, -np.inf)
    np.minimum.at(start, chain, along - length / 2)
    np.maximum.at(end, chain, along + length / 2)
    span_ok = (end - start) >= 1.5 * float(np.median(tall))
    good = ((members[chain] >= 2) & span_ok[chain]) | (members[chain] >= 3)
    printed = _printed(chain, members, tall, across + tall / 2)
    return Lines(np.asarray(keep[good], dtype=np.intp), int(np.count_nonzero(printed[chain])))


def _printed(
    chain: Indices, members: npt.NDArray[np.intp], tall: FloatArray, bottoms: FloatArray
) -> npt.NDArray[np.bool_]:
    """For each chain, whether it looks printed: three marks or more whose heights vary little
    (`HEIGHT_SPREAD`) and whose bottoms keep to one line (`BASELINE_SPREAD`)."""
    printed = np.zeros(members.size, dtype=bool)
    for number in np.flatnonzero(members >= 3):
        inside = chain == number
        heights = tall[inside]
        typical = float(np.median(heights))
        if typical <= 0 or float(np.std(heights)) > HEIGHT_SPREAD * float(np.mean(heights)):
            continue
        feet = bottoms[inside]
        printed[number] = float(np.median(np.abs(feet - np.median(feet)))) <= (
            BASELINE_SPREAD * typical
        )
    return printed
