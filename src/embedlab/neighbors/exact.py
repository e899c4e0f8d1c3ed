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
from typing import Literal

import numpy as np

from embedlab.neighbors import _topk
from embedlab.neighbors.blocks import (
    BLOCK,
    SEED_BLOCK,
    Metric,
    Prepared,
    check_k,
    chunk_pairs,
    empty_topk,
    finish,
    merge_topk,
    prepare,
    sq_norms,
)

Kernel = Literal["auto", "generic", "avx2", "avx512"]


def kernels() -> list[str]:
    """The kernel paths this CPU runs, portable first; `auto` picks the last."""
    return list(_topk.kernels())


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
            _feed(
                prep,
                workers[t],
                i * block,
                min(n, (i + 1) * block),
                j * block,
                min(n, (j + 1) * block),
                kernel,
            )
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
    `device="gpu"` computes the block pairs with TensorFlow (`gpu.py`) instead of C."""
    prep = prepare(vectors, metric, max_words)
    parts = []
    for c in range(chunks):
        pairs = chunk_pairs(prep.n, chunks, c, block)
        if device == "gpu":
            from embedlab.neighbors.gpu import partial_topk_tf

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
