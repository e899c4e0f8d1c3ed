"""Exactness of the chunked all-pairs neighbour search against brute force."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.neighbors import _topk
from embedlab.neighbors.blocks import block_pairs, chunk_pairs, empty_topk, prepare
from embedlab.neighbors.exact import exact_neighbors, query


def brute_force(x: np.ndarray, k: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """float64 reference: scores and indices, ties to the lower index."""
    x64 = x.astype(np.float64)
    if metric == "cosine":
        u = x64 / np.linalg.norm(x64, axis=1, keepdims=True)
        s = u @ u.T
        np.fill_diagonal(s, -np.inf)
        order = np.lexsort((np.broadcast_to(np.arange(len(x)), s.shape), -s), axis=1)[:, :k]
        return np.take_along_axis(s, order, 1), order
    d = np.sqrt(((x64[:, None, :] - x64[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    order = np.lexsort((np.broadcast_to(np.arange(len(x)), d.shape), d), axis=1)[:, :k]
    return np.take_along_axis(d, order, 1), order


def assert_matches(scores, index, ref_scores, ref_index, tol) -> None:
    """Same scores rank by rank; same words wherever the reference has no near-tie."""
    np.testing.assert_allclose(scores, ref_scores, atol=tol, rtol=0)
    gaps = np.abs(np.diff(ref_scores, axis=1))
    clear = np.ones_like(ref_index, dtype=bool)
    clear[:, 1:] &= gaps > tol
    clear[:, :-1] &= gaps > tol
    assert np.array_equal(index[clear], ref_index[clear])


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize(
    ("n", "d", "k", "block", "chunks", "threads"),
    [
        (1000, 20, 5, 128, 1, 1),
        (1000, 20, 5, 128, 3, 2),
        (777, 8, 7, 100, 5, 2),  # blocks that are not multiples of the 6x16 register tile
        (300, 4, 1, 64, 1, 1),
        (50, 3, 49, 16, 7, 3),  # k = n - 1: every other word
        (130, 50, 3, 64, 12, 1),  # more chunks than block pairs: some chunks own nothing
    ],
)
def test_random_data_matches_brute_force(metric, n, d, k, block, chunks, threads) -> None:
    x = np.random.default_rng(n + d).standard_normal((n, d)).astype(np.float32)
    scores, index = exact_neighbors(x, k, metric, chunks=chunks, threads=threads, block=block)
    ref_scores, ref_index = brute_force(x, k, metric)
    assert_matches(scores, index, ref_scores, ref_index, 1e-5)


def test_results_do_not_depend_on_chunks_threads_or_block() -> None:
    x = np.random.default_rng(1).standard_normal((900, 16)).astype(np.float32)
    base = exact_neighbors(x, 6, chunks=1, threads=1, block=256)
    for chunks, threads, block in [(4, 2, 256), (9, 1, 100), (2, 3, 64)]:
        other = exact_neighbors(x, 6, chunks=chunks, threads=threads, block=block)
        assert np.array_equal(base[1], other[1])
        assert base[0].tobytes() == other[0].tobytes()  # bit for bit


def test_exact_ties_go_to_the_lower_index() -> None:
    x = np.array([[1, 0], [1, 0], [0, 1], [1, 0], [0, 2], [1, 0.001]], dtype=np.float32)
    _, index = exact_neighbors(x, 3, block=4, chunks=2)
    assert index[0].tolist() == [1, 3, 5]  # three exact ties of 1.0 first, in index order
    assert index[3].tolist() == [0, 1, 5]
    assert index[2].tolist()[:1] == [4]  # (0, 2) is the same direction as (0, 1)
    e_scores, e_index = exact_neighbors(x, 2, "euclidean", block=4, chunks=3)
    assert e_index[0].tolist() == [1, 3] and e_scores[0].tolist() == [0.0, 0.0]


def test_max_words_restricts_queries_and_candidates() -> None:
    x = np.random.default_rng(2).standard_normal((500, 10)).astype(np.float32)
    scores, index = exact_neighbors(x, 4, max_words=200, chunks=2, block=64)
    assert index.shape == (200, 4) and index.max() < 200
    ref_scores, ref_index = brute_force(x[:200], 4, "cosine")
    assert_matches(scores, index, ref_scores, ref_index, 1e-5)


def test_chunk_pairs_partition_the_block_pairs() -> None:
    pairs = block_pairs(10_000, 512)
    assert len(pairs) == 20 * 21 // 2
    for chunks in (1, 2, 7, 300):
        owned = [p for c in range(chunks) for p in chunk_pairs(10_000, chunks, c, 512)]
        assert owned == pairs  # every pair exactly once, in order
    costs = [
        sum(0.5 if i == j else 1.0 for i, j in chunk_pairs(10_000, 4, c, 512)) for c in range(4)
    ]
    assert max(costs) - min(costs) <= 1.0  # diagonal pairs count half


def test_bad_arguments() -> None:
    x = np.zeros((10, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="k=10 must be between 1 and 9"):
        exact_neighbors(x, 10)
    with pytest.raises(ValueError, match="unknown metric"):
        prepare(x, "manhattan")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="chunk 3 outside"):
        chunk_pairs(10, 3, 3)
    score, index, thr = empty_topk(10, 2)
    with pytest.raises(ValueError, match="overlapping"):
        _topk.fused_update(x, 3, np.zeros(10, np.float32), 0, 6, 4, 10, score, index, thr)


def test_real_vectors_known_neighbours(tiny_glove) -> None:
    from embedlab.vectors.read import read_glove_text

    parsed = read_glove_text(tiny_glove)
    scores, index = exact_neighbors(parsed.vectors, 5, chunks=3, threads=2)
    words = parsed.words
    at = {w: i for i, w in enumerate(words)}
    assert words[index[at["king"], 0]] == "prince"
    assert words[index[at["computer"], 0]] == "computers"
    ref_scores, ref_index = brute_force(parsed.vectors, 5, "cosine")
    assert_matches(scores, index, ref_scores, ref_index, 1e-5)
    one, top = query(parsed.vectors, at["king"], 5)
    assert top.tolist() == index[at["king"]].tolist()
    np.testing.assert_allclose(one, scores[at["king"]], atol=1e-6)
