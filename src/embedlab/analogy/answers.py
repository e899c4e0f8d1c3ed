"""Word analogies: user queries (3CosAdd, 3CosMul, the lab's Euclidean method) and the Google
analogy benchmark under Stanford GloVe's protocol (or gensim's, with `restrict_vocab`).

The benchmark's 19,544 questions use only ~900 distinct words, so instead of one vocabulary-wide
GEMV per question (7.8e11 FLOP), the similarities of those few words with the whole vocabulary are
computed once (P = W_u W^T) and each question b - a + c becomes a sum of three rows of P, scanned
by the C kernel `_analogy.analogy_argmax`.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from embedlab.analogy import _analogy

TILE = 8192


def data_file(name: str) -> Path:
    """A benchmark file shipped in the package (see src/embedlab/analogy/data/SOURCES.md)."""
    return Path(str(resources.files("embedlab.analogy") / "data" / name))


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
                _analogy.analogy_argmax(P, w1 - w0, w0, prow, coef, excl, best, best_score, threads)
        for q, b, expected in zip(seen_at, best.tolist(), ids[:, 3].tolist(), strict=True):
            predictions[q] = words[b]
            correct += int(b == expected)
    return SectionResult(section.name, len(section.questions), len(rows), correct, predictions)


ANSWER_HEADER = ("section", "a", "b", "c", "expected", "predicted", "correct")


def answer_rows(section: Section, result: SectionResult) -> list[list[str]]:
    """One row per question of `section` (google_answers.tsv): its words, the answer and 1 or 0;
    answer and correct are empty for a question with a word outside the vocabulary searched."""
    rows = []
    for quad, predicted in zip(section.questions, result.predictions, strict=True):
        correct = "" if predicted is None else str(int(predicted == quad[3]))
        rows.append([section.name, *quad, predicted or "", correct])
    return rows


def pool(section: str) -> str:
    """The pooled group of a Google section: 'syntactic' for the gram* sections, else
    'semantic'."""
    return "syntactic" if section.startswith("gram") else "semantic"


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
    for name in ("semantic", "syntactic"):
        out.append(row(name, [r for r in results if pool(r.name) == name]))
    out.append(row("total", results))
    return out


# --- user queries ------------------------------------------------------------------------------

METHODS = ("3CosAdd", "3CosMul", "lab")
EXCLUDING = ("3CosAdd", "3CosMul")  # these skip the query words; the lab's method keeps them
OPERATORS = ("+", "-")


def resolve_word(word: str, index: Container[str]) -> tuple[str | None, str | None]:
    """The case rule of every command: the exact word, else its lower-case form with a note
    (so cased vocabularies such as GoogleNews keep 'Paris' and 'paris' apart); None if neither."""
    if word in index:
        return word, None
    lower = word.lower()
    if lower != word and lower in index:
        return lower, f"{word!r} is not in the vocabulary; using {lower!r}"
    return None, None


def parse_query(query: str, vocabulary: Container[str]) -> list[tuple[int, str]]:
    """'king - man + woman' or 'king-man+woman' -> [(+1, 'king'), (-1, 'man'), (+1, 'woman')].

    A token (white-space separated) found in the vocabulary, exactly or in lower case, is a word
    ('e-mail', '-lrb-'); other tokens are split on '+' and '-'. A lone '+' or '-' is always an
    operator, and where an operator is due, a leading '+' or '-' is one ('king -man'). Words keep
    their spelling; `resolve_word` applies the case rule."""
    terms: list[tuple[int, str]] = []
    sign: int | None = None

    def operator(op: str) -> None:
        nonlocal sign
        if sign is not None:
            raise ValueError(f"analogy query {query!r}: two operators in a row")
        sign = 1 if op == "+" else -1

    def word(token: str) -> None:
        nonlocal sign
        if sign is None and terms:
            raise ValueError(f"analogy query {query!r}: missing + or - before {token!r}")
        terms.append((sign or 1, token))
        sign = None

    def known(token: str) -> bool:
        return token in vocabulary or token.lower() in vocabulary

    for token in query.split():
        if token in OPERATORS:
            operator(token)
            continue
        if terms and sign is None and token[0] in OPERATORS:
            operator(token[0])
            token = token[1:]
        if known(token):
            word(token)
            continue
        for piece in re.split(r"([+-])", token):
            if piece in OPERATORS:
                operator(piece)
            elif piece:
                word(piece)
    if not terms:
        raise ValueError(
            f"analogy query {query!r} has no words; write it like 'king - man + woman'"
        )
    if sign is not None:
        raise ValueError(f"analogy query {query!r} ends with an operator")
    return terms


@dataclass(frozen=True)
class Query:
    """A parsed query with its words resolved by the case rule."""

    text: str
    terms: list[tuple[int, str]]  # (sign, word as found in the vocabulary)
    notes: list[str]  # one per word found only in lower case
    missing: list[str]  # words found neither way, as written

    @property
    def words(self) -> list[str]:
        return [w for _, w in self.terms]


def resolve_query(query: str, index: Container[str]) -> Query:
    terms, notes, missing = [], [], []
    for sign, written in parse_query(query, index):
        found, note = resolve_word(written, index)
        if found is None:
            missing.append(written)
            continue
        terms.append((sign, found))
        if note:
            notes.append(note)
    return Query(query, terms, notes, missing)


def max_k(n_words: int, query: Query, methods: Sequence[str] = METHODS) -> int:
    """The largest k every method in `methods` can answer: 3CosAdd and 3CosMul rank the words
    other than the query's, the lab's method ranks the whole vocabulary."""
    if any(m in EXCLUDING for m in methods):
        return n_words - len(set(query.words))
    return n_words


@dataclass(frozen=True)
class QueryAnswer:
    query: str
    method: str
    words: list[str]
    scores: list[float]
    missing: list[str]


def _top(scores: np.ndarray, k: int, exclude: list[int], largest: bool = True) -> np.ndarray:
    """Rows of the k best scores, ties to the lower row; rows in `exclude` never appear."""
    s = scores.astype(np.float64) if largest else -scores.astype(np.float64)
    rows = np.delete(np.arange(len(s)), np.unique(np.asarray(exclude, dtype=np.int64)))
    if not 0 < k <= len(rows):
        raise ValueError(f"k={k} is outside 1..{len(rows)}")
    s = s[rows]
    if k < len(s):
        kth = np.partition(s, len(s) - k)[len(s) - k]  # the k-th largest score
        rows, s = rows[s >= kth], s[s >= kth]
    return rows[np.lexsort((rows, -s))][:k]


def answer_query(
    query: str | Query,
    words: list[str],
    index: Mapping[str, int],
    vectors: np.ndarray,
    unit: np.ndarray,
    k: int = 10,
    methods: Sequence[str] = METHODS,
) -> list[QueryAnswer]:
    """One answer per method (3CosAdd, 3CosMul, the lab's; in that order). A word outside the
    vocabulary gives empty answers that name it, never an exception; a k outside 1..`max_k`
    is a ValueError."""
    q = query if isinstance(query, Query) else resolve_query(query, index)
    methods = [m for m in METHODS if m in methods]
    if q.missing:
        return [QueryAnswer(q.text, m, [], [], q.missing) for m in methods]
    limit = max_k(len(words), q, methods)
    if not 0 < k <= limit:
        raise ValueError(f"analogy query {q.text!r}: k={k} is outside 1..{limit}")
    ids = [index[w] for w in q.words]
    signs = np.array([s for s, _ in q.terms], dtype=np.float32)
    answers = []
    for method in methods:
        if method == "3CosAdd":  # gensim most_similar: cosine with the unit mean of unit vectors
            mean = (signs[:, None] * unit[ids]).mean(axis=0)
            scores = unit @ (mean / np.linalg.norm(mean))
            top = _top(scores, k, ids)
        elif method == "3CosMul":  # gensim most_similar_cosmul: shifted cosines, negatives divide
            shifted = (1 + unit @ unit[ids].T) / 2
            pos = np.prod(shifted[:, signs > 0], axis=1)
            neg = np.prod(shifted[:, signs < 0], axis=1) if (signs < 0).any() else 1.0
            scores = pos / (neg + 1e-6)
            top = _top(scores, k, ids)
        else:  # the lab: Euclidean distance to the raw signed sum, query words not excluded
            target = (signs[:, None] * vectors[ids]).sum(axis=0)
            scores = np.linalg.norm(vectors - target, axis=1)
            top = _top(scores, k, [], largest=False)
        answers.append(
            QueryAnswer(q.text, method, [words[i] for i in top], scores[top].tolist(), [])
        )
    return answers


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """float32 C-contiguous copy of `vectors` with every row scaled to unit length; an all-zero
    row stays zero (its cosine with anything is 0, not NaN)."""
    x = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x / np.where(norms == 0, 1, norms), dtype=np.float32)
