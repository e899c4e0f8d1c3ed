"""Figures for the report, written deterministically (no timestamps or tool versions embedded)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from embedlab.atomic import atomic_output


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def accuracy_bars(rows: Sequence[dict[str, Any]], path: str | os.PathLike[str]) -> None:
    """Horizontal bars of accuracy per section, pooled rows (semantic/syntactic/total) last."""
    plt = _figure()
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
