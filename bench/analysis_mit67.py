"""Benchmark: t-SNE, KMeans and the linear SVM with its C search for all classes, at MIT-67 size,
through Snakemake, and the SVM solver against liblinear and libsvm.

    python bench/analysis_mit67.py e2e --repeat 3     # snakemake --cores 2 over the three jobs
    python bench/analysis_mit67.py solvers            # accuracy and time of one fit per solver
    python bench/analysis_mit67.py solvers --datasets digits --skip-libsvm

`e2e` writes the seeded synthetic set of bench/make_mit67_like.py (15,620 x 4096, 67 classes)
into a scratch folder as results/images/synthetic/embeddings.h5, then runs `snakemake --cores 2`
for the `all` subset's tsne_images, kmeans_images and svm_images (the pipeline's rules and
default settings: C from 0.1, 1, 10 by 3-fold cross-validation) `--repeat` times with
`--forcerun`, and prints the wall time of each run, their median and each job's own time.

`solvers` fits, at one C on the train split of the L2-normalised features, embedlab's solver,
scikit-learn's LinearSVC (liblinear, the same problem) and SVC(kernel="linear") (libsvm, one-vs-one,
the lab's old classifier), on scikit-learn's digits (8x8 pixels, 1,797 images, the 64 pixel values
as features) and on the synthetic set, and prints test accuracy and time of each.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_mit67_like import fc2_like, write_embeddings
from shared import child_output, snakemake_command

JOBS = ("tsne", "kmeans", "svm")


def cpu() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    flags = Path("/proc/cpuinfo").read_text()
    simd = [f for f in ("avx2", "avx512f") if f" {f} " in flags or flags.endswith(f" {f}")]
    return f"{model}, {os.cpu_count()} CPUs, {'+'.join(simd) or 'no AVX2'}"


def e2e(repeat: int, scratch: Path) -> None:
    work = scratch / "work"
    images = work / "results/images/synthetic"
    images.mkdir(parents=True, exist_ok=True)
    if not (images / "embeddings.h5").exists():
        write_embeddings(images, *fc2_like(seed=0))
    (work / "synthetic").mkdir(exist_ok=True)  # images.folder: only its name is used here
    config = work / "config.yaml"
    config.write_text(f"images: {{dataset: folder, folder: {work / 'synthetic'}}}\n")
    targets = [f"results/images/synthetic/analysis/all/{job}.json" for job in JOBS]
    env = {k: v for k, v in os.environ.items() if k != "SNAKEMAKE_PROFILE"}
    walls = []
    for run in range(repeat):
        load = os.getloadavg()[0]
        start = time.perf_counter()
        child_output(
            [
                *snakemake_command(work, config),
                "--forcerun",
                *(f"{job}_images" for job in JOBS),
                "--allowed-rules",
                *(f"{job}_images" for job in JOBS),
                "--",
                *targets,
            ],
            env=env,
            what="snakemake",
        )
        wall = time.perf_counter() - start
        jobs = {
            job: float(
                (work / f"benchmarks/images/{job}_images_synthetic_all.tsv")
                .read_text()
                .splitlines()[1]
                .split("\t")[0]
            )
            for job in JOBS
        }
        walls.append(wall)
        print(
            f"run {run + 1}: {wall:.1f} s wall (load before {load:.2f}); jobs: "
            + ", ".join(f"{j} {t:.1f} s" for j, t in jobs.items()),
            flush=True,
        )
    print(f"median of {repeat}: {statistics.median(walls):.1f} s ({cpu()})")


def solvers(skip_libsvm: bool, datasets: list[str]) -> None:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.svm import SVC, LinearSVC

    from embedlab.images.analysis.svm import fit_linear_svm, l2_normalise

    digits = load_digits()
    xd = digits.data.astype(np.float32)
    yd = digits.target.astype(str)
    tr, _te = train_test_split(np.arange(len(yd)), test_size=0.25, stratify=yd, random_state=0)
    split = np.where(np.isin(np.arange(len(yd)), tr), "train", "test")
    sets = [("digits", xd, yd, split)]
    if "synthetic" in datasets:
        sets.append(("synthetic MIT-67", *fc2_like(seed=0)))
    for name, x, y, s in sets:
        if name.split()[0] not in datasets:
            continue
        x = l2_normalise(x)
        train, test = s == "train", s == "test"
        fits = {
            "embedlab (L-BFGS, OvR squared hinge)": lambda x=x, y=y, t=train: fit_linear_svm(
                x[t], y[t], 1.0
            ),
            "LinearSVC (liblinear, same problem)": lambda x=x, y=y, t=train: LinearSVC(
                C=1.0, max_iter=10000
            ).fit(x[t], y[t]),
        }
        if not skip_libsvm:
            fits["SVC linear (libsvm, one-vs-one)"] = lambda x=x, y=y, t=train: SVC(
                kernel="linear", C=1.0
            ).fit(x[t], y[t])
        for solver, fit in fits.items():
            start = time.perf_counter()
            model = fit()
            took = time.perf_counter() - start
            acc = float(np.mean(model.predict(x[test]) == y[test]))
            print(f"{name}: {solver}: test accuracy {acc:.4f}, fit {took:.1f} s", flush=True)
    print(cpu())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("e2e", "solvers"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scratch", type=Path, default=None)
    parser.add_argument("--skip-libsvm", action="store_true")
    parser.add_argument(
        "--datasets", nargs="+", choices=("digits", "synthetic"), default=["digits", "synthetic"]
    )
    args = parser.parse_args(argv)
    if args.what == "solvers":
        solvers(args.skip_libsvm, args.datasets)
        return 0
    if args.scratch:
        e2e(args.repeat, args.scratch)
    else:
        with tempfile.TemporaryDirectory(dir="/tmp") as scratch:
            e2e(args.repeat, Path(scratch))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
