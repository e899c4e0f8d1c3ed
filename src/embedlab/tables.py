"""Tab-separated result tables, written atomically; the formats users read and the report shows."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence

import numpy as np

from embedlab.atomic import atomic_output


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6g}"
    return str(value)


def write_tsv(
    path: str | os.PathLike[str], header: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    with atomic_output(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\t".join(header) + "\n")
        for row in rows:
            fh.write("\t".join(_cell(v) for v in row) + "\n")


def read_tsv(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        return [dict(zip(header, line.rstrip("\n").split("\t"), strict=True)) for line in fh]


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


def write_neighbors_tsv(
    path: str | os.PathLike[str],
    words: Sequence[str],
    index: np.ndarray,
    scores: np.ndarray,
    metric: str,
    rows: Sequence[int] | None = None,
) -> None:
    """One line per word (all, or `rows`): the word, then k neighbour/score pairs, best first.
    Scores have four decimals here; the HDF5 file holds the exact float32 values."""
    k = index.shape[1]
    vocab = np.array(words, dtype=object)
    selected = np.arange(len(words)) if rows is None else np.asarray(rows, dtype=np.int64)
    with atomic_output(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\t".join(neighbor_header(k, metric)) + "\n")
        for start in range(0, len(selected), 100_000):
            part = selected[start : start + 100_000]
            text = format_fixed(scores[part])
            names = vocab[index[part]]
            columns = [vocab[part]]
            for j in range(k):
                columns += [names[:, j], text[:, j]]
            fh.write("".join("\t".join(cells) + "\n" for cells in zip(*columns, strict=True)))
