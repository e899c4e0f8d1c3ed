"""Word-similarity benchmarks (WordSim353, SimLex-999): Spearman's rho between human scores and
cosine similarities, over the pairs whose two words are both in the vocabulary."""

from __future__ import annotations

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

    @property
    def coverage(self) -> float:
        return self.covered / self.pairs if self.pairs else float("nan")


def evaluate(
    name: str, pairs: list[tuple[str, str, float]], index: dict[str, int], unit: np.ndarray
) -> SimilarityResult:
    from scipy.stats import spearmanr

    covered = [(index[a], index[b], s) for a, b, s in pairs if a in index and b in index]
    if len(covered) < 2:
        return SimilarityResult(name, len(pairs), len(covered), float("nan"))
    ia, ib, human = (np.array(c) for c in zip(*covered, strict=True))
    cosine = np.einsum("ij,ij->i", unit[ia.astype(int)], unit[ib.astype(int)])
    rho = float(spearmanr(human, cosine).statistic)
    return SimilarityResult(name, len(pairs), len(covered), rho)


def benchmark_file(name: str) -> Path:
    if name not in BENCHMARKS:
        raise ValueError(f"unknown similarity benchmark {name!r}; choose from {sorted(BENCHMARKS)}")
    return data_file(BENCHMARKS[name])
