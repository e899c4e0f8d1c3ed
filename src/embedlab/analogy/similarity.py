"""Word-similarity benchmarks (WordSim353, SimLex-999): Spearman's rho between human scores and
cosine similarities, over the pairs whose two words are both in the vocabulary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedlab.analogy.answers import data_file

BENCHMARKS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}


class PairsError(ValueError):
    """A malformed similarity file; the message names the file and line."""


def read_pairs(path: str | Path) -> list[tuple[str, str, float]]:
    """Tab-separated `word1 word2 score` lines; `#` lines are comments."""
    pairs = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3:
                raise PairsError(f"{path}:{lineno}: expected 3 tab-separated fields")
            try:
                score = float(fields[2])
            except ValueError:
                raise PairsError(f"{path}:{lineno}: score {fields[2]!r} is not a number") from None
            pairs.append((fields[0].lower(), fields[1].lower(), score))
    return pairs


@dataclass(frozen=True)
class SimilarityResult:
    benchmark: str
    pairs: int
    covered: int
    spearman: float
    similarities: tuple[float | None, ...] = ()  # per pair, None when a word is unknown

    @property
    def coverage(self) -> float:
        return self.covered / self.pairs if self.pairs else float("nan")


def spearman(human: Sequence[float], model: Sequence[float] | np.ndarray) -> float:
    """Spearman's rho of the two lists; NaN for fewer than two pairs."""
    from scipy.stats import spearmanr

    if len(human) < 2:
        return float("nan")
    return float(spearmanr(human, model).statistic)


def evaluate(
    name: str, pairs: list[tuple[str, str, float]], index: dict[str, int], unit: np.ndarray
) -> SimilarityResult:
    """Cosine of every pair whose two words are both in `index`, and Spearman's rho over those."""
    known = [i for i, (a, b, _) in enumerate(pairs) if a in index and b in index]
    ia = np.array([index[pairs[i][0]] for i in known], dtype=np.int64)
    ib = np.array([index[pairs[i][1]] for i in known], dtype=np.int64)
    cosine = np.einsum("ij,ij->i", unit[ia], unit[ib])
    similarities: list[float | None] = [None] * len(pairs)
    for i, value in zip(known, cosine.tolist(), strict=True):
        similarities[i] = value
    rho = spearman([pairs[i][2] for i in known], cosine)
    return SimilarityResult(name, len(pairs), len(known), rho, tuple(similarities))


PAIR_HEADER = ("benchmark", "word1", "word2", "human", "similarity")


def pair_rows(result: SimilarityResult, pairs: list[tuple[str, str, float]]) -> list[list[str]]:
    """One row per pair (<name>_pairs.tsv): the words, the human score and the model's cosine,
    empty when a word is unknown. Written in the shortest text that reads back as the same
    float32 and float, so that a rho computed from the file ranks the pairs as `evaluate` did."""
    return [
        [result.benchmark, a, b, repr(human), "" if sim is None else str(np.float32(sim))]
        for (a, b, human), sim in zip(pairs, result.similarities, strict=True)
    ]


def benchmark_file(name: str) -> Path:
    if name not in BENCHMARKS:
        raise ValueError(f"unknown similarity benchmark {name!r}; choose from {sorted(BENCHMARKS)}")
    return data_file(BENCHMARKS[name])
