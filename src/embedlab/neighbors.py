"""Exact k-nearest neighbours of every word over the whole vocabulary, split into chunk jobs.

The similarity matrix is symmetric, so each pair of row blocks (I, J) with I <= J is computed once
and feeds both the rows of I and the rows of J. The C kernel `_topk.fused_update` accumulates the
block product in registers and keeps running top-k lists, so no block is ever written to memory.
A chunk job owns a share of the block pairs and writes partial top-k lists for the whole
vocabulary; the merge job combines them. Every pair of words belongs to exactly one block pair,
so partial lists never overlap and the result does not depend on the number of chunks or threads.

Order is deterministic: best score first, ties broken by the lower row index. The C kernel has a
portable, an AVX2 and an AVX-512 path (`kernels()`), chosen at run time; all give the same bits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from embedlab import _topk

Metric = Literal["cosine", "euclidean"]
Kernel = Literal["auto", "generic", "avx2", "avx512"]
BLOCK = 2048
SEED_BLOCK = 512
ROWS = 65536  # rows per step of the row-wise passes (norms), so no N x d temporary is made
NO_INDEX = np.iinfo(np.int32).max


def kernels() -> list[str]:
    """The kernel paths this CPU runs, portable first; `auto` picks the last."""
    return list(_topk.kernels())


@dataclass(frozen=True)
class Prepared:
    """Vectors ready for the blocked product, and the per-word key offsets `h`."""

    x: np.ndarray  # float32 [n, d]: unit rows (cosine) or raw rows (euclidean)
    h: np.ndarray  # float32 [n]: 0 (cosine) or |x|^2 / 2 (euclidean)
    metric: Metric

    @property
    def n(self) -> int:
        return len(self.x)


def sq_norms(x: np.ndarray) -> np.ndarray:
    """float64 |x|^2 of every row, ROWS rows at a time (the same bits for any slice of the
    store that starts at a multiple of ROWS, so the merge can stream the store)."""
    out = np.empty(len(x), dtype=np.float64)
    for r0 in range(0, len(x), ROWS):
        part = np.asarray(x[r0 : r0 + ROWS], dtype=np.float32)
        out[r0 : r0 + len(part)] = np.einsum("ij,ij->i", part, part, dtype=np.float64)
    return out


def prepare(
    vectors: np.ndarray, metric: Metric, max_words: int | None = None, inplace: bool = False
) -> Prepared:
    """Cosine ranks by the dot product of unit vectors; Euclidean ranks by the key
    a.b - |b|^2/2, whose largest value is the smallest |a - b| (so both are a 'largest key').

    With `inplace` a float32 C-contiguous `vectors` is normalised where it is (a chunk job holds
    one copy of the store, not two); rows are scaled exactly as `vectors.unit_rows` does."""
    if metric not in ("cosine", "euclidean"):
        raise ValueError(f"unknown metric {metric!r}: use 'cosine' or 'euclidean'")
    x = vectors[:max_words] if max_words else vectors
    if not (inplace and isinstance(x, np.ndarray) and x.dtype == np.float32):
        x = np.array(x, dtype=np.float32)
    x = np.ascontiguousarray(x)
    if metric == "euclidean":
        return Prepared(x, (sq_norms(x) / 2).astype(np.float32), metric)
    for r0 in range(0, len(x), ROWS):
        part = x[r0 : r0 + ROWS]
        norms = np.linalg.norm(part, axis=1, keepdims=True)
        np.divide(part, np.where(norms == 0, 1, norms), out=part)
    return Prepared(x, np.zeros(len(x), dtype=np.float32), metric)


def block_pairs(n: int, block: int = BLOCK) -> list[tuple[int, int]]:
    """All block pairs (I, J), I <= J, as block numbers, row by row."""
    nb = (n + block - 1) // block
    return [(i, j) for i in range(nb) for j in range(i, nb)]


def chunk_pairs(n: int, chunks: int, chunk: int, block: int = BLOCK) -> list[tuple[int, int]]:
    """The block pairs chunk `chunk` of `chunks` owns: a contiguous, cost-balanced share.

    Diagonal pairs cost half a full pair, so shares are cut by accumulated cost, not count."""
    if not 0 <= chunk < chunks:
        raise ValueError(f"chunk {chunk} outside 0..{chunks - 1}")
    pairs = block_pairs(n, block)
    cost = np.cumsum([0.5 if i == j else 1.0 for i, j in pairs])
    edges = np.searchsorted(cost, np.linspace(0, cost[-1], chunks + 1)[1:-1], side="right")
    bounds = [0, *edges.tolist(), len(pairs)]
    return pairs[bounds[chunk] : bounds[chunk + 1]]


def empty_topk(n: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    score = np.full((n, k), -np.inf, dtype=np.float32)
    index = np.full((n, k), NO_INDEX, dtype=np.int32)
    return score, index, score[:, -1].copy()


def _feed(
    prep: Prepared,
    lists: tuple[np.ndarray, np.ndarray, np.ndarray],
    i0: int,
    i1: int,
    j0: int,
    j1: int,
    kernel: Kernel = "auto",
) -> None:
    score, index, thr = lists
    _topk.fused_update(prep.x, prep.x.shape[1], prep.h, i0, i1, j0, j1, score, index, thr, kernel)


def seed_bounds(
    prep: Prepared,
    k: int,
    seed_block: int = SEED_BLOCK,
    kernel: Kernel = "auto",
    wide_block: int = BLOCK,
) -> np.ndarray:
    """A lower bound of every word's final k-th best key: its k-th best within its own block of
    neighbouring rows in the file (words of similar frequency), first `seed_block` rows wide,
    then refined over `wide_block` rows starting from that bound (so few values are inserted).
    A chunk job sees most columns only from its own few row blocks, so starting their thresholds
    here (instead of at -inf) is what lets the scan reject almost every value; on glove.6B.50d it
    costs ~5% of a 4-chunk job and saves more than that in the scan."""
    bound = empty_topk(prep.n, k)[2]
    for size in (max(seed_block, k + 1), max(wide_block, k + 1)):
        # fresh lists each pass (the wide blocks hold the small ones: no pair may count twice)
        lists = (*empty_topk(prep.n, k)[:2], bound)
        for b0 in range(0, prep.n, size):
            b1 = min(prep.n, b0 + size)
            if b1 - b0 > k:
                _feed(prep, lists, b0, b1, b0, b1, kernel)
        bound = lists[2]
    return bound


def partial_topk(
    prep: Prepared,
    k: int,
    pairs: Sequence[tuple[int, int]],
    block: int = BLOCK,
    threads: int = 1,
    progress: Callable[[int], None] | None = None,
    kernel: Kernel = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k keys and indices for all words from the given block pairs only.

    Lists may hold fewer than k entries (index NO_INDEX) for words whose best candidates live in
    other chunks; merging all chunks fills them. Each of `threads` workers keeps private lists
    (no locks in the hot loop); they are merged at the end, in place. Memory: the vectors, one
    set of lists per thread and a block workspace per thread (see `chunk_mem_mb`)."""
    n = prep.n
    check_k(k, n)
    bound = seed_bounds(prep, k, kernel=kernel)
    workers: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for _ in range(threads):
        score, index, _ = empty_topk(n, k)
        workers.append((score, index, bound.copy()))
    lock = threading.Lock()

    def work(t: int) -> None:
        for i, j in pairs[t::threads]:
            _feed(prep, workers[t], i * block, min(n, (i + 1) * block), j * block,
                  min(n, (j + 1) * block), kernel)  # fmt: skip
            if progress:
                with lock:
                    progress(1)

    if threads == 1:
        work(0)
    else:
        pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    score, index = workers[0][0], workers[0][1]
    for other in workers[1:]:
        _topk.merge_into(score, index, other[0], other[1])
    return score, index


def check_k(k: int, n: int) -> None:
    if not 0 < k < n:
        raise ValueError(f"k={k} must be between 1 and {n - 1} (the number of other words)")


def merge_topk(
    scores: Sequence[np.ndarray], indices: Sequence[np.ndarray], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Best k of several disjoint partial lists per word, by (score desc, index asc); each list
    is sorted that way (as every list here is). A linear merge in C, one list at a time."""
    score = np.array(scores[0][:, :k], dtype=np.float32, order="C")
    index = np.array(indices[0][:, :k], dtype=np.int32, order="C")
    for s, ix in zip(scores[1:], indices[1:], strict=True):
        _topk.merge_into(score, index, np.ascontiguousarray(s), np.ascontiguousarray(ix))
    return score, index


def finish(
    metric: Metric, keys: np.ndarray, index: np.ndarray, sqnorm: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Reported scores: cosine similarity, or the Euclidean distance recovered from the keys
    (key = a.b - |b|^2/2, so |a - b|^2 = |a|^2 - 2 key; `sqnorm` = `sq_norms` of the vectors)."""
    if np.any(index == NO_INDEX):
        raise RuntimeError("incomplete neighbour lists: not every chunk was merged")
    if metric == "cosine":
        return keys, index
    assert sqnorm is not None, "euclidean scores need the squared norms"
    d2 = sqnorm[:, None] - 2 * keys.astype(np.float64)
    return np.sqrt(np.maximum(d2, 0)).astype(np.float32), index


def exact_neighbors(
    vectors: np.ndarray,
    k: int,
    metric: Metric = "cosine",
    max_words: int | None = None,
    chunks: int = 1,
    threads: int = 1,
    block: int = BLOCK,
    kernel: Kernel = "auto",
    device: Literal["cpu", "gpu"] = "cpu",
) -> tuple[np.ndarray, np.ndarray]:
    """All chunks in one process, one after the other, then merged: what the jobs compute.
    `device="gpu"` computes the block pairs with TensorFlow (`neighbors_gpu`) instead of C."""
    prep = prepare(vectors, metric, max_words)
    parts = []
    for c in range(chunks):
        pairs = chunk_pairs(prep.n, chunks, c, block)
        if device == "gpu":
            from embedlab.neighbors_gpu import partial_topk_tf

            parts.append(partial_topk_tf(prep, k, pairs, block))
        else:
            parts.append(partial_topk(prep, k, pairs, block, threads, kernel=kernel))
    keys, index = merge_topk([p[0] for p in parts], [p[1] for p in parts], k)
    sq = sq_norms(vectors[: prep.n]) if metric == "euclidean" else None
    return finish(metric, keys, index, sq)


def query(
    vectors: np.ndarray, row: int, k: int, metric: Metric = "cosine"
) -> tuple[np.ndarray, np.ndarray]:
    """Neighbours of one word (the CLI): one pass over the vocabulary, same ordering rules.

    The word itself is never among them, so k must be between 1 and n - 1."""
    prep = prepare(vectors, metric)
    check_k(k, prep.n)
    key = prep.x @ prep.x[row] - prep.h
    others = np.delete(np.arange(prep.n), row)
    top = others[np.lexsort((others, -key[others]))[:k]]
    sq = sq_norms(prep.x[row : row + 1]) if metric == "euclidean" else None
    return finish(metric, key[top][None, :], top[None, :].astype(np.int32), sq)[0][0], top
