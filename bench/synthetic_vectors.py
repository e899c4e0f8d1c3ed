"""Seeded synthetic word vectors at real scale, for the benchmarks (nothing large is committed).

    python bench/synthetic_vectors.py --words 2200000 --dim 300 --text /scratch/s.txt
    python bench/synthetic_vectors.py --words 400000 --dim 300 --binary /scratch/s.bin
    python bench/synthetic_vectors.py --words 2200000 --dim 300 --store /scratch/s.h5

The vectors are clustered Gaussians (4,096 centres), like real embeddings in having neighbours
that are much closer than the rest. `--text` writes glove.840B.300d's shape: no header, values
with 8 characters each ("-0.12345", "0.123456"; about 5.9 GB at 2.2M x 300), some non-ASCII
words. `--binary` writes word2vec's binary format as word2vec.c does (header, then word, space,
float32 values, newline). `--store` writes
an embedlab store of the same vectors. Every output is a function of --words, --dim and --seed
only; the neighbour benchmark (bench/neighbors.py --scale) uses --store.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROWS = 1 << 16  # rows generated at a time
CENTRES = 4096
# glove.840B's first words are multi-word tokens (". . .", "at the"), which embedlab reads but
# gensim's loader cannot (it takes the first field as the word): joined by "_" here, so that both
# read the same file (tests/vectors/test_read.py covers multi-word tokens)
FIRST_WORDS = ["._._.", "at_the", "-", ",", "the", "Köln", "naïve", "日本"]


def words(n: int) -> list[str]:
    """n distinct words: a few multi-word and non-ASCII tokens first, then w0000000, ..."""
    head = FIRST_WORDS[:n]
    return head + [f"w{i:07d}" for i in range(n - len(head))]


def blocks(n: int, d: int, seed: int) -> Iterator[np.ndarray]:
    """The n x d float32 vectors, ROWS at a time, in (-1, 1): a centre plus noise."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-0.6, 0.6, (CENTRES, d)).astype(np.float32)
    for r0 in range(0, n, ROWS):
        m = min(n, r0 + ROWS) - r0
        x = centres[rng.integers(0, CENTRES, m)]
        x += rng.normal(0, 0.15, (m, d)).astype(np.float32)
        yield np.clip(x, -0.99999, 0.99999, out=x)


def text_values(x: np.ndarray) -> np.ndarray:
    """Each value as 8 ASCII bytes ('-0.12345' or '0.123456') followed by a space; the last
    space of a row becomes the line's newline: [m, d * 9] uint8."""
    m, d = x.shape
    negative = x < 0
    five = np.minimum(np.rint(-x * 1e5), 99999).astype(np.int64)  # digits after '-0.'
    six = np.minimum(np.rint(x * 1e6), 999999).astype(np.int64)  # digits after '0.'
    zero = ord("0")
    out = np.empty((m, d, 9), dtype=np.uint8)
    out[..., 0] = np.where(negative, ord("-"), zero)
    out[..., 1] = np.where(negative, zero, ord("."))
    for j in range(2, 8):
        positive_digit = six // 10 ** (7 - j) % 10 + zero
        negative_char = ord(".") if j == 2 else five // 10 ** (7 - j) % 10 + zero
        out[..., j] = np.where(negative, negative_char, positive_digit)
    out[..., 8] = ord(" ")
    out[:, -1, 8] = ord("\n")
    return out.reshape(m, d * 9)


def write_text(path: Path, n: int, d: int, seed: int) -> None:
    names = [w.encode() + b" " for w in words(n)]
    row = 0
    with open(path, "wb") as fh:
        for x in blocks(n, d, seed):
            values = text_values(x)
            fh.write(b"".join(names[row + i] + values[i].tobytes() for i in range(len(x))))
            row += len(x)


def write_binary(path: Path, n: int, d: int, seed: int) -> None:
    names = [w.encode() + b" " for w in words(n)]
    row = 0
    with open(path, "wb") as fh:
        fh.write(f"{n} {d}\n".encode())
        for x in blocks(n, d, seed):
            rows = x.astype("<f4")
            fh.write(b"".join(names[row + i] + rows[i].tobytes() + b"\n" for i in range(len(x))))
            row += len(x)


def write_store_file(path: Path, n: int, d: int, seed: int) -> None:
    from embedlab.vectors.store import write_store

    x = np.empty((n, d), dtype=np.float32)
    row = 0
    for block in blocks(n, d, seed):
        x[row : row + len(block)] = block
        row += len(block)
    write_store(path, words(n), x, {"source": f"bench/synthetic_vectors.py seed {seed}"})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=2_200_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--text", type=Path, help="write GloVe-style text here")
    ap.add_argument("--binary", type=Path, help="write word2vec binary here")
    ap.add_argument("--store", type=Path, help="write an embedlab store here")
    args = ap.parse_args()
    if not (args.text or args.binary or args.store):
        sys.exit("nothing to write: give --text, --binary and/or --store")
    for path, write in (
        (args.text, write_text),
        (args.binary, write_binary),
        (args.store, write_store_file),
    ):
        if path:
            tmp = path.with_name(path.name + ".partial")
            write(tmp, args.words, args.dim, args.seed)
            tmp.replace(path)
            print(f"{path}: {args.words:,} x {args.dim}, {path.stat().st_size / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
