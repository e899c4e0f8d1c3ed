"""Interactive maps for the report: self-contained bokeh HTML (BokehJS inlined, thumbnails as
data URIs), so a page opens offline, from disk or inside the Snakemake report.

- the image map: the t-SNE map of every image, one legend entry per class (a click hides it),
  the thumbnail, class and file name on hover;
- the word map: a seeded t-SNE map of the most frequent words, the word on hover;
- the analogy arrows: each query's words on a 2-D PCA projection of their own vectors, an arrow
  from the first word to the answer beside one from the subtracted word to the added one
  (king -> queen beside man -> woman); t-SNE does not keep such offsets, a linear map does.
"""

from __future__ import annotations

import contextlib
import os
import random
import types
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from embedlab.common.atomic import atomic_output

MARKERS = ("circle", "square", "triangle", "diamond")


def _palette(n: int) -> list[tuple[str, str]]:
    """Colour and marker per class: Category10 up to 10 classes, else Category20 x 4 markers."""
    from bokeh.palettes import Category10, Category20

    if n <= 10:
        return [(Category10[10][i], "circle") for i in range(n)]
    return [(Category20[20][i % 20], MARKERS[(i // 20) % len(MARKERS)]) for i in range(n)]


@contextlib.contextmanager
def _seeded_page_ids(seed: str) -> Iterator[None]:
    """bokeh names a page's document and its root elements with `uuid.uuid4()`; while writing,
    those come from a generator seeded with `seed` instead, so the same map gives the same bytes
    (the models' own ids are already a counter, the same in every fresh job process)."""
    from bokeh.util import serialization

    rng = random.Random(seed)
    seeded = types.SimpleNamespace(uuid4=lambda: uuid.UUID(int=rng.getrandbits(128), version=4))
    original, serialization.uuid = serialization.uuid, seeded  # type: ignore[assignment]
    try:
        yield
    finally:
        serialization.uuid = original


def _save(layout, out: str | os.PathLike[str], title: str) -> None:
    from bokeh.embed import file_html
    from bokeh.resources import INLINE

    with _seeded_page_ids(title):
        page = file_html(layout, INLINE, title)
    with atomic_output(out) as tmp:
        tmp.write_text(page, encoding="utf-8")


def _note(text: str | None):
    from bokeh.models import Div

    return Div(text=f"<b>{text}</b>", width=800) if text else None


def _column(*items):
    from bokeh.layouts import column

    return column(*[i for i in items if i is not None])


IMAGE_TOOLTIP = """
<div class="embedlab-tip">
  <img src="@thumb" alt="@file" style="max-width: 128px; max-height: 128px; display: block;">
  <div><b>@label</b></div>
  <div style="font-size: 10px;">@file</div>
</div>
"""


def image_map(
    coords: np.ndarray,
    labels: Sequence[str],
    paths: Sequence[str],
    thumbs: Sequence[str],
    out: str | os.PathLike[str],
    title: str,
    note: str | None = None,
) -> None:
    """The t-SNE map of the images: hover shows thumbnail, class and file; legend toggles."""
    from bokeh.models import ColumnDataSource, HoverTool, Legend, LegendItem
    from bokeh.plotting import figure

    labels_a, paths_a = np.asarray(labels), np.asarray(paths)
    classes = sorted(set(labels_a.tolist()))
    fig = figure(title=title, width=900, height=750, tools="pan,wheel_zoom,box_zoom,reset,save")
    fig.xaxis.visible = fig.yaxis.visible = False
    items = []
    for cls, (colour, marker) in zip(classes, _palette(len(classes)), strict=True):
        rows = np.flatnonzero(labels_a == cls)
        source = ColumnDataSource(
            {
                "x": coords[rows, 0],
                "y": coords[rows, 1],
                "label": labels_a[rows].tolist(),
                "file": paths_a[rows].tolist(),
                "thumb": [thumbs[i] for i in rows],
            }
        )
        glyph = fig.scatter(
            "x", "y", source=source, size=8, color=colour, marker=marker, alpha=0.85, name=cls
        )
        items.append(LegendItem(label=cls, renderers=[glyph]))
    fig.add_tools(HoverTool(tooltips=IMAGE_TOOLTIP))
    per_column = 25
    for start in range(0, len(items), per_column):
        legend = Legend(items=items[start : start + per_column], click_policy="hide")
        legend.label_text_font_size = "8pt"
        fig.add_layout(legend, "right")
    _save(_column(_note(note), fig), out, title)


@dataclass
class Arrow:
    """One analogy query drawn: its words, and the two offsets to compare."""

    query: str
    words: list[str]  # a, b, c, answer for 'a - b + c'
    pairs: list[tuple[str, str]]  # (a -> answer), (b -> c)


def word_map(
    coords: np.ndarray,
    words: Sequence[str],
    ranks: Sequence[int],
    arrows: Sequence[Arrow],
    arrow_coords: dict[str, np.ndarray],
    out: str | os.PathLike[str],
    title: str,
    note: str | None = None,
) -> None:
    """The t-SNE word map (hover: word and frequency rank) and, beside it, the analogy arrows
    on a PCA projection of the queries' words."""
    from bokeh.layouts import row
    from bokeh.models import Arrow as BokehArrow
    from bokeh.models import ColumnDataSource, HoverTool, LabelSet, VeeHead
    from bokeh.plotting import figure

    source = ColumnDataSource(
        {"x": coords[:, 0], "y": coords[:, 1], "word": list(words), "rank": list(ranks)}
    )
    tsne = figure(title=title, width=750, height=700, tools="pan,wheel_zoom,box_zoom,reset,save")
    tsne.xaxis.visible = tsne.yaxis.visible = False
    points = tsne.scatter("x", "y", source=source, size=5, alpha=0.6, color="#4c72b0")
    tsne.add_tools(
        HoverTool(
            renderers=[points],
            tooltips="<div class='embedlab-tip'><b>@word</b> (rank @rank)</div>",
        )
    )
    parts = [tsne]
    if arrows:
        pca = figure(
            title="Analogy offsets on a 2-D PCA of the queries' words",
            width=600,
            height=700,
            tools="pan,wheel_zoom,reset,save",
        )
        names = sorted(arrow_coords)
        xy = np.array([arrow_coords[w] for w in names])
        words_src = ColumnDataSource({"x": xy[:, 0], "y": xy[:, 1], "word": names})
        dots = pca.scatter("x", "y", source=words_src, size=7, color="#333333")
        pca.add_layout(
            LabelSet(
                x="x",
                y="y",
                text="word",
                source=words_src,
                x_offset=4,
                y_offset=4,
                text_font_size="9pt",
            )
        )
        pca.add_tools(
            HoverTool(renderers=[dots], tooltips="<div class='embedlab-tip'><b>@word</b></div>")
        )
        colours = _palette(max(2, 2 * len(arrows)))
        for i, arrow in enumerate(arrows):
            for j, (start, end) in enumerate(arrow.pairs):
                (x0, y0), (x1, y1) = arrow_coords[start], arrow_coords[end]
                colour = colours[(2 * i + j) % len(colours)][0]
                pca.add_layout(
                    BokehArrow(
                        end=VeeHead(size=10, fill_color=colour, line_color=colour),
                        x_start=x0,
                        y_start=y0,
                        x_end=x1,
                        y_end=y1,
                        line_color=colour,
                        line_width=2,
                    )
                )
        parts.append(pca)
    _save(_column(_note(note), row(*parts)), out, title)


def analogy_arrows(
    queries: Sequence[tuple[str, list[tuple[int, str]], str]], vectors: dict[str, np.ndarray]
) -> tuple[list[Arrow], dict[str, np.ndarray]]:
    """For queries 'a - b + c' answered by d (text, signed terms, answer): arrows a -> d and
    b -> c, and the 2-D PCA coordinates of every word they use (fit on those words only)."""
    arrows = []
    for text, terms, answer in queries:
        plus = [w for s, w in terms if s > 0]
        minus = [w for s, w in terms if s < 0]
        if len(plus) != 2 or len(minus) != 1 or not answer:
            continue  # only the a - b + c form has the two parallel offsets to compare
        a, c, b = plus[0], plus[1], minus[0]
        arrows.append(Arrow(text, [a, b, c, answer], [(a, answer), (b, c)]))
    names = sorted({w for arrow in arrows for w in arrow.words})
    if len(names) < 2:
        return [], {}
    x = np.array([vectors[w] for w in names], dtype=np.float64)
    x -= x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    basis = vt[:2]
    # the sign of each axis fixed by its largest entry, so equal inputs give equal maps
    basis *= np.sign(basis[np.arange(len(basis)), np.argmax(np.abs(basis), axis=1)])[:, None]
    coords = x @ basis.T
    if coords.shape[1] < 2:
        coords = np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))
    return arrows, {w: coords[i] for i, w in enumerate(names)}
