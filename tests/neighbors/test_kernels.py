"""The kernel's paths (portable, AVX2, AVX-512) give the same bits; the merge of sorted lists;
the in-place normalisation; the TensorFlow path against the C kernel."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analogy.answers import unit_rows
from embedlab.neighbors import _topk
from embedlab.neighbors.blocks import NO_INDEX, empty_topk, merge_topk, prepare
from embedlab.neighbors.exact import exact_neighbors, kernels

FLAG = {"avx2": "avx2 and fma", "avx512": "avx512f"}


def need(kernel: str) -> None:
    if kernel not in kernels():
        pytest.skip(f"this CPU lacks {kernel} (no {FLAG[kernel]} in lscpu's flags): untested here")


@pytest.mark.parametrize("kernel", ["avx2", "avx512"])
@pytest.mark.parametrize(
    ("n", "d", "k", "block", "metric"),
    [
        (1000, 50, 10, 256, "cosine"),  # glove.6B.50d's width
        (777, 13, 7, 100, "euclidean"),  # blocks and widths that are no multiple of any tile
        (1500, 200, 5, 1500, "cosine"),  # wide rows: B is walked in L2-sized column groups
        (60, 3, 59, 16, "euclidean"),  # k = n - 1
    ],
)
def test_simd_paths_equal_the_portable_path_bit_for_bit(kernel, n, d, k, block, metric) -> None:
    need(kernel)
    x = np.random.default_rng(n * d).standard_normal((n, d)).astype(np.float32)
    x[5] = x[6]  # exact ties
    ref = exact_neighbors(x, k, metric, chunks=3, block=block, kernel="generic")
    got = exact_neighbors(x, k, metric, chunks=3, block=block, kernel=kernel, threads=2)
    assert got[1].tobytes() == ref[1].tobytes()
    assert got[0].tobytes() == ref[0].tobytes()


def test_auto_is_the_fastest_path_this_cpu_runs(tiny_glove) -> None:
    from embedlab.vectors.read import read_glove_text

    assert kernels()[0] == "generic"
    vectors = read_glove_text(tiny_glove).vectors
    ref = exact_neighbors(vectors, 5, chunks=2, kernel=kernels()[-1])
    got = exact_neighbors(vectors, 5, chunks=2)
    assert got[0].tobytes() == ref[0].tobytes() and got[1].tobytes() == ref[1].tobytes()


def test_kernel_names_are_checked() -> None:
    x = np.zeros((10, 3), dtype=np.float32)
    score, index, thr = empty_topk(10, 2)
    h = np.zeros(10, np.float32)
    with pytest.raises(ValueError, match="unknown kernel 'sse9'"):
        _topk.fused_update(x, 3, h, 0, 5, 5, 10, score, index, thr, "sse9")
    for kernel in ("avx2", "avx512"):
        if kernel not in kernels():
            with pytest.raises(ValueError, match="which this CPU lacks"):
                _topk.fused_update(x, 3, h, 0, 5, 5, 10, score, index, thr, kernel)


def sorted_lists(rng: np.random.Generator, n: int, k: int, pool: np.ndarray):
    """n lists of k (score, index) pairs drawn from `pool` candidates, best first; scores on a
    coarse grid so that ties are frequent; some lists padded with (-inf, NO_INDEX)."""
    idx = np.stack([rng.choice(pool, k, replace=False) for _ in range(n)]).astype(np.int32)
    s = rng.integers(0, 5, (n, k)).astype(np.float32) / 4
    order = np.lexsort((idx, -s), axis=1)
    s, idx = np.take_along_axis(s, order, 1), np.take_along_axis(idx, order, 1)
    s[: n // 4, k // 2 :] = -np.inf
    idx[: n // 4, k // 2 :] = NO_INDEX
    return s, idx


def test_merge_equals_a_sort_of_the_union() -> None:
    rng = np.random.default_rng(7)
    n, k = 300, 6
    a = sorted_lists(rng, n, k, np.arange(0, 1000))
    b = sorted_lists(rng, n, 4, np.arange(1000, 2000))  # disjoint candidates, a shorter list
    c = sorted_lists(rng, n, k, np.arange(2000, 3000))
    s = np.concatenate([a[0], b[0], c[0]], axis=1)
    ix = np.concatenate([a[1], b[1], c[1]], axis=1)
    order = np.lexsort((ix, -s), axis=1)[:, :k]
    got = merge_topk([a[0], b[0], c[0]], [a[1], b[1], c[1]], k)
    assert np.array_equal(got[1], np.take_along_axis(ix, order, 1))
    assert np.array_equal(got[0], np.take_along_axis(s, order, 1))


def test_in_place_normalisation_equals_unit_rows() -> None:
    x = np.random.default_rng(4).standard_normal((70_000, 30)).astype(np.float32)
    x[3] = 0  # stays zero
    expected = unit_rows(x)
    given = x.copy()
    prep = prepare(given, "cosine", inplace=True)
    assert np.shares_memory(prep.x, given)  # no second copy of the store
    assert prep.x.tobytes() == expected.tobytes()
    assert prepare(x, "cosine").x.tobytes() == expected.tobytes() and not np.shares_memory(
        prepare(x, "cosine").x, x
    )


@pytest.mark.slow  # TensorFlow and Keras
@pytest.mark.xdist_group("tensorflow")  # make test: one worker imports it
def test_tensorflow_path_on_the_cpu_equals_the_c_kernel(tiny_glove) -> None:
    """3,000 real words, k = 10: identical lists except where two candidates' scores differ by
    less than 1e-6 (the matmul sums in another order than the kernel's in-order FMAs)."""
    pytest.importorskip("tensorflow")
    from embedlab.neighbors.blocks import chunk_pairs
    from embedlab.neighbors.gpu import partial_topk_tf, runs
    from embedlab.vectors.read import read_glove_text

    vectors = read_glove_text(tiny_glove).vectors
    for metric in ("cosine", "euclidean"):
        c_scores, c_index = exact_neighbors(vectors, 10, metric, chunks=3, block=512)
        g_scores, g_index = exact_neighbors(vectors, 10, metric, chunks=3, block=512, device="gpu")
        np.testing.assert_allclose(g_scores, c_scores, rtol=0, atol=1e-5)
        differ = g_index != c_index
        assert differ.mean() < 0.01
        prep = prepare(vectors, metric)
        for r, j in zip(*np.nonzero(differ), strict=True):  # only swaps of near-ties
            a, b = c_index[r, j], g_index[r, j]
            key_a = float(prep.x[r] @ prep.x[a] - prep.h[a])
            key_b = float(prep.x[r] @ prep.x[b] - prep.h[b])
            assert abs(key_a - key_b) < 1e-6, (r, j, a, b, key_a, key_b)
    # spans narrower than a row of blocks: the same lists
    prep = prepare(vectors, "cosine")
    pairs = chunk_pairs(prep.n, 1, 0, 512)
    assert sum(j1 - j0 + 1 for _, j0, j1 in runs(pairs, 512, 1024)) == len(pairs)
    wide = partial_topk_tf(prep, 10, pairs, 512, device="/CPU:0")
    narrow = partial_topk_tf(prep, 10, pairs, 512, device="/CPU:0", span=1024)
    assert np.array_equal(wide[1], narrow[1])
