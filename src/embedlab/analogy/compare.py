"""The word-vector models of one run side by side: one table of sizes and benchmark scores, one
figure, and the analogy queries' answers of every model next to each other.

Read from the per-store outputs the earlier rules wrote (results/vectors/<name>.h5 for words and
dimension, results/analogy/<name>/google.tsv, results/similarity/<name>.tsv,
results/analogy/<name>/queries.tsv); nothing is recomputed here.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from embedlab.common.atomic import atomic_output
from embedlab.common.plots import figure
from embedlab.common.tables import read_tsv
from embedlab.vectors.store import store_shape

POOLED = ("semantic", "syntactic", "total")
SIMILARITY = ("wordsim353", "simlex999")


@dataclass(frozen=True)
class ModelFiles:
    """The outputs of one store that the comparison reads."""

    name: str
    store: str | os.PathLike[str]
    google: str | os.PathLike[str]
    similarity: str | os.PathLike[str]
    queries: str | os.PathLike[str]


def analogy_protocol(restrict_vocab: int | None, lowercase: bool) -> str:
    """How the Google benchmark was run, in words (the same for every model of a run)."""
    vocab = (
        "whole vocabulary (Stanford's protocol)"
        if restrict_vocab is None
        else f"first {restrict_vocab:,} words (gensim's restrict_vocab)"
    )
    case = "questions lower-cased" if lowercase else "questions as written"
    return f"3CosAdd, {vocab}, {case}"


def _percent(correct: str, seen: str) -> float:
    return 100 * int(correct) / int(seen) if int(seen) else math.nan


def model_row(files: ModelFiles, protocol: str) -> dict[str, Any]:
    """One model's line of the comparison table."""
    words, dim = store_shape(files.store)
    row: dict[str, Any] = {"model": files.name, "words": words, "dim": dim}
    google = {r["section"]: r for r in read_tsv(files.google)}
    for pooled in POOLED:
        r = google[pooled]
        row[f"{pooled} %"] = _percent(r["correct"], r["seen"])
        row[f"{pooled} seen"] = f"{r['seen']}/{r['questions']}"
    row["analogy protocol"] = protocol
    similarity = {r["benchmark"]: r for r in read_tsv(files.similarity)}
    for name in SIMILARITY:
        r = similarity.get(name)
        row[f"{name} rho"] = float(r["spearman"]) if r else math.nan
        row[f"{name} coverage"] = f"{r['covered']}/{r['pairs']}" if r else "not scored"
    return row


def comparison_rows(models: Sequence[ModelFiles], protocol: str) -> list[dict[str, Any]]:
    return [model_row(m, protocol) for m in models]


def answers_side_by_side(models: Sequence[ModelFiles]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: each analogy query and method, then each model's best answer (word and
    score), or why it has none (a word not in its vocabulary)."""
    answers: dict[tuple[str, str], dict[str, str]] = {}
    for model in models:
        for r in read_tsv(model.queries):
            if r["rank"] not in ("1", ""):
                continue
            text = f"{r['word']} ({float(r['score']):.4f})" if r["word"] else r["note"]
            answers.setdefault((r["query"], r["method"]), {})[model.name] = text
    header = ["query", "method", *(m.name for m in models)]
    rows = [
        [query, method, *(by_model.get(m.name, "") for m in models)]
        for (query, method), by_model in answers.items()
    ]
    return header, rows


def comparison_figure(rows: Sequence[Mapping[str, Any]], path: str | os.PathLike[str]) -> None:
    """Grouped bars per model: Google analogy semantic/syntactic/total accuracy (%) and the
    word-similarity rho (x 100), so that one figure compares every model on every score."""
    plt = figure()
    scores = [*(f"{p} %" for p in POOLED), *(f"{s} rho" for s in SIMILARITY)]
    labels = [*(f"analogy {p}" for p in POOLED), *(f"{s} rho×100" for s in SIMILARITY)]
    n = len(rows)
    width = 0.8 / max(n, 1)
    fig, ax = plt.subplots(figsize=(8, 3.8), dpi=100)
    for i, row in enumerate(rows):
        values = [float(row[s]) * (100 if s.endswith("rho") else 1) for s in scores]
        shown = [0.0 if math.isnan(v) else v for v in values]
        xs = [x + (i - (n - 1) / 2) * width for x in range(len(scores))]
        bars = ax.bar(xs, shown, width, label=f"{row['model']} ({row['words']:,}×{row['dim']})")
        for bar, value in zip(bars, values, strict=True):
            text = "n/a" if math.isnan(value) else f"{value:.1f}"
            ax.text(
                bar.get_x() + bar.get_width() / 2,
                max(bar.get_height(), 0) + 1,
                text,
                ha="center",
                va="bottom",
                fontsize=7,
            )
    ax.set_xticks(range(len(scores)), labels, fontsize=8)
    bottom = min([0.0, *(b.get_height() for b in ax.patches)])
    ax.set_ylim(bottom - 5 if bottom < 0 else 0, 105)
    ax.set_ylabel("% (accuracy) or Spearman rho × 100")
    ax.set_title("Word-vector models compared")
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)
