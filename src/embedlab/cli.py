"""`embedlab` command line: the pipeline's steps without Snakemake.

Imports are done inside the commands so that `embedlab convert` and `embedlab info` start in a
fraction of a second and never load TensorFlow.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence


def _convert(args: argparse.Namespace) -> int:
    from embedlab.convert import convert

    summary = convert(
        args.text, args.store, dim=args.dim, on_bad_line=args.on_bad_line, threads=args.threads
    )
    print(
        f"{args.store}: {summary.n_words:,} words x {summary.dim} "
        f"({summary.n_skipped:,} bad lines skipped); parse {summary.parse_seconds:.2f} s, "
        f"total {summary.total_seconds:.2f} s; source sha256 {summary.sha256}"
    )
    return 0


def _info(args: argparse.Namespace) -> int:
    import h5py

    with h5py.File(args.store, "r") as f:
        print(f"{args.store}")
        for name, ds in f.items():
            print(f"  {name}: {ds.dtype} {ds.shape}")
        for key in sorted(f.attrs):
            print(f"  {key} = {f.attrs[key]}")
        if "words" in f:
            first = [w.decode("utf-8") for w in f["words"][:5]]
            print(f"  first words: {' '.join(first)}")
    return 0


def _load(path: str):
    from embedlab.store import read_store

    return read_store(path)


def _unknown(words: list[str], store_path: str) -> int:
    print(
        f"embedlab: not in the vocabulary of {store_path}: {', '.join(words)} "
        "(words are case-sensitive; GloVe 6B is lower-case)",
        file=sys.stderr,
    )
    return 2


def _neighbors(args: argparse.Namespace) -> int:
    from embedlab.neighbors import query

    store = _load(args.store)
    if args.word not in store.index:
        return _unknown([args.word], args.store)
    scores, top = query(store.vectors, store.index[args.word], args.k, args.metric)
    label = "similarity" if args.metric == "cosine" else "distance"
    print(f"rank\tword\t{label}")
    for rank, (i, score) in enumerate(zip(top.tolist(), scores.tolist(), strict=True), 1):
        print(f"{rank}\t{store.words[i]}\t{score:.4f}")
    return 0


def _analogy(args: argparse.Namespace) -> int:
    from embedlab.analogy import answer_query
    from embedlab.vectors import unit_rows

    store = _load(args.store)
    answers = answer_query(
        args.query, store.words, store.index, store.vectors, unit_rows(store.vectors), args.k
    )
    if answers[0].missing:
        return _unknown(answers[0].missing, args.store)
    print("method\trank\tword\tscore")
    for answer in answers:
        if args.method and answer.method != args.method:
            continue
        for rank, (word, score) in enumerate(zip(answer.words, answer.scores, strict=True), 1):
            print(f"{answer.method}\t{rank}\t{word}\t{score:.4f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="embedlab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("convert", help="GloVe text file -> HDF5 store")
    p.add_argument("text", help="GloVe-format text file (word v1 ... vd per line)")
    p.add_argument("store", help="HDF5 file to write")
    p.add_argument("--dim", type=int, default=None, help="vector size (default: from line 1)")
    p.add_argument("--on-bad-line", choices=["error", "skip"], default="error")
    p.add_argument("--threads", type=int, default=None, help="parser threads (default: all cores)")
    p.set_defaults(func=_convert)

    p = sub.add_parser("info", help="describe an HDF5 store")
    p.add_argument("store")
    p.set_defaults(func=_info)

    p = sub.add_parser("neighbors", help="nearest neighbours of one word")
    p.add_argument("store")
    p.add_argument("word")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--metric", choices=["cosine", "euclidean"], default="cosine")
    p.set_defaults(func=_neighbors)

    p = sub.add_parser("analogy", help='answer an analogy query like "king - man + woman"')
    p.add_argument("store")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--method", choices=["3CosAdd", "3CosMul", "lab"], default=None)
    p.set_defaults(func=_analogy)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ValueError, RuntimeError, OSError) as e:
        print(f"embedlab {args.command}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
