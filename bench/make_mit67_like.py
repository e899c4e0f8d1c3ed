"""Write a seeded synthetic embeddings.h5 the size of MIT-67 in VGG16 fc2 features.

The real MIT-67 run has 15,620 images in 67 classes (101 to 738 a class), each a 4096-d fc2
vector: non-negative (after ReLU), about half zeros, low intrinsic dimension. This generator draws
a Gaussian mixture in a small latent space (one centre a class, classes overlapping so that a
linear SVM scores in the range the papers report for MIT-67), maps it to 4096-d through a random
linear map, adds noise and applies ReLU. Class sizes follow MIT-67's spread; 20 % of each class is
the test split. The file is written by the pipeline's own shard writer and gather, so every
analysis rule reads it as it reads a real run.

    python bench/make_mit67_like.py OUT_FOLDER            # OUT_FOLDER/embeddings.h5, seed 0
    python bench/make_mit67_like.py OUT --n 2000 --classes 10 --seed 3
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from embedlab.images.embeddings import gather_shards, write_shard
from embedlab.images.vgg16 import Batch

N_IMAGES, N_CLASSES, DIM = 15_620, 67, 4096


def class_sizes(n: int, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Sizes between MIT-67's smallest and largest class share, summing to n."""
    weights = rng.uniform(101, 738, size=n_classes)
    sizes = np.floor(weights / weights.sum() * n).astype(int)
    sizes[: n - sizes.sum()] += 1
    return sizes


def fc2_like(
    n: int = N_IMAGES,
    n_classes: int = N_CLASSES,
    dim: int = DIM,
    seed: int = 0,
    latent: int = 64,
    spread: float = 0.42,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features [n, dim] float32, labels and train/test split, all seeded."""
    rng = np.random.default_rng(seed)
    sizes = class_sizes(n, n_classes, rng)
    classes = [f"class_{i:02d}" for i in range(n_classes)]
    labels = np.repeat(classes, sizes)
    centres = rng.normal(0.0, spread, size=(n_classes, latent))
    z = centres[np.repeat(np.arange(n_classes), sizes)] + rng.normal(size=(n, latent))
    mixing = rng.normal(0.0, 1.0 / np.sqrt(latent), size=(latent, dim)).astype(np.float32)
    x = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 2048):  # in blocks: the float64 product would need 500 MB
        block = z[start : start + 2048].astype(np.float32) @ mixing
        block += rng.normal(0.0, 0.3, size=block.shape).astype(np.float32)
        x[start : start + 2048] = np.maximum(block, 0.0)
    split = np.empty(n, dtype=object)
    offset = 0
    for size in sizes:
        n_test = max(1, round(0.2 * size))
        part = np.array(["train"] * (size - n_test) + ["test"] * n_test)
        split[offset : offset + size] = rng.permutation(part)
        offset += size
    return x, labels, split.astype(str)


def write_embeddings(folder: Path, x: np.ndarray, labels: np.ndarray, split: np.ndarray) -> Path:
    """`folder/embeddings.h5`, written as the pipeline writes it (one shard, then the gather)."""
    items = [
        (f"{lab}/{i:05d}.jpg", lab, part)
        for i, (lab, part) in enumerate(zip(labels, split, strict=True))
    ]
    n = len(items)
    attrs = {"dim": x.shape[1], "batch_size": 1024, "weights": "synthetic fc2-like features"}
    batches = (
        Batch(x[s : s + 1024], np.ones(min(1024, n - s), bool), [""] * min(1024, n - s))
        for s in range(0, n, 1024)
    )
    shard = folder / "shards/0.h5"
    write_shard(shard, items, range(n), batches, attrs=attrs, shard=0, shards=1)
    gather_shards([shard], folder / "embeddings.h5", folder / "skipped.tsv")
    shard.unlink()
    return folder / "embeddings.h5"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--n", type=int, default=N_IMAGES)
    parser.add_argument("--classes", type=int, default=N_CLASSES)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    x, labels, split = fc2_like(args.n, args.classes, seed=args.seed)
    args.folder.mkdir(parents=True, exist_ok=True)
    path = write_embeddings(args.folder, x, labels, split)
    print(
        f"{path}: {x.shape[0]} x {x.shape[1]}, {args.classes} classes, "
        f"{(x == 0).mean():.0%} zeros, {time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
