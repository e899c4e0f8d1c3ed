"""Benchmark: word-vector files at real scale, ours against gensim's loader, in the same run.

    python bench/parse_vectors.py                      # both cases below, ours x3, gensim x1
    python bench/parse_vectors.py --cases binary --repeat 5 --gensim-repeat 3

Cases (files from bench/synthetic_vectors.py, made once in --scratch; nothing is committed):
- `text`: 2,200,000 x 300 GloVe-style text without a header (glove.840B.300d's shape, ~5.9 GB),
  read by `embedlab.vectors.read.read_vectors` and by gensim's
  `KeyedVectors.load_word2vec_format(no_header=True)`;
- `binary`: 400,000 x 300 word2vec binary (as word2vec.c writes it), read by both.

Each read runs in its own process; the time is the read call alone (imports excluded), and
while it runs this script samples `Anonymous` in /proc/<pid>/smaps_rollup every 10 ms: the
peak of memory the process owns (a memory-mapped input file's pages are not counted), printed
as a multiple of the float32 matrix. Both readers' words and vectors are hashed and must agree,
so a fast wrong reader cannot win. Prints each run, the medians, and gensim's median / ours.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shared import child_failure, child_output, cpu_line, load_line, require_peers

HERE = Path(__file__).resolve().parent
CASES = {"text": (2_200_000, 300, "txt"), "binary": (400_000, 300, "bin")}


def read_ours(path: str) -> tuple[list[str], np.ndarray]:
    from embedlab.vectors.read import read_vectors

    parsed, _ = read_vectors(path)
    return parsed.words, parsed.vectors


def read_gensim(path: str) -> tuple[list[str], np.ndarray]:
    from gensim.models import KeyedVectors

    binary = path.endswith(".bin")
    kv = KeyedVectors.load_word2vec_format(path, binary=binary, no_header=not binary)
    return list(kv.index_to_key), kv.vectors


READERS = {"ours": read_ours, "gensim": read_gensim}


def child(method: str, path: str) -> None:
    import gensim.models  # noqa: F401 - imported by both, so that neither pays for it in the time

    import embedlab.vectors.read  # noqa: F401

    start = time.perf_counter()
    words, vectors = READERS[method](path)
    seconds = time.perf_counter() - start
    # hashed in place: a copy would add the matrix to the peak memory measured
    digest = hashlib.sha256(memoryview(np.ascontiguousarray(vectors, dtype=np.float32)))
    digest.update("\n".join(words).encode("utf-8", "surrogatepass"))
    print(json.dumps({"seconds": seconds, "rows": len(words), "digest": digest.hexdigest()}))


def anonymous_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Anonymous:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_child(method: str, path: Path) -> dict:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", method, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], anonymous_kb(proc.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    if proc.returncode:
        raise SystemExit(child_failure(f"{method} on {path}", proc.returncode, err))
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_anonymous_mb"] = peak[0] / 1024
    return result


def ensure(scratch: Path, case: str) -> Path:
    n, d, ext = CASES[case]
    path = scratch / f"synthetic.{n}x{d}.{ext}"
    if not path.exists():
        flag = "--text" if ext == "txt" else "--binary"
        generator = [sys.executable, str(HERE / "synthetic_vectors.py"), "--words", str(n)]
        command = [*generator, "--dim", str(d), flag, str(path)]
        print(child_output(command, what="synthetic_vectors.py"), end="")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    ap.add_argument("--repeat", type=int, default=3, help="runs of ours per case")
    ap.add_argument("--gensim-repeat", type=int, default=1, help="runs of gensim per case")
    ap.add_argument("--scratch", type=Path, default=Path("/tmp/embedlab-bench"))
    ap.add_argument("--child", nargs=2, metavar=("METHOD", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(*args.child)
    require_peers("gensim")
    args.scratch.mkdir(parents=True, exist_ok=True)
    print(cpu_line())
    for case in args.cases:
        path = ensure(args.scratch, case)
        n, d, _ = CASES[case]
        matrix_mb = n * d * 4 / 2**20
        print(
            f"\n{case}: {path} ({path.stat().st_size / 1e9:.2f} GB), {n:,} x {d}, "
            f"float32 matrix {matrix_mb:,.0f} MB; {load_line()}"
        )
        results: dict[str, list[dict]] = {}
        # in turns, so that a change in the machine's load touches both
        for i in range(max(args.repeat, args.gensim_repeat)):
            for method, repeat in (("ours", args.repeat), ("gensim", args.gensim_repeat)):
                if i < repeat:
                    r = run_child(method, path)
                    results.setdefault(method, []).append(r)
                    peak = r["peak_anonymous_mb"]
                    print(
                        f"  {method:7s} run {i + 1}: {r['seconds']:8.2f} s, peak anonymous "
                        f"{peak:7,.0f} MB ({peak / matrix_mb:.2f}x the matrix)",
                        flush=True,
                    )
        digests = {r["digest"] for runs in results.values() for r in runs}
        same = "identical words and vectors" if len(digests) == 1 else "RESULTS DIFFER"
        medians = {m: statistics.median(r["seconds"] for r in runs) for m, runs in results.items()}
        peaks = {m: max(r["peak_anonymous_mb"] for r in runs) for m, runs in results.items()}
        ratio = medians["gensim"] / medians["ours"]
        print(
            f"  median ours {medians['ours']:.2f} s, gensim {medians['gensim']:.2f} s: "
            f"gensim / ours = {ratio:.1f}x; peak anonymous ours "
            f"{peaks['ours'] / matrix_mb:.2f}x, gensim {peaks['gensim'] / matrix_mb:.2f}x "
            f"the matrix; {same}"
        )


if __name__ == "__main__":
    main()
