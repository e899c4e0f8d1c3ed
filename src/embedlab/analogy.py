"""Word analogies: user queries (3CosAdd, 3CosMul, the lab's Euclidean method) and the Google
analogy benchmark under Stanford GloVe's protocol (or gensim's, with `restrict_vocab`).

The benchmark's 19,544 questions use only ~900 distinct words, so instead of one vocabulary-wide
GEMV per question (7.8e11 FLOP), the similarities of those few words with the whole vocabulary are
computed once (P = W_u W^T) and each question b - a + c becomes a sum of three rows of P, scanned
by the C kernel `_topk.analogy_argmax`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from threadpoolctl import threadpool_limits

from embedlab import _topk

GOOGLE_SHA256 = "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36"
TILE = 8192


def data_file(name: str) -> Path:
    """A benchmark file shipped in the package (see src/embedlab/data/SOURCES.md)."""
    return Path(str(resources.files("embedlab") / "data" / name))


@dataclass
class Section:
    name: str
    questions: list[tuple[str, str, str, str]] = field(default_factory=list)


class QuestionsError(ValueError):
    """A malformed analogy file; the message names the file and line."""


def read_questions(path: str | Path | None = None, lowercase: bool = True) -> list[Section]:
    """The sections of a word2vec-format analogy file (the shipped Google set by default)."""
    path = Path(path) if path else data_file("questions-words.txt")
    sections: list[Section] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(":"):
                sections.append(Section(line[1:].strip()))
                continue
            words = line.lower().split() if lowercase else line.split()
            if len(words) != 4:
                raise QuestionsError(f"{path}:{lineno}: expected 4 words, found {len(words)}")
            if not sections:
                raise QuestionsError(f"{path}:{lineno}: question before the first ': section' line")
            sections[-1].questions.append((words[0], words[1], words[2], words[3]))
    return sections


@dataclass(frozen=True)
class SectionResult:
    name: str
    questions: int
    seen: int
    correct: int
    predictions: list[str | None]  # per question, None when not seen

    @property
    def accuracy(self) -> float:
        return self.correct / self.seen if self.seen else float("nan")


def evaluate_section(
    section: Section,
    index: dict[str, int],
    unit: np.ndarray,
    words: list[str],
    restrict_vocab: int | None = None,
    threads: int = 1,
) -> SectionResult:
    """3CosAdd over the vocabulary (or its first `restrict_vocab` words), question words excluded.

    A question is seen when all four words are in that vocabulary; ties go to the lower row."""
    limit = min(restrict_vocab or len(words), len(words))
    rows = []
    seen_at = []
    for q, quad in enumerate(section.questions):
        ids = [index.get(w, limit) for w in quad]
        if all(i < limit for i in ids):
            rows.append(ids)
            seen_at.append(q)
    predictions: list[str | None] = [None] * len(section.questions)
    correct = 0
    if rows:
        ids = np.asarray(rows, dtype=np.int32)  # a, b, c, expected
        uniq, inverse = np.unique(ids[:, :3], return_inverse=True)
        inverse = inverse.reshape(-1, 3)
        # b - a + c, term order as in the question (b, then -a, then +c)
        prow = np.ascontiguousarray(inverse[:, [1, 0, 2]], dtype=np.int32)
        coef = np.tile(np.array([1, -1, 1], dtype=np.float32), (len(ids), 1))
        excl = np.ascontiguousarray(ids[:, :3])
        best = np.full(len(ids), -1, dtype=np.int32)
        best_score = np.full(len(ids), -np.inf, dtype=np.float32)
        left = unit[uniq]
        # One BLAS thread: the GEMM per tile is small, and OpenBLAS threads that spin on a busy
        # machine were measured 4x slower than one; the argmax kernel has its own threads.
        with threadpool_limits(1, user_api="blas"):
            for w0 in range(0, limit, TILE):  # a tile of P stays in cache while questions read it
                w1 = min(limit, w0 + TILE)
                P = np.ascontiguousarray(left @ unit[w0:w1].T, dtype=np.float32)
                _topk.analogy_argmax(P, w1 - w0, w0, prow, coef, excl, best, best_score, threads)
        for q, b, expected in zip(seen_at, best.tolist(), ids[:, 3].tolist(), strict=True):
            predictions[q] = words[b]
            correct += int(b == expected)
    return SectionResult(section.name, len(section.questions), len(rows), correct, predictions)


def summary_rows(results: list[SectionResult]) -> list[dict[str, object]]:
    """Per-section rows plus semantic (first five sections), syntactic and total, pooled."""

    def row(name: str, parts: list[SectionResult]) -> dict[str, object]:
        seen = sum(p.seen for p in parts)
        correct = sum(p.correct for p in parts)
        return {
            "section": name,
            "questions": sum(p.questions for p in parts),
            "seen": seen,
            "correct": correct,
            "accuracy": correct / seen if seen else float("nan"),
        }

    out = [row(r.name, [r]) for r in results]
    out.append(row("semantic", [r for r in results if not r.name.startswith("gram")]))
    out.append(row("syntactic", [r for r in results if r.name.startswith("gram")]))
    out.append(row("total", results))
    return out


# --- user queries ------------------------------------------------------------------------------


def parse_query(query: str) -> list[tuple[int, str]]:
    """'king - man + woman' -> [(+1, 'king'), (-1, 'man'), (+1, 'woman')].

    Tokens are separated by white space; a lone '+' or '-' signs the next token, which is then
    taken literally (so '+ -lrb-' means the word '-lrb-'); '-man' is a signed word; hyphens
    inside words ('e-mail') belong to the word."""
    tokens = query.lower().split()
    if not tokens:
        raise ValueError("empty analogy query")
    terms: list[tuple[int, str]] = []
    sign: int | None = None
    for token in tokens:
        if token in ("+", "-"):
            if sign is not None:
                raise ValueError(f"analogy query {query!r}: two operators in a row")
            sign = 1 if token == "+" else -1
            continue
        if sign is None and token[0] in "+-" and len(token) > 1:
            sign, token = (1 if token[0] == "+" else -1), token[1:]
        if sign is None and terms:
            raise ValueError(f"analogy query {query!r}: missing + or - before {token!r}")
        terms.append((sign or 1, token))
        sign = None
    if sign is not None:
        raise ValueError(f"analogy query {query!r} ends with an operator")
    return terms


@dataclass(frozen=True)
class QueryAnswer:
    query: str
    method: str
    words: list[str]
    scores: list[float]
    missing: list[str]


def _top(scores: np.ndarray, k: int, exclude: list[int], largest: bool = True) -> np.ndarray:
    s = scores.astype(np.float64) if largest else -scores.astype(np.float64)
    s[exclude] = -np.inf
    top = np.argpartition(-s, min(k, len(s) - 1))[: k + 1]
    top = top[np.lexsort((top, -s[top]))][:k]
    return top


def answer_query(
    query: str, words: list[str], index: dict[str, int], vectors: np.ndarray, unit: np.ndarray,
    k: int = 10,
) -> list[QueryAnswer]:  # fmt: skip
    """The three methods for one query; a word outside the vocabulary gives empty answers that
    name it, never an exception."""
    terms = parse_query(query)
    missing = [w for _, w in terms if w not in index]
    if missing:
        return [QueryAnswer(query, m, [], [], missing) for m in ("3CosAdd", "3CosMul", "lab")]
    ids = [index[w] for _, w in terms]
    signs = np.array([s for s, _ in terms], dtype=np.float32)
    answers = []
    # 3CosAdd (gensim most_similar): cosine with the unit mean of the signed unit vectors
    mean = (signs[:, None] * unit[ids]).mean(axis=0)
    mean /= np.linalg.norm(mean)
    sims = unit @ mean
    top = _top(sims, k, ids)
    answers.append(QueryAnswer(query, "3CosAdd", [words[i] for i in top], sims[top].tolist(), []))
    # 3CosMul (gensim most_similar_cosmul): product of shifted cosines, negatives divide
    shifted = (1 + unit @ unit[ids].T) / 2
    pos = np.prod(shifted[:, signs > 0], axis=1)
    neg = np.prod(shifted[:, signs < 0], axis=1) if (signs < 0).any() else 1.0
    mul = pos / (neg + 1e-6)
    top = _top(mul, k, ids)
    answers.append(QueryAnswer(query, "3CosMul", [words[i] for i in top], mul[top].tolist(), []))
    # the lab: Euclidean distance to the raw signed sum, query words not excluded
    target = (signs[:, None] * vectors[ids]).sum(axis=0)
    dist = np.linalg.norm(vectors - target, axis=1)
    top = _top(dist, k, [], largest=False)
    answers.append(QueryAnswer(query, "lab", [words[i] for i in top], dist[top].tolist(), []))
    return answers
