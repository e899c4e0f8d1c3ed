"""The neighbour tables: one row per word, its k neighbours and their scores, in the tables'
dialect (embedlab.common.tables), written fast for 400,000 rows."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence

import numpy as np

from embedlab.common.atomic import atomic_output
from embedlab.common.tables import TSV


def neighbor_header(k: int, metric: str) -> list[str]:
    score = "similarity" if metric == "cosine" else "distance"
    return ["word"] + [f"{name}_{r}" for r in range(1, k + 1) for name in ("neighbor", score)]


def format_fixed(values: np.ndarray, decimals: int = 4) -> np.ndarray:
    """Values as text with `decimals` places (round half to even of the float64 value scaled by
    10**decimals), formatting each distinct rounded value once: 4 million scores take ~0.3 s
    instead of ~10 s with per-value formatting."""
    scaled = np.rint(values.astype(np.float64) * 10**decimals).astype(np.int64)
    uniq, inverse = np.unique(scaled, return_inverse=True)
    text = np.array([f"{u / 10**decimals:.{decimals}f}" for u in uniq.tolist()], dtype=object)
    return text[inverse].reshape(values.shape)


def neighbor_rows(
    words: Sequence[str],
    index: np.ndarray,
    scores: np.ndarray,
    rows: Sequence[int] | None = None,
    block: int = 100_000,
) -> Iterable[tuple[str, ...]]:
    """One row per word (all, or `rows`): the word, then k neighbour/score pairs, best first.
    Scores have four decimals here; the HDF5 file holds the exact float32 values."""
    k = index.shape[1]
    vocab = np.array(words, dtype=object)
    selected = np.arange(len(words)) if rows is None else np.asarray(rows, dtype=np.int64)
    for start in range(0, len(selected), block):
        part = selected[start : start + block]
        text = format_fixed(scores[part])
        names = vocab[index[part]]
        columns = [vocab[part]]
        for j in range(k):
            columns += [names[:, j], text[:, j]]
        yield from zip(*columns, strict=True)


def _field(text: str) -> str:
    """`text` as write_tsv's csv writer writes a field (quoted only when it must be)."""
    if not any(c in text for c in '\t"\r\n'):
        return text
    buf = io.StringIO()
    csv.writer(buf, dialect=TSV).writerow([text, "x"])
    return buf.getvalue()[: -len("\tx\n")]


def write_neighbor_tsv(
    path: str | os.PathLike[str],
    header: Sequence[str],
    words: Sequence[str],
    index: np.ndarray,
    scores: np.ndarray,
    block: int = 100_000,
) -> None:
    """The same bytes as write_tsv(path, header, neighbor_rows(words, index, scores)), about
    3x faster: each word is quoted once and the lines are joined without the csv module
    (400,000 x 10 neighbours: ~1 s instead of ~3 s)."""
    vocab = np.array([_field(w) for w in words], dtype=object)
    k = index.shape[1]
    with atomic_output(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, dialect=TSV).writerow(header)
        for start in range(0, len(words), block):
            rows = np.arange(start, min(len(words), start + block))
            text = format_fixed(scores[rows])
            names = vocab[index[rows]]
            columns = [vocab[rows]]
            for j in range(k):
                columns += [names[:, j], text[:, j]]
            fh.write("".join(["\t".join(row) + "\n" for row in zip(*columns, strict=True)]))
