"""Figures for the report, written deterministically (no timestamps or tool versions embedded):
the Google analogy accuracy bars, the t-SNE scatter and the SVM confusion matrix.

Equal inputs give byte-identical SVG (and PNG with the same matplotlib/freetype build).
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from embedlab.common.atomic import atomic_output

# Fixed salt: matplotlib otherwise derives SVG element ids from a random salt.
_RC = {"svg.hashsalt": "embedlab", "svg.fonttype": "none", "figure.dpi": 100}
_DPI = 150
_FIT = {"bbox_inches": "tight", "pad_inches": 0.15}


def figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def accuracy_bars(rows: Sequence[dict[str, Any]], path: str | os.PathLike[str]) -> None:
    """Horizontal bars of accuracy per section, pooled rows (semantic/syntactic/total) last."""
    plt = figure()
    names = [str(r["section"]) for r in rows]
    acc = [100 * float(r["accuracy"]) if r["seen"] else 0.0 for r in rows]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 1.2), dpi=100)
    colors = [
        "#4c72b0" if n not in ("semantic", "syntactic", "total") else "#dd8452" for n in names
    ]
    ax.barh(range(len(rows)), acc, color=colors)
    ax.set_yticks(range(len(rows)), names)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("accuracy (%) over seen questions")
    for y, (a, r) in enumerate(zip(acc, rows, strict=True)):
        ax.text(a + 1, y, f"{a:.1f}  ({r['seen']}/{r['questions']})", va="center", fontsize=8)
    ax.set_title("Google analogy benchmark (3CosAdd)")
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)


def titled(text: str, note: str | None, width: int = 64) -> str:
    """The plot's title, with its notes (the untrained-network note, settings adapted to the
    data), each wrapped to fit, when there are any."""
    if not note:
        return text
    return "\n".join([text, *(textwrap.fill(f"[{line}]", width) for line in note.splitlines())])


def _styles(n: int) -> list[tuple[Any, str]]:
    """Colour and marker per class: tab10 up to 10 classes, else tab20 x 4 markers (80 styles).

    A qualitative palette with markers rather than a continuous colour map, whose neighbouring
    hues (and both ends of 'hsv') cannot be told apart at 67 classes.
    """
    from matplotlib import colormaps

    if n <= 10:
        return [(colormaps["tab10"](i), "o") for i in range(n)]
    markers = "os^D"
    return [(colormaps["tab20"](i % 20), markers[(i // 20) % len(markers)]) for i in range(n)]


def save_figure(fig: Figure, png: str | os.PathLike[str], svg: str | os.PathLike[str]) -> None:
    """PNG and SVG without dates or version strings, so equal inputs give equal bytes; the
    picture is fitted to everything drawn (titles with notes, long class names), so no text is
    cut at the edges."""
    import matplotlib

    with matplotlib.rc_context(_RC):
        FigureCanvasAgg(fig)
        with atomic_output(png) as tmp:
            fig.savefig(tmp, format="png", dpi=_DPI, metadata={"Software": None}, **_FIT)
        with atomic_output(svg) as tmp:
            fig.savefig(tmp, format="svg", metadata={"Date": None, "Creator": None}, **_FIT)


def plot_tsne(
    coords: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str],
    title: str,
    png: str | os.PathLike[str],
    svg: str | os.PathLike[str],
) -> None:
    """Scatter of the 2-D map, one style per class, legend (25 names a column) beside the axes."""
    ncol = 1 + (len(classes) - 1) // 25
    width = max(len(c) for c in classes)
    fig = Figure(figsize=(6.5 + ncol * (0.6 + 0.065 * width), 6.5))
    ax = fig.add_subplot()
    for cls, (colour, marker) in zip(classes, _styles(len(classes)), strict=True):
        pts = coords[labels == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=8, color=colour, marker=marker, label=cls, linewidths=0)
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, markerscale=2, ncol=ncol)
    fig.tight_layout()
    save_figure(fig, png, svg)


def plot_confusion(
    cm: np.ndarray,
    classes: Sequence[str],
    title: str,
    png: str | os.PathLike[str],
    svg: str | os.PathLike[str],
) -> None:
    """Row-normalised confusion matrix (rows: true class), with counts written in small grids."""
    k = len(classes)
    rows = cm.sum(axis=1, keepdims=True)
    frac = np.divide(cm, rows, out=np.zeros(cm.shape, dtype=float), where=rows > 0)
    size = max(6.5, 0.22 * k + 3)
    fig = Figure(figsize=(size, size))
    ax = fig.add_subplot()
    im = ax.imshow(frac, vmin=0, vmax=1, cmap="Blues")
    ax.set_xticks(range(k), classes, rotation=90, fontsize=8 if k <= 20 else 5)
    ax.set_yticks(range(k), classes, fontsize=8 if k <= 20 else 5)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if k <= 20:
        for i in range(k):
            for j in range(k):
                colour = "white" if frac[i, j] > 0.5 else "black"
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7, color=colour)
    fig.colorbar(im, ax=ax, fraction=0.046, label="fraction of true class")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    save_figure(fig, png, svg)
