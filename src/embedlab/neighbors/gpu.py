"""A chunk job's block pairs on a GPU, with TensorFlow: matmul + top-k per span of blocks.

Asked for by `neighbors.device: gpu` or a `gpu` resource given to `neighbors_chunk` (the
profile's `set-resources`); CPU chunk jobs never import this module, so they never load
TensorFlow. Row block I meets a run of consecutive column blocks J (at most SPAN columns) in one
float32 matmul (TF32 off, so products are full float32 as on the CPU); pairs with j <= i are
masked, `tf.math.top_k` takes the best k of every row and of every column (ties to the lower
index, the same rule as the C kernel), and those lists are merged into the running ones on the
host. The summation order of a GPU matmul differs from the C kernel's in-order FMAs, so scores
can differ in the last bits: lists are identical except between candidates whose scores differ
by less than about 1e-6 (tested on TensorFlow's CPU device).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from embedlab.neighbors import _topk
from embedlab.neighbors.blocks import BLOCK, NO_INDEX, Prepared, check_k, empty_topk

SPAN = 65536  # columns of one matmul: BLOCK x SPAN float32 = 512 MB on the device


def runs(
    pairs: Sequence[tuple[int, int]], block: int = BLOCK, span: int = SPAN
) -> Iterator[tuple[int, int, int]]:
    """(I, first J, last J) for runs of consecutive column blocks of the same row block, each
    at most `span` columns wide (a chunk owns contiguous runs of the row-major pair list)."""
    width = max(1, span // block)
    start = 0
    for p in range(1, len(pairs) + 1):
        i, j = pairs[p - 1]
        if p == len(pairs) or pairs[p][0] != i or pairs[p][1] != j + 1 or p - start >= width:
            yield pairs[start][0], pairs[start][1], j
            start = p


def device_name(log: Any = None) -> str:
    """The first GPU, with memory growth on, else the CPU (with a warning in the job log)."""
    import tensorflow as tf

    tf.config.experimental.enable_tensor_float_32_execution(False)
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        with contextlib.suppress(RuntimeError):  # already initialised: growth stays as it is
            tf.config.experimental.set_memory_growth(gpu, True)
    if not gpus and log:
        log.warning("no GPU visible to TensorFlow: the block pairs run on its CPU device")
    return "/GPU:0" if gpus else "/CPU:0"


def partial_topk_tf(
    prep: Prepared,
    k: int,
    pairs: Sequence[tuple[int, int]],
    block: int = BLOCK,
    progress: Callable[[int], None] | None = None,
    log: Any = None,
    device: str | None = None,
    span: int = SPAN,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k keys and indices of every word from the given block pairs, like
    `neighbors.partial_topk`, computed by TensorFlow on `device` (default: GPU if any)."""
    import tensorflow as tf

    n = prep.n
    check_k(k, n)
    device = device or device_name(log)
    tf.config.experimental.enable_tensor_float_32_execution(False)
    score, index, _ = empty_topk(n, k)
    with tf.device(device):
        x = tf.constant(prep.x)
        h = tf.constant(prep.h)
        for bi, bj0, bj1 in runs(pairs, block, span):
            i0, i1 = bi * block, min(n, (bi + 1) * block)
            j0, j1 = bj0 * block, min(n, (bj1 + 1) * block)
            s = tf.matmul(x[i0:i1], x[j0:j1], transpose_b=True)
            valid = tf.range(j0, j1)[None, :] > tf.range(i0, i1)[:, None]
            rows = tf.where(valid, s - h[None, j0:j1], -np.inf)
            cols = tf.transpose(tf.where(valid, s - h[i0:i1, None], -np.inf))
            for (a0, a1), (b0, keys) in (((i0, i1), (j0, rows)), ((j0, j1), (i0, cols))):
                top_s, top_i = tf.math.top_k(keys, k=min(k, keys.shape[1]))
                ts = np.ascontiguousarray(top_s.numpy(), dtype=np.float32)
                ti = top_i.numpy().astype(np.int32) + np.int32(b0)
                ti[ts == -np.inf] = NO_INDEX  # masked pairs are not candidates
                _topk.merge_into(score[a0:a1], index[a0:a1], ts, ti)
            if progress:
                progress(bj1 - bj0 + 1)
    return score, index
