"""The neighbour search as Snakemake jobs: one chunk job, the streaming merge, and the memory
each asks for.

A chunk job holds the store's vectors once (normalised in place), one set of top-k lists per
thread and a fixed block workspace, whatever the vocabulary size; the merge holds two sets of
top-k lists (the running result and the part being read) and the words. `chunk_mem_mb` and
`merge_mem_mb` are those sums; the rules ask for them (times the attempt) and a test checks them
against a measured run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from embedlab.common.config import ConfigError
from embedlab.neighbors import _topk
from embedlab.neighbors.blocks import BLOCK, Metric, check_k, chunk_pairs, finish, prepare, sq_norms
from embedlab.neighbors.exact import partial_topk
from embedlab.neighbors.tsv import neighbor_header, write_neighbor_tsv
from embedlab.vectors.store import (
    open_vectors,
    read_neighbors,
    read_rows,
    read_words,
    store_shape,
    write_neighbors,
)

Device = Literal["cpu", "gpu"]
MB = 1 << 20
# the interpreter with NumPy and h5py, the block workspace of each thread, HDF5's buffers
FIXED_MB = 200
# a TensorFlow process on top of that (the library, its thread pools, the GPU runtime)
TF_MB = 1500
WORD_BYTES = 100  # a word as a Python str in a list, with its NumPy object slot


def chunk_mem_mb(
    n: int, d: int, k: int, threads: int = 1, device: Device = "cpu", span: int | None = None
) -> int:
    """Peak memory of a chunk job in MB: the vectors (n x d float32), the key offsets and
    seed bounds (2 x n float32), one set of top-k lists per thread (n x k scores and indices,
    and n thresholds), and the fixed workspace. A GPU job keeps one set of lists and the host
    side of one span of the similarity block (BLOCK x span float32) and loads TensorFlow."""
    lists = n * (8 * k + 4)
    total = 4 * n * d + 8 * n + max(threads, 1) * lists
    if device == "gpu":
        from embedlab.neighbors.gpu import SPAN

        total = 4 * n * d + 8 * n + lists + 4 * BLOCK * (span or SPAN)
    return int(np.ceil(total / MB)) + FIXED_MB + (TF_MB if device == "gpu" else 0)


SLOW_FLOPS = 20e9  # a pessimistic rate of one thread (this project measures 60-160 GFLOP/s)


def chunk_runtime_min(n: int, d: int, chunks: int, threads: int = 1) -> int:
    """Wall time to ask for a chunk job, in minutes: its share of the N^2 d flops at a
    pessimistic rate per thread, plus 10 minutes for reading the store and writing the part."""
    return 10 + int(np.ceil(float(n) * n * d / chunks / (max(threads, 1) * SLOW_FLOPS) / 60))


def merge_mem_mb(n: int, k: int, metric: str = "cosine") -> int:
    """Peak memory of the merge in MB: the running lists and one part (2 x n x k scores and
    indices), the words, and for Euclidean scores the squared norms (n float64)."""
    total = 16 * n * k + WORD_BYTES * n + (8 * n if metric == "euclidean" else 0)
    return int(np.ceil(total / MB)) + FIXED_MB


def check_neighbors_k(k: int, store: str | os.PathLike[str], max_words: int | None = None) -> int:
    """The number of words searched; ConfigError naming `neighbors.k` when a word has fewer
    other words than that (the first thing a chunk job does: the vocabulary is known only once
    the store is parsed). Reads only the store's header."""
    n, _ = store_shape(store, max_words)
    if k < n:
        return n
    total, _ = store_shape(store)
    limited = n < total
    words = f"{n:,} of its {total:,} words (neighbors.max_words)" if limited else f"{n:,} words"
    raise ConfigError(
        f"neighbors.k = {k} is not below the vocabulary: {store} has {words}, so a word has at "
        f"most {n - 1:,} neighbours. Set neighbors.k to at most {n - 1:,}"
        + (" or raise neighbors.max_words." if limited else ".")
    )


def run_chunk(
    store: str | os.PathLike[str],
    out: str | os.PathLike[str],
    chunk: int,
    chunks: int,
    k: int,
    metric: Metric,
    max_words: int | None = None,
    threads: int = 1,
    device: Device = "cpu",
    progress: Callable[[int], None] | None = None,
    log: Any = None,
) -> None:
    """One `neighbors_chunk` job: partial lists (keys) from its share of the block pairs."""
    prep = prepare(read_rows(store, max_words), metric, inplace=True)
    check_k(k, prep.n)
    pairs = chunk_pairs(prep.n, chunks, chunk)
    if log:
        log.info(
            "chunk %d of %d: %d block pairs of %d words, on the %s",
            chunk,
            chunks,
            len(pairs),
            prep.n,
            device.upper(),
        )
    if device == "gpu":
        from embedlab.neighbors.gpu import partial_topk_tf

        keys, index = partial_topk_tf(prep, k, pairs, progress=progress, log=log)
    else:
        keys, index = partial_topk(prep, k, pairs, threads=threads, progress=progress)
    write_neighbors(
        out,
        index,
        keys,
        {
            "chunk": chunk,
            "chunks": chunks,
            "k": k,
            "metric": metric,
            "block": BLOCK,
            "n_words": prep.n,
            "scores": "keys",
        },
    )


def merge_parts(
    store: str | os.PathLike[str],
    parts: Sequence[str | os.PathLike[str]],
    out_h5: str | os.PathLike[str],
    out_tsv: str | os.PathLike[str],
    k: int,
    metric: Metric,
    max_words: int | None = None,
    log: Any = None,
) -> None:
    """`neighbors_merge`: the parts are read one at a time and merged into the running lists
    (a linear merge per word in C), so memory holds two sets of lists, never all parts."""
    n, _ = store_shape(store, max_words)
    want = {"k": k, "metric": metric, "n_words": n, "chunks": len(parts), "block": BLOCK}
    seen: set[int] = set()
    score = index = None
    for part in parts:
        idx, key, attrs = read_neighbors(part)
        got = {name: attrs.get(name) for name in want}
        if got != want or attrs.get("chunk") in seen:
            raise ValueError(
                f"{part} was computed with other settings ({got}, chunk {attrs.get('chunk')}) "
                f"than this merge ({want}); delete it and rerun"
            )
        seen.add(attrs["chunk"])
        if score is None:
            score, index = key, idx
        else:
            _topk.merge_into(score, index, key, idx)
        del idx, key
    assert score is not None and index is not None, "a merge needs at least one part"
    sq = None
    if metric == "euclidean":
        with open_vectors(store) as vectors:
            sq = sq_norms(vectors)[:n]  # ROWS rows at a time
    scores, index = finish(metric, score, index, sq)
    write_neighbors(
        out_h5,
        index,
        scores,
        {
            "k": k,
            "metric": metric,
            "n_words": n,
            "scores": "cosine similarity" if metric == "cosine" else "Euclidean distance",
            "store": str(store),
        },
    )
    write_neighbor_tsv(out_tsv, neighbor_header(k, metric), read_words(store, n), index, scores)
    if log:
        log.info("merged %d chunks: %d words x %d neighbours", len(parts), n, k)
