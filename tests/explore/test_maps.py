"""The interactive maps without a browser: which words the word map writes (frequency first, no
two labels touching, none across the plot's edge), where the analogy labels go (beside their
points, overlapping no other label or point, inside the padded ranges), and that maps of the
default config's size stay well under the single-file report's 2 MB data: URLs. The browser
side (the labels drawn, picked again on zoom, no sideways scrolling in the report's frame):
tests/workflow/test_report.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlab.explore.labels import (
    labels_beside_points,
    overlapping_pairs,
    padded_range,
    pick_labels,
    text_sizes,
    to_pixels,
)
from embedlab.explore.page import DATA_URL_LIMIT, data_url_length, fits_a_data_url

FRAME = (400.0, 300.0)


def centred(px: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    return np.column_stack([px - sizes / 2, px + sizes / 2])


def inside(boxes: np.ndarray, frame: tuple[float, float]) -> bool:
    return bool((boxes[:, :2] >= 0).all() and (boxes[:, 2:] <= np.array(frame)).all())


def test_labels_go_in_frequency_order_without_touching() -> None:
    rng = np.random.default_rng(0)
    px = rng.uniform((-20, -20), (420, 320), size=(600, 2))  # some near or past the edges
    px[0] = (200, 150)
    words = ["the", *("w" * int(n) for n in rng.integers(1, 12, size=599))]
    sizes = text_sizes(words, 11)
    kept = pick_labels(px, sizes, FRAME, budget=100, gap=2.0)
    assert kept[0] == 0 and kept == sorted(kept)  # the most frequent word first
    assert 20 < len(kept) <= 100
    boxes = centred(px, sizes)
    assert inside(boxes[kept], FRAME)
    assert overlapping_pairs(boxes[kept]) == []
    grown = boxes[kept] + np.array([-1, -1, 1, 1])  # the 2 px gap: 1 px around each box
    assert overlapping_pairs(grown) == []
    # greedy: each word left out before the last one kept touches an earlier label or the edge
    for i in set(range(kept[-1])) - set(kept):
        earlier = [k for k in kept if k < i]
        blocked = overlapping_pairs(np.vstack([boxes[i] + [-2, -2, 2, 2], boxes[earlier]]))
        assert not inside(boxes[i : i + 1], FRAME) or any(a == 0 for a, _ in blocked), i
    # a smaller budget: the first of the same labels
    assert pick_labels(px, sizes, FRAME, budget=7, gap=2.0) == kept[:7]
    assert pick_labels(px, sizes, FRAME, budget=0) == []


def test_padded_range_leaves_room_at_both_edges() -> None:
    start, end = padded_range(np.array([3.0, 0.0, 10.0]), 100.0, 10.0)
    assert (start, end) == pytest.approx((-1.25, 11.25))
    px = to_pixels(np.array([[0.0, 0.0], [10.0, 10.0]]), (start, end), (start, end), (100, 100))
    assert px[:, 0] == pytest.approx([10.0, 90.0])
    assert padded_range(np.array([2.0, 2.0]), 100.0, 10.0) == pytest.approx((1.375, 2.625))
    with pytest.raises(ValueError, match="no room"):
        padded_range(np.array([0.0, 1.0]), 100.0, 50.0)


# the shapes that went wrong on the default config's analogy panel: 'tokyo' and 'japan' side
# by side, 'swim', 'swimming', 'walk', 'walking' in a knot, 'walking' the rightmost point
CROWDED = {
    "tokyo": (0.0, 3.0),
    "japan": (0.15, 3.02),
    "frankfurt": (-1.5, 1.5),
    "germany": (-1.3, 0.9),
    "swim": (2.6, 0.35),
    "swimming": (2.58, 0.0),
    "walk": (2.62, 0.02),
    "walking": (2.64, -0.05),
    "king": (0.4, -2.5),
    "queen": (0.5, -2.55),
    "man": (1.9, -0.9),
    "woman": (1.9, -1.4),
}


@pytest.mark.parametrize("frame", [(600.0, 420.0), (300.0, 200.0)])
def test_analogy_labels_neither_overlap_nor_leave_the_plot(frame: tuple[float, float]) -> None:
    words = list(CROWDED)
    xy = np.array(list(CROWDED.values()))
    layout = labels_beside_points(xy, words, frame, font_px=11, radius=4.0)
    assert inside(layout.boxes, frame)
    assert overlapping_pairs(layout.boxes) == []
    # the ranges hold every point, a label's reach from either edge
    assert layout.px.min() > 0 and (layout.px.max(axis=0) < np.array(frame)).all()
    assert layout.px == pytest.approx(to_pixels(xy, layout.x_range, layout.y_range, frame))
    # no label covers another word's point; each sits next to its own
    dots = np.column_stack([layout.px - 4, layout.px + 4])
    for i, box in enumerate(layout.boxes):
        others = np.delete(dots, i, axis=0)
        assert all(a != 0 for a, _ in overlapping_pairs(np.vstack([box, others]))), words[i]
        centre = (box[:2] + box[2:]) / 2
        assert np.abs(centre - layout.px[i]).max() < 80, words[i]
    # the same input, the same layout
    again = labels_beside_points(xy, words, frame, font_px=11, radius=4.0)
    assert np.array_equal(again.boxes, layout.boxes)


def test_default_size_maps_fit_a_data_url(tmp_path: Path) -> None:
    """The default config's maps, in size: 200 digits of 64 px (grey, blocky: upscaled 8 x 8)
    with 48 px thumbnails, and 2,000 words with five analogy queries. Each page stays under
    60% of Chromium's 2 MB data: URL once the single-file report base64-encodes it."""
    from embedlab.explore.maps import image_map
    from embedlab.explore.thumbnails import thumbnail_uri
    from embedlab.explore.wordmap import analogy_arrows, word_map

    rng = np.random.default_rng(0)
    paths, labels = [], []
    for i in range(200):
        digit = rng.integers(0, 17, size=(8, 8)).astype(np.uint8) * 15
        path = f"{i % 10}/digit_{i:04d}.png"
        (tmp_path / path).parent.mkdir(exist_ok=True)
        Image.fromarray(digit, "L").resize((64, 64), Image.Resampling.NEAREST).save(tmp_path / path)
        paths.append(path)
        labels.append(str(i % 10))
    thumbs = [thumbnail_uri(tmp_path, p, 48) for p in paths]
    assert all(t.startswith("data:image/jpeg;base64,") for t in thumbs)
    size = image_map(rng.normal(size=(200, 2)), labels, paths, thumbs, tmp_path / "i.html", "m")
    assert fits_a_data_url(size) and data_url_length(size) < 0.6 * DATA_URL_LIMIT, size

    words = [
        "".join(rng.choice(list("etaoinshrdlu"), size=int(n))) for n in rng.integers(2, 11, 2000)
    ]
    names = ["king", "man", "woman", "queen", "paris", "france", "italy", "rome"]
    words[100:108] = names
    vectors = {w: rng.normal(size=50) for w in names}
    queries = [
        ("king - man + woman", [(1, "king"), (-1, "man"), (1, "woman")], "queen"),
        ("paris - france + italy", [(1, "paris"), (-1, "france"), (1, "italy")], "rome"),
    ]
    arrows, coords = analogy_arrows(queries, vectors)
    clusters = rng.integers(0, 8, size=2000)
    size = word_map(
        rng.normal(size=(2000, 2)) * 20,
        words,
        list(range(1, 2001)),
        clusters,
        arrows,
        coords,
        tmp_path / "w.html",
        "words",
    )
    assert fits_a_data_url(size) and data_url_length(size) < 0.6 * DATA_URL_LIMIT, size
    page = (tmp_path / "w.html").read_text(encoding="utf-8")
    assert '"king"' in page and "<script src=" not in page
