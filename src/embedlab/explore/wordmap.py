"""The interactive word map, readable without hovering:

- the t-SNE map of the most frequent words, each point coloured by a seeded KMeans clustering
  of the word vectors, and the most frequent words written on it: in frequency order, each
  word whose label fits the view without touching one written before, up to a budget. Zooming
  or panning picks again among the words in view (`PICK_LABELS_JS`, the browser's twin of
  `labels.pick_labels`), so more words appear as you zoom in; hovering shows word and rank;
- the analogy offsets: each query's words on a 2-D PCA projection of their own vectors, an
  arrow from the first word to the answer beside one from the subtracted word to the added one
  (king -> queen beside man -> woman); t-SNE does not keep such offsets, a linear map does.
  Each word's label sits beside its point where it overlaps no other label and no point, and
  the ranges leave room for every label inside the plot.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from embedlab.explore.labels import (
    LINE_EM,
    labels_beside_points,
    padded_range,
    pick_labels,
    text_sizes,
    to_pixels,
)
from embedlab.explore.maps import TOOLS, palette
from embedlab.explore.page import save_page

if TYPE_CHECKING:
    from bokeh.plotting import figure

FONT_PX = 11
FONT_FAMILY = "helvetica"  # bokeh's text font
FONT = f"{FONT_PX}px {FONT_FAMILY}"  # as the browser measures a label
LABEL_GAP = 2.0
# the t-SNE plot's frame as laid out in the report (about 950 px wide); the browser picks the
# labels again for the real size as soon as the plot is laid out
TSNE_FRAME = (880.0, 600.0)
TSNE_PAD_PX = 24.0
# the analogy plot: a fixed frame, so that the labels are placed for the size they are drawn at
PCA_FRAME = (600.0, 420.0)
DOT_RADIUS = 4.0


@dataclass
class Arrow:
    """One analogy query drawn: its words, and the two offsets to compare."""

    query: str
    words: list[str]  # a, b, c, answer for 'a - b + c'
    pairs: list[tuple[str, str]]  # (a -> answer), (b -> c)


def word_clusters(vectors: np.ndarray, k: int, seed: int) -> np.ndarray:
    """KMeans (seeded) on the L2-normalised vectors: cosine neighbourhoods. Clusters are
    numbered by their first word in the given order, so the most frequent word is in 0."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    k = max(1, min(k, len(vectors)))
    x = np.asarray(vectors, dtype=np.float64)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    with threadpool_limits(1):  # one thread: sums in one order, the same clusters everywhere
        raw = KMeans(n_clusters=k, n_init=1, random_state=seed).fit_predict(x)
    first = {c: rank for rank, c in enumerate(dict.fromkeys(raw.tolist()))}
    return np.array([first[c] for c in raw.tolist()], dtype=np.int64)


def cluster_colours(clusters: np.ndarray) -> list[str]:
    """Dark2 (8 colours dark enough for text), repeated beyond 8 clusters."""
    from bokeh.palettes import Dark2

    return [Dark2[8][c % 8] for c in clusters.tolist()]


PICK_LABELS_JS = """
let width, height;
try {
  width = plot.inner_width;
  height = plot.inner_height;
} catch (error) {
  return;  // not laid out yet: the layout calls again
}
if (!(width > 0 && height > 0)) return;
const measure = (window.embedlabMeasure ??= (() => {
  const context = document.createElement("canvas").getContext("2d");
  const known = new Map();
  return (text) => {
    if (!known.has(text)) {
      context.font = font;
      known.set(text, context.measureText(text).width + 2);
    }
    return known.get(text);
  };
})());
const {x, y, word, colour} = points.data;
const sx = width / (xr.end - xr.start), sy = height / (yr.end - yr.start);
const boxes = [], out = {x: [], y: [], word: [], colour: []};
for (let i = 0; i < word.length && boxes.length < budget; i++) {
  const px = (x[i] - xr.start) * sx, py = (y[i] - yr.start) * sy;
  const hw = measure(word[i]) / 2, hh = line / 2;
  const b = [px - hw, py - hh, px + hw, py + hh];
  if (b[0] < 0 || b[1] < 0 || b[2] > width || b[3] > height) continue;
  if (boxes.some((o) => o[0] < b[2] + gap && b[0] < o[2] + gap &&
                        o[1] < b[3] + gap && b[1] < o[3] + gap)) continue;
  boxes.push(b);
  out.x.push(x[i]); out.y.push(y[i]); out.word.push(word[i]); out.colour.push(colour[i]);
}
shown.data = out;
"""


def _tsne_figure(
    coords: np.ndarray,
    words: Sequence[str],
    ranks: Sequence[int],
    colours: Sequence[str],
    budget: int,
) -> figure:
    from bokeh.core.properties import value
    from bokeh.models import ColumnDataSource, CustomJS, HoverTool, Range1d
    from bokeh.plotting import figure

    x_range = padded_range(coords[:, 0], TSNE_FRAME[0], TSNE_PAD_PX)
    y_range = padded_range(coords[:, 1], TSNE_FRAME[1], TSNE_PAD_PX)
    points = ColumnDataSource(
        {
            "x": coords[:, 0],
            "y": coords[:, 1],
            "word": list(words),
            "rank": list(ranks),
            "colour": list(colours),
        }
    )
    # the labels before the browser lays the plot out (estimated widths, nominal frame)
    px = to_pixels(coords, x_range, y_range, TSNE_FRAME)
    first = pick_labels(px, text_sizes(words, FONT_PX), TSNE_FRAME, budget, LABEL_GAP)
    shown = ColumnDataSource(
        {
            "x": coords[first, 0],
            "y": coords[first, 1],
            "word": [words[i] for i in first],
            "colour": [colours[i] for i in first],
        }
    )
    fig = figure(
        sizing_mode="stretch_width",
        height=int(TSNE_FRAME[1]) + 10,  # the frame, and a border of 5 px
        x_range=Range1d(*x_range),
        y_range=Range1d(*y_range),
        tools=TOOLS,
    )
    fig.xaxis.visible = fig.yaxis.visible = fig.grid.visible = False
    dots = fig.scatter("x", "y", source=points, size=5, alpha=0.45, color="colour")
    fig.text(
        "x",
        "y",
        text="word",
        source=shown,
        text_color="colour",
        text_font=value(FONT_FAMILY),
        text_font_size=f"{FONT_PX}px",
        text_align="center",
        text_baseline="middle",
        background_fill_color="white",
        background_fill_alpha=0.7,
        name="word labels",
    )
    fig.add_tools(
        HoverTool(
            renderers=[dots], tooltips="<div class='embedlab-tip'><b>@word</b> (rank @rank)</div>"
        )
    )
    pick = CustomJS(
        args={
            "points": points,
            "shown": shown,
            "plot": fig,
            "xr": fig.x_range,
            "yr": fig.y_range,
            "budget": budget,
            "font": FONT,
            "line": LINE_EM * FONT_PX,
            "gap": LABEL_GAP,
        },
        code=PICK_LABELS_JS,
    )
    for axis in (fig.x_range, fig.y_range):
        axis.js_on_change("start", pick)
        axis.js_on_change("end", pick)
    fig.js_on_change("inner_width", pick)
    fig.js_on_change("inner_height", pick)
    return fig


def _analogy_figure(arrows: Sequence[Arrow], arrow_coords: dict[str, np.ndarray]) -> figure:
    from bokeh.core.properties import value
    from bokeh.models import Arrow as BokehArrow
    from bokeh.models import ColumnDataSource, HoverTool, LabelSet, Range1d, VeeHead
    from bokeh.plotting import figure

    names = sorted(arrow_coords)
    xy = np.array([arrow_coords[w] for w in names], dtype=np.float64)
    layout = labels_beside_points(xy, names, PCA_FRAME, FONT_PX, DOT_RADIUS)
    source = ColumnDataSource(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "word": names,
            "dx": layout.boxes[:, 0] - layout.px[:, 0],
            "dy": layout.boxes[:, 1] - layout.px[:, 1],
        }
    )
    fig = figure(
        title="Analogy offsets on a 2-D PCA of the queries' words",
        frame_width=int(PCA_FRAME[0]),
        frame_height=int(PCA_FRAME[1]),
        x_range=Range1d(*layout.x_range),
        y_range=Range1d(*layout.y_range),
        tools="pan,wheel_zoom,reset,save",
    )
    fig.xaxis.visible = fig.yaxis.visible = fig.grid.visible = False
    dots = fig.scatter("x", "y", source=source, size=2 * DOT_RADIUS, color="#333333")
    fig.add_layout(
        LabelSet(
            x="x",
            y="y",
            text="word",
            source=source,
            x_offset="dx",
            y_offset="dy",
            text_align="left",
            text_baseline="bottom",
            text_font=value(FONT_FAMILY),
            text_font_size=f"{FONT_PX}px",
            background_fill_color="white",
            background_fill_alpha=0.7,
            name="analogy labels",
        )
    )
    fig.add_tools(
        HoverTool(renderers=[dots], tooltips="<div class='embedlab-tip'><b>@word</b></div>")
    )
    colours = palette(max(2, 2 * len(arrows)))
    for i, arrow in enumerate(arrows):
        for j, (start, end) in enumerate(arrow.pairs):
            (x0, y0), (x1, y1) = arrow_coords[start], arrow_coords[end]
            colour = colours[(2 * i + j) % len(colours)][0]
            fig.add_layout(
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
    return fig


def word_map(
    coords: np.ndarray,
    words: Sequence[str],
    ranks: Sequence[int],
    clusters: np.ndarray,
    arrows: Sequence[Arrow],
    arrow_coords: dict[str, np.ndarray],
    out: str | os.PathLike[str],
    title: str,
    note: str | None = None,
    labels: int = 300,
) -> int:
    """The t-SNE word map with up to `labels` words written on it (words in frequency order,
    coloured by `clusters`) and, below it, the analogy arrows. Returns the page's size."""
    from bokeh.layouts import column

    parts = [_tsne_figure(coords, words, ranks, cluster_colours(clusters), labels)]
    if arrows:
        parts.append(_analogy_figure(arrows, arrow_coords))
    return save_page(column(*parts, sizing_mode="stretch_width"), out, title, note)


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
