"""Words written on the maps, so that a person reads them without hovering: which labels fit,
where each goes, and how far to pad a plot's ranges so that none is cut off at its edge.

Everything here works in screen pixels of the plot's frame, y upwards (bokeh's data direction),
on boxes (x0, y0, x1, y1). The word map's browser code (`wordmap.PICK_LABELS_JS`) repeats
`pick_labels` whenever the view changes, with the widths the browser measures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# a generous average advance of a character of a sans-serif font, in em; a label's height in em
CHAR_EM = 0.62
LINE_EM = 1.25


def text_sizes(words: Sequence[str], font_px: float) -> np.ndarray:
    """Estimated (width, height) in pixels of each word written at font_px."""
    widths = np.array([len(w) for w in words], dtype=np.float64) * CHAR_EM * font_px + 2
    return np.column_stack([widths, np.full(len(words), LINE_EM * font_px)])


def to_pixels(
    xy: np.ndarray,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    frame: tuple[float, float],
) -> np.ndarray:
    """Data coordinates -> pixels of a frame (width, height) showing x_range x y_range."""
    (x0, x1), (y0, y1) = x_range, y_range
    return np.column_stack(
        [(xy[:, 0] - x0) * frame[0] / (x1 - x0), (xy[:, 1] - y0) * frame[1] / (y1 - y0)]
    )


def _overlaps(boxes: np.ndarray, box: np.ndarray, gap: float) -> np.ndarray:
    """Which of `boxes` come closer than `gap` to `box`."""
    return (
        (boxes[:, 0] < box[2] + gap)
        & (box[0] < boxes[:, 2] + gap)
        & (boxes[:, 1] < box[3] + gap)
        & (box[1] < boxes[:, 3] + gap)
    )


def _inside(box: np.ndarray, frame: tuple[float, float]) -> bool:
    return bool(box[0] >= 0 and box[1] >= 0 and box[2] <= frame[0] and box[3] <= frame[1])


def pick_labels(
    px: np.ndarray, sizes: np.ndarray, frame: tuple[float, float], budget: int, gap: float = 2.0
) -> list[int]:
    """The labels to draw, each centred on its point: in the order given (the word map's is
    frequency order), a label is kept when its box lies inside the frame and keeps `gap` pixels
    from every label kept before it; at most `budget` labels."""
    boxes = np.empty((max(budget, 0), 4))
    kept: list[int] = []
    for i in range(len(px)):
        if len(kept) >= budget:
            break
        half = sizes[i] / 2
        box = np.concatenate([px[i] - half, px[i] + half])
        if _inside(box, frame) and not _overlaps(boxes[: len(kept)], box, gap).any():
            boxes[len(kept)] = box
            kept.append(i)
    return kept


def _candidates(point: np.ndarray, size: np.ndarray, radius: float, gap: float) -> np.ndarray:
    """Boxes a point's label may take, best first: right of the point, left, above, below,
    then right and left stacked one, two, three lines up or down."""
    (x, y), (w, h) = point, size
    right, left = x + radius + gap, x - radius - gap - w
    middle = y - h / 2
    lower = [(right, middle), (left, middle), (x - w / 2, y + radius + gap)]
    lower.append((x - w / 2, y - radius - gap - h))
    for k in (1, 2, 3):
        for dy in (k * h, -k * h):
            lower += [(right, middle + dy), (left, middle + dy)]
    corners = np.array(lower)
    return np.column_stack([corners, corners + size])


def place_labels(
    px: np.ndarray,
    sizes: np.ndarray,
    frame: tuple[float, float],
    radius: float = 4.0,
    gap: float = 3.0,
) -> np.ndarray:
    """A box for every label, beside its point: the first candidate (`_candidates`) inside the
    frame that keeps `gap` pixels from the labels placed before and from every point; where
    none does, the one inside the frame that overlaps least. Returns boxes (n, 4)."""
    dots = np.column_stack([px - radius, px + radius])
    placed = np.empty((len(px), 4))
    for i in range(len(px)):
        candidates = _candidates(px[i], sizes[i], radius, gap)
        # (a frame smaller than the label: its first candidate)
        options = [c for c in candidates if _inside(c, frame)] or [candidates[0]]
        others = np.concatenate([placed[:i], np.delete(dots, i, axis=0)])
        costs = [_overlap_area(others, box, gap) for box in options]
        placed[i] = options[int(np.argmin(costs))]  # the first of the least overlapping
    return placed


def _overlap_area(boxes: np.ndarray, box: np.ndarray, gap: float) -> float:
    w = np.minimum(boxes[:, 2] + gap, box[2]) - np.maximum(boxes[:, 0] - gap, box[0])
    h = np.minimum(boxes[:, 3] + gap, box[3]) - np.maximum(boxes[:, 1] - gap, box[1])
    return float((np.clip(w, 0, None) * np.clip(h, 0, None)).sum())


def padded_range(values: np.ndarray, length_px: float, pad_px: float) -> tuple[float, float]:
    """The range of a frame axis `length_px` long that shows every value at least `pad_px`
    from either edge (room for a label of that reach on either side)."""
    lo, hi = float(np.min(values)), float(np.max(values))
    inner = length_px - 2 * pad_px
    if inner <= 0:
        raise ValueError(f"a {length_px:g} px frame has no room for {pad_px:g} px labels")
    if hi - lo <= 0:
        lo, hi = lo - 0.5, hi + 0.5
    per_px = (hi - lo) / inner
    return lo - pad_px * per_px, hi + pad_px * per_px


@dataclass
class Layout:
    """Ranges that leave room for every label, and each label's box in frame pixels."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    px: np.ndarray  # the points, in pixels
    boxes: np.ndarray  # the labels (x0, y0, x1, y1), in pixels


def labels_beside_points(
    xy: np.ndarray,
    words: Sequence[str],
    frame: tuple[float, float],
    font_px: float,
    radius: float = 4.0,
    gap: float = 3.0,
) -> Layout:
    """The ranges of a plot whose frame is `frame` pixels, padded so that a label fits beside,
    above or below any point, and each label placed (`place_labels`)."""
    sizes = text_sizes(words, font_px)
    reach = sizes.max(axis=0) + radius + gap
    x_range = padded_range(xy[:, 0], frame[0], float(reach[0]))
    y_range = padded_range(xy[:, 1], frame[1], float(reach[1]))
    px = to_pixels(xy, x_range, y_range, frame)
    return Layout(x_range, y_range, px, place_labels(px, sizes, frame, radius, gap))


def overlapping_pairs(boxes: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of boxes that overlap (touching edges do not count)."""
    return [
        (i, j)
        for i in range(len(boxes))
        for j in (np.flatnonzero(_overlaps(boxes[i + 1 :], boxes[i], 0.0)) + i + 1).tolist()
    ]
