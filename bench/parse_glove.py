"""Benchmark: GloVe text -> words + float32 matrix, ours against the peers a user would pick.

Each method runs in its own Python process (so peak memory is its own), `--repeat` times, in
turns; the script prints median wall seconds of the parse itself, peak RSS, and the ratio of each
peer's median to ours. It also times `embedlab convert` as a whole process (start-up, parse, hash,
HDF5 write). Results are checked for equality with ours, so a fast wrong parser cannot win.

    python bench/parse_glove.py                       # glove.6B.50d (bundled, written if missing)
    python bench/parse_glove.py --widen 6             # the same words at 300d, to check scaling
    python bench/parse_glove.py --methods ours pandas # a subset
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shared import child_output, require_peers

DEFAULT_TEXT = Path("resources/vectors/glove.6B.50d.txt")
PEER_MODULES = {"gensim": "gensim", "pandas": "pandas"}  # method -> module (the dev extra)


def parse_ours(path: str) -> tuple[list[str], np.ndarray]:
    from embedlab.vectors.read import read_glove_text

    parsed = read_glove_text(path)
    return parsed.words, parsed.vectors


def parse_lab_loop(path: str) -> tuple[list[str], np.ndarray]:
    """The seed lab's loader: split each line, one small array per word, stack at the end."""
    words, rows = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            values = line.rstrip("\n").split(" ")
            words.append(values[0])
            rows.append(np.asarray(values[1:], dtype="float32"))
    return words, np.stack(rows)


def parse_gensim(path: str) -> tuple[list[str], np.ndarray]:
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load_word2vec_format(path, binary=False, no_header=True)
    return list(kv.index_to_key), kv.vectors


def parse_pandas(path: str) -> tuple[list[str], np.ndarray]:
    """pandas' C engine set up safely: no quoting (the word '"'), no NA parsing ('nan', 'null')."""
    import csv

    import pandas as pd

    frame = pd.read_csv(
        path,
        sep=" ",
        header=None,
        quoting=csv.QUOTE_NONE,
        na_filter=False,
        engine="c",
        encoding="utf-8",
        dtype={0: str},
    )
    return frame[0].tolist(), frame.iloc[:, 1:].to_numpy(dtype=np.float32)


METHODS = {
    "ours": parse_ours,
    "lab_loop": parse_lab_loop,
    "gensim": parse_gensim,
    "pandas": parse_pandas,
}


def child(method: str, path: str, check: str | None) -> None:
    start = time.perf_counter()
    words, vectors = METHODS[method](path)
    seconds = time.perf_counter() - start
    result = {"seconds": seconds, "rows": len(words)}
    if check:
        ref = np.load(check)
        same = vectors.shape == ref.shape and bool(np.array_equal(vectors, ref))
        result["identical_to_ours"] = same
    else:
        np.save(tempfile.gettempdir() + "/embedlab-bench-ours.npy", vectors)
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_child(method: str, path: Path, check: str | None) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", method, "--file", str(path)]
    if check:
        cmd += ["--check", check]
    out = child_output(cmd, what=f"{method} on {path}")
    return json.loads(out.strip().splitlines()[-1])


def time_convert(path: Path) -> float:
    exe = Path(sys.executable).parent / "embedlab"
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        child_output([str(exe), "convert", str(path), f"{tmp}/s.h5"], what="embedlab convert")
        return time.perf_counter() - start


def widen(src: Path, factor: int) -> Path:
    """The same words with each vector repeated `factor` times (50d -> 300d at factor 6)."""
    dest = Path(tempfile.gettempdir()) / f"{src.stem}.x{factor}.txt"
    if not dest.exists():
        with open(src, "rb") as fin, open(dest, "wb") as fout:
            for line in fin:
                word, rest = line.rstrip(b"\n").split(b" ", 1)
                fout.write(word + b" " + b" ".join([rest] * factor) + b"\n")
    return dest


def ensure_text(path: Path) -> Path:
    if path.exists():
        return path
    from embedlab.vectors.bundled import write_bundled_glove

    print(f"{path} is missing; writing it from the bundled package ...", file=sys.stderr)
    return write_bundled_glove(path, workers=2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=DEFAULT_TEXT)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--widen", type=int, default=1, help="repeat each vector N times (6 -> 300d)")
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    ap.add_argument("--child", choices=list(METHODS), help=argparse.SUPPRESS)
    ap.add_argument("--check", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, str(args.file), args.check)
        return
    require_peers(*(PEER_MODULES[m] for m in args.methods if m in PEER_MODULES))
    path = ensure_text(args.file)
    if args.widen > 1:
        path = widen(path, args.widen)
    methods = ["ours"] + [m for m in args.methods if m != "ours"]
    reference = tempfile.gettempdir() + "/embedlab-bench-ours.npy"
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
    converts = []
    for _ in range(args.repeat):  # in turns, so drift of the machine hits every method alike
        for m in methods:
            runs[m].append(run_child(m, path, None if m == "ours" else reference))
        converts.append(time_convert(path))
    ours = statistics.median(r["seconds"] for r in runs["ours"])
    print(
        f"file: {path} ({path.stat().st_size:,} bytes), {runs['ours'][0]['rows']:,} rows; "
        f"median of {args.repeat} runs"
    )
    print(f"{'method':<10} {'parse s':>8} {'min':>7} {'max':>7} {'peak MB':>8} {'x ours':>7}  same")
    for m in methods:
        secs = [r["seconds"] for r in runs[m]]
        med = statistics.median(secs)
        rss = statistics.median(r["max_rss_mb"] for r in runs[m])
        same = "-" if m == "ours" else str(all(r.get("identical_to_ours") for r in runs[m]))
        spread = f"{min(secs):7.2f} {max(secs):7.2f}"
        print(f"{m:<10} {med:8.2f} {spread} {rss:8.0f} {med / ours:7.1f}  {same}")
    print(
        f"embedlab convert, whole process (start-up + parse + SHA-256 + HDF5 write): "
        f"median {statistics.median(converts):.2f} s "
        f"(min {min(converts):.2f}, max {max(converts):.2f})"
    )


if __name__ == "__main__":
    main()
