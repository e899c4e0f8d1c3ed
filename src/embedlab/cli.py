"""`embedlab` command line: the pipeline's steps without Snakemake.

Imports are done inside the commands so that `embedlab convert` and `embedlab info` start in a
fraction of a second and never load TensorFlow.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from embedlab.vectors.store import WordStore


CASE_RULE = (
    "Words are looked up as written, else in lower case (with a note on stderr), so cased "
    "vocabularies keep 'Paris' and 'paris' apart."
)


def _convert(args: argparse.Namespace) -> int:
    from embedlab.vectors.convert import convert

    if os.path.exists(args.store) and not args.force:
        _say(args, f"error: {args.store} exists; give --force to replace it, or another file name")
        return 1
    summary = convert(
        args.text,
        args.store,
        dim=args.dim,
        on_bad_line=args.on_bad_line,
        threads=args.threads,
        format=args.format,
        limit=args.limit,
        unicode_errors=args.unicode_errors,
    )
    n = summary.n_skipped
    skipped = f"; {n:,} bad line{'s' * (n != 1)} skipped" if n else ""
    print(
        f"{args.store}: {summary.n_words:,} words x {summary.dim} from {summary.format} "
        f"({summary.detected}){skipped}; parse {summary.parse_seconds:.2f} s, "
        f"total {summary.total_seconds:.2f} s; source sha256 {summary.sha256}"
    )
    return 0


def _info(args: argparse.Namespace) -> int:
    from embedlab.vectors.store import describe_store

    datasets, attrs, first = describe_store(args.store)
    print(f"{args.store}")
    for name, (dtype, shape) in datasets.items():
        print(f"  {name}: {dtype} {shape}")
    for key, value in attrs.items():
        shown = "none (every word)" if key == "limit" and value == 0 else value
        print(f"  {key} = {shown}")
    if first:
        print(f"  first words: {' '.join(first)}")
    return 0


def _load(path: str) -> WordStore:
    from embedlab.vectors.store import read_store

    return read_store(path)


def _say(args: argparse.Namespace, message: str) -> None:
    print(f"embedlab {args.command}: {message}", file=sys.stderr)


def _bad_k(args: argparse.Namespace, limit: int, why: str) -> int | None:
    """Argparse-style refusal (one line, exit status 2) of a k outside 1..limit."""
    if 1 <= args.k <= limit:
        return None
    _say(args, f"error: argument -k: {args.k} is outside the allowed range 1..{limit} ({why})")
    return 2


def _word(args: argparse.Namespace, store: WordStore) -> str | None:
    """The query word by the case rule (exact, else lower case with a note), or None after
    saying why not."""
    from embedlab.analogy.answers import resolve_word

    found, note = resolve_word(args.word, store.index)
    if found is None:
        if not args.word.strip():
            _say(args, "error: the word is empty; give a word of the vocabulary")
        else:
            _unknown(args, [args.word])
    elif note:
        _say(args, note)
    return found


def _unknown(args: argparse.Namespace, words: list[str]) -> int:
    listed = ", ".join(repr(w) for w in words)
    _say(
        args, f"error: not in the vocabulary of {args.store}, as written or in lower case: {listed}"
    )
    return 1


def _neighbors(args: argparse.Namespace) -> int:
    from embedlab.neighbors.exact import query

    store = _load(args.store)
    word = _word(args, store)
    if word is None:
        return 1
    if (bad := _bad_k(args, len(store) - 1, f"the words other than {word!r}")) is not None:
        return bad
    scores, top = query(store.vectors, store.index[word], args.k, args.metric)
    label = "similarity" if args.metric == "cosine" else "distance"
    lines = [f"rank\tword\t{label}"]
    for rank, (i, score) in enumerate(zip(top.tolist(), scores.tolist(), strict=True), 1):
        lines.append(f"{rank}\t{store.words[i]}\t{score:.4f}")
    print("\n".join(lines))
    return 0


def _analogy(args: argparse.Namespace) -> int:
    from embedlab.analogy.answers import METHODS, answer_query, max_k, resolve_query, unit_rows

    store = _load(args.store)
    query = resolve_query(args.query, store.index)
    for note in query.notes:
        _say(args, note)
    if query.missing:
        return _unknown(args, query.missing)
    methods = [args.method] if args.method else list(METHODS)
    limit = max_k(len(store), query, methods)
    why = (
        "the whole vocabulary"
        if limit == len(store)
        else f"the words other than the query's; --method lab allows up to {len(store)}"
    )
    if (bad := _bad_k(args, limit, why)) is not None:
        return bad
    unit = unit_rows(store.vectors)
    answers = answer_query(query, store.words, store.index, store.vectors, unit, args.k, methods)
    lines = ["method\trank\tword\tscore"]
    for answer in answers:
        for rank, (word, score) in enumerate(zip(answer.words, answer.scores, strict=True), 1):
            lines.append(f"{answer.method}\t{rank}\t{word}\t{score:.4f}")
    print("\n".join(lines))
    return 0


# neighbors' WORD and analogy's QUERY may begin with '-' ('-lrb-', '-king + queen'), which
# argparse would take for an option ('-king' as -k 'ing'): such an argument stands aside while
# argparse parses (_set_aside_dash_word); after '--' argparse takes anything as positional
STAND_IN = "\x00word"
VALUE_OPTIONS = frozenset({"-k", "--metric", "--method"})
NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d*)?")  # positional to argparse


def _is_option(arg: str) -> bool:
    """'--metric', '--method=lab', '-h', '-k5', '-k-5' (with its value); not '-king', '-lrb-',
    '-man + king'."""
    return arg.startswith("--") or arg == "-h" or re.fullmatch(r"-k=?-?\d+", arg) is not None


def _set_aside_dash_word(argv: list[str]) -> tuple[list[str], str | None]:
    """`argv` with the WORD or QUERY (the argument after STORE) replaced by STAND_IN when it
    begins with '-' and is no option, and that argument (None when nothing was set aside)."""
    if not argv or argv[0] not in ("neighbors", "analogy"):
        return argv, None
    positionals, i = 0, 1
    while i < len(argv) and argv[i] != "--":
        arg = argv[i]
        if arg in VALUE_OPTIONS:
            i += 1  # and its value
        elif not arg.startswith("-") or arg == "-" or NEGATIVE_NUMBER.fullmatch(arg):
            positionals += 1
        elif positionals == 1 and not _is_option(arg):
            return [*argv[:i], STAND_IN, *argv[i + 1 :]], arg
        i += 1
    return argv, None


def _k(text: str) -> int:
    """-k's value; a word beginning with '-' in its place gets a hint."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid whole number {text!r}; a word or query that begins with '-' goes after "
            "'--', e.g. embedlab analogy STORE -- '-king + queen'"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="embedlab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("convert", help="word-vector file -> HDF5 store")
    p.add_argument(
        "text", help="GloVe text, word2vec/fastText text or word2vec binary, optionally .gz"
    )
    p.add_argument("store", help="HDF5 file to write")
    p.add_argument(
        "--format",
        choices=["auto", "glove", "word2vec-text", "word2vec-binary"],
        default="auto",
        help="default: detected from the content",
    )
    p.add_argument(
        "--dim", type=int, default=None, help="vector size (default: the header, or the lines)"
    )
    p.add_argument("--limit", type=int, default=None, help="keep the first N words only")
    p.add_argument("--unicode-errors", choices=["strict", "replace", "ignore"], default="strict")
    p.add_argument("--on-bad-line", choices=["error", "skip"], default="error")
    p.add_argument("--threads", type=int, default=None, help="parser threads (default: all cores)")
    p.add_argument("--force", action="store_true", help="replace STORE if it exists")
    p.set_defaults(func=_convert)

    p = sub.add_parser("info", help="describe an HDF5 store")
    p.add_argument("store")
    p.set_defaults(func=_info)

    p = sub.add_parser(
        "neighbors",
        help="nearest neighbours of one word",
        description=f"The k nearest neighbours of WORD, the word itself excluded. {CASE_RULE}",
    )
    p.add_argument("store", help="word store (embedlab convert, or results/vectors/<name>.h5)")
    p.add_argument("word")
    p.add_argument("-k", type=_k, default=10, help="how many, 1..N-1 (default: 10)")
    p.add_argument("--metric", choices=["cosine", "euclidean"], default="cosine")
    p.set_defaults(func=_neighbors)

    p = sub.add_parser(
        "analogy",
        help='answer an analogy query like "king - man + woman"',
        description=(
            "Answer b - a + c by three methods: 3CosAdd (gensim most_similar) and 3CosMul (gensim "
            "most_similar_cosmul), which exclude the query words, and the lab's method (nearest "
            "raw vector to the signed sum by Euclidean distance), which keeps them on purpose, so "
            "it often answers with a query word first. A token found in the vocabulary is a word "
            "('e-mail', '-lrb-'); other tokens are split on + and -, so 'king-man+woman' works, "
            "and a query may begin with '-' ('-king + queen'). "
            f"{CASE_RULE}"
        ),
    )
    p.add_argument("store", help="word store (embedlab convert, or results/vectors/<name>.h5)")
    p.add_argument("query")
    p.add_argument(
        "-k",
        type=_k,
        default=10,
        help="answers per method: 1..N minus the query words, 1..N with --method lab (default: 10)",
    )
    p.add_argument(
        "--method",
        choices=["3CosAdd", "3CosMul", "lab"],
        default=None,
        help="one method only (default: all three); 3CosAdd and 3CosMul exclude the query "
        "words, lab keeps them",
    )
    p.set_defaults(func=_analogy)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    argv, dash_word = _set_aside_dash_word(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    if dash_word is not None:
        setattr(args, "word" if args.command == "neighbors" else "query", dash_word)
    try:
        return int(args.func(args))
    except BrokenPipeError:
        # The reader went away (`embedlab neighbors ... | head`): stop quietly, with the status a
        # shell gives a process ended by SIGPIPE, and keep the final flush from raising again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13
    except (ValueError, RuntimeError, OSError) as e:
        print(f"embedlab {args.command}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
