"""Figures keep their titles inside the picture: no text is cut at the edges."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlab.common.plots import plot_confusion, plot_tsne, titled

NOTES = (
    "analysis.n_labels 5 -> 3: the data hold only 3 classes\n"
    "analysis.tsne.perplexity 30 -> 7.66667: the 'first' subset has 24 images\n"
    "weights: random (untrained VGG16): features of an untrained network, not learnt ones"
)


def margins_are_blank(png: Path) -> bool:
    """True when the outermost 2 pixels on every side are background: nothing was clipped."""
    pixels = np.asarray(Image.open(png).convert("L"), dtype=np.int16)
    edges = [pixels[:2], pixels[-2:], pixels[:, :2], pixels[:, -2:]]
    return all((edge >= 250).all() for edge in edges)


@pytest.mark.parametrize("k", [3, 10, 67])
def test_confusion_titles_fit(tmp_path: Path, k: int) -> None:
    classes = [f"class_{i:02d}_with_a_long_name" for i in range(k)]
    cm = np.eye(k, dtype=int) * 2
    title = titled(
        "Linear SVM (C=1), test split: accuracy 1.000,\nmean per-class accuracy 1.000", NOTES
    )
    plot_confusion(cm, classes, title, tmp_path / "c.png", tmp_path / "c.svg")
    assert margins_are_blank(tmp_path / "c.png")


def test_tsne_titles_fit(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    labels = np.array([f"digit_{i % 10}" for i in range(200)])
    title = titled("t-SNE of 200 images, perplexity 30\nopenTSNE 1.0.4, Barnes-Hut", NOTES)
    plot_tsne(
        rng.normal(size=(200, 2)),
        labels,
        sorted(set(labels)),
        title,
        tmp_path / "t.png",
        tmp_path / "t.svg",
    )
    assert margins_are_blank(tmp_path / "t.png")


def test_the_check_sees_a_clipped_title(tmp_path: Path) -> None:
    """The check itself can fail: a title drawn past the top edge is caught."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 3))
    FigureCanvasAgg(fig)
    fig.add_subplot().set_title("a title far too long for this small figure " * 3)
    fig.savefig(tmp_path / "bad.png")
    assert not margins_are_blank(tmp_path / "bad.png")
