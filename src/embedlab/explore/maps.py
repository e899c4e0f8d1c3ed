"""Interactive maps for the report: self-contained bokeh pages (`page.py`: BokehJS inlined,
compressed; thumbnails as data URIs), so a page opens offline, from disk or inside either form
of the Snakemake report, and fits the report's frame without sideways scrolling (the plots
stretch to the frame's width).

- the image map (`image_map`): the t-SNE map of every image, one legend entry per class (a
  click hides it), the thumbnail, class and file name on hover;
- the word map (`wordmap.word_map`): the most frequent words written on their t-SNE map, and
  the analogy queries as arrows on a PCA of their own words.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from embedlab.explore.page import save_page

MARKERS = ("circle", "square", "triangle", "diamond")
# the plots' height; their width is the page's (the report's frame: about 950 px in a
# 1400 px window)
MAP_HEIGHT = 700
TOOLS = "pan,wheel_zoom,box_zoom,reset,save"


def palette(n: int) -> list[tuple[str, str]]:
    """Colour and marker per class: Category10 up to 10 classes, else Category20 x 4 markers."""
    from bokeh.palettes import Category10, Category20

    if n <= 10:
        return [(Category10[10][i], "circle") for i in range(n)]
    return [(Category20[20][i % 20], MARKERS[(i // 20) % len(MARKERS)]) for i in range(n)]


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
) -> int:
    """The t-SNE map of the images: hover shows thumbnail, class and file; legend toggles.
    Returns the page's size in bytes."""
    from bokeh.models import ColumnDataSource, HoverTool, Legend, LegendItem
    from bokeh.plotting import figure

    labels_a, paths_a = np.asarray(labels), np.asarray(paths)
    classes = sorted(set(labels_a.tolist()))
    fig = figure(sizing_mode="stretch_width", height=MAP_HEIGHT, tools=TOOLS)
    fig.xaxis.visible = fig.yaxis.visible = False
    items = []
    for cls, (colour, marker) in zip(classes, palette(len(classes)), strict=True):
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
    return save_page(fig, out, title, note)
