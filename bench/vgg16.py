"""Benchmark: our VGG16 extraction against the lab's loop, same model, same images, this CPU.

Each (method, image count) runs in its own Python process, so memory figures are its own. After
the model is built and warmed up, the child records its RSS, resets the kernel's peak-RSS mark
(``/proc/self/clear_refs``) and runs; it reports images/s, the process's peak RSS and the growth of
the peak over the RSS before the run (what the images cost, without TensorFlow and the model).

Two parts:

1. VGG16 ``fc2`` (seeded random weights: the ImageNet file cannot be downloaded here, and the
   compute is the same) on synthetic 500×375 JPEGs, at 32 and 128 images. Both methods must give
   the same embeddings (max |difference| is printed).
2. The memory scaling at larger counts, where VGG16 on 2 cores would take an hour: the same two
   code paths with a cheap stand-in model (global average pool + Dense 4096, so rows are as wide
   as fc2) on small PNGs. The lab loop keeps every row in one growing array and copies it at each
   ``np.concatenate``; ours streams rows to a shard file batch by batch.

    python bench/vgg16.py                             # both parts (a few minutes on 2 cores)
    python bench/vgg16.py --counts 32 --scale-counts  # part 1 at 32 images only, no part 2
    python bench/vgg16.py --scale-counts 2000 15620   # part 2 up to MIT-67's image count
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shared import child_output

BATCH = 32
SEED = 0


# --- children -----------------------------------------------------------------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def build_model(kind: str) -> Any:
    """Our extractor: VGG16 cut at fc2, or the stand-in with rows of the same width."""
    import keras

    from embedlab.images.vgg16 import Extractor, build_extractor

    if kind == "vgg16":
        return build_extractor("random", "fc2", seed=SEED)
    keras.utils.set_random_seed(SEED)
    inputs = keras.Input((224, 224, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    model = keras.Model(inputs, keras.layers.Dense(4096, activation="relu")(pooled))
    return Extractor(model=model, weights="stand-in", layer="dense", dim=4096)


def lab_loop(model: Any, paths: list[str], batch_size: int) -> np.ndarray:
    """The seed lab's loop: pop names off a list, load each with load_img, preprocess, predict
    per batch, and concatenate each batch's features onto one growing array."""
    from keras.applications.vgg16 import preprocess_input
    from keras.utils import img_to_array, load_img

    files = list(paths)
    features = None
    while files:
        batch = []
        for _ in range(min(batch_size, len(files))):
            img = load_img(files.pop(0), target_size=(224, 224))
            batch.append(img_to_array(img))
        x = preprocess_input(np.array(batch))
        out = model.predict(x, verbose=0)
        features = out if features is None else np.concatenate([features, out])
    assert features is not None
    return features


def ours(extractor: Any, root: Path, names: list[str], batch_size: int, work: Path) -> Path:
    """Our extraction (one extract_vgg16 shard, then gather_embeddings) into an HDF5 file, read
    back after the measurement, not during it."""
    from embedlab.images.embeddings import extract_shard, gather_shards

    items = [(name, "x", "train") for name in names]
    shard = extract_shard(
        items,
        work / "shard.h5",
        root=root,
        extractor=extractor,
        batch_size=batch_size,
        shards=1,
        shard=0,
    )
    out = work / "embeddings.h5"
    gather_shards([shard.path], out, work / "skipped.tsv")
    return out


def child(args: argparse.Namespace) -> None:
    root = Path(args.images)
    names = sorted(os.listdir(root))[: args.count]
    extractor = build_model(args.model)
    warm = np.zeros((args.batch, 224, 224, 3), np.float32)  # tracing is not what we time
    if args.child == "lab":
        extractor.model.predict(warm, verbose=0)
    else:
        extractor.embed(warm)
    rss_before = _status_kib("VmRSS")
    exact_peak = _reset_peak()
    with tempfile.TemporaryDirectory(dir=args.work) as work:
        start = time.perf_counter()
        if args.child == "lab":
            result = lab_loop(extractor.model, [str(root / n) for n in names], args.batch)
        else:
            result = ours(extractor, root, names, args.batch, Path(work))
        seconds = time.perf_counter() - start
        peak = _status_kib("VmHWM")
        if args.save:
            if args.child == "ours":
                from embedlab.images.embeddings import read_embeddings

                result = read_embeddings(result).embeddings
            np.save(args.save, result)
    report = {
        "seconds": seconds,
        "images": len(names),
        "peak_mib": peak / 1024,
        "growth_mib": (peak - rss_before) / 1024,
        "exact_peak": exact_peak,
    }
    print("RESULT " + json.dumps(report), flush=True)


# --- parent -------------------------------------------------------------------------------------


def make_images(folder: Path, count: int, size: tuple[int, int], fmt: str) -> Path:
    """Deterministic synthetic photos-to-be: smooth colour fields plus noise."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    width, height = size
    y, x = np.mgrid[0:height, 0:width]
    for i in range(count):
        path = folder / f"img_{i:05d}.{fmt}"
        if path.exists():
            continue
        rng = np.random.default_rng(i)
        phase = rng.uniform(0, 6.28, 3)
        base = np.stack([np.sin(x / (20 + 7 * k) + phase[k]) for k in range(3)], -1)
        pixels = 127 + 100 * base * np.cos(y / 31.0)[..., None]
        pixels += rng.normal(0, 12, pixels.shape)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        image.save(path, **({"quality": 90} if fmt == "jpg" else {}))
    return folder


def run_child(
    method: str, model: str, images: Path, count: int, work: Path, save: Path | None
) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", method, "--model", model]
    command += ["--images", str(images), "--count", str(count), "--batch", str(BATCH)]
    command += ["--work", str(work)]
    if save is not None:
        command += ["--save", str(save)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = child_output(command, env=env, what=f"{method} {model} {count}")
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise SystemExit(f"{method} {model} {count} reported no result:\n{out[-3000:]}")
    return json.loads(lines[-1].removeprefix("RESULT "))


def print_rows(
    title: str, results: dict[tuple[str, int], dict[str, Any]], counts: list[int]
) -> None:
    print(f"\n{title}")
    header = ("images", "method", "img/s", "seconds", "peak RSS MiB", "growth MiB")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (7, 6, 8, 8, 13, 11), strict=True)))
    for count in counts:
        for method in ("ours", "lab"):
            r = results[(method, count)]
            print(
                f"{count:>7} {method:>6} {r['images'] / r['seconds']:>8.2f} {r['seconds']:>8.2f} "
                f"{r['peak_mib']:>13.0f} {r['growth_mib']:>11.1f}"
            )
        o, lab = results[("ours", count)], results[("lab", count)]
        print(
            f"{'':>7} {'ratio':>6} speed ours/lab {lab['seconds'] / o['seconds']:.2f}x, "
            f"peak lab/ours {lab['peak_mib'] / o['peak_mib']:.2f}x, "
            f"growth lab - ours {lab['growth_mib'] - o['growth_mib']:+.1f} MiB"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--scale-counts", type=int, nargs="*", default=[2000, 8000])
    parser.add_argument("--child", choices=["ours", "lab"], help=argparse.SUPPRESS)
    parser.add_argument("--model", default="vgg16", help=argparse.SUPPRESS)
    parser.add_argument("--images", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=BATCH, help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--save", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory(prefix="bench-vgg16-") as tmp:
        work = Path(tmp)
        print(f"{os.cpu_count()} CPUs, batch {BATCH}, one process per run, random seed {SEED}")
        photos = make_images(work / "photos", max(args.counts), (500, 375), "jpg")
        results: dict[tuple[str, int], dict[str, Any]] = {}
        for count in args.counts:
            saved = {}
            for method in ("ours", "lab"):
                saved[method] = work / f"{method}-{count}.npy"
                results[(method, count)] = run_child(
                    method, "vgg16", photos, count, work, saved[method]
                )
            a, b = np.load(saved["ours"]), np.load(saved["lab"])
            assert a.shape == b.shape == (count, 4096), (a.shape, b.shape)
            print(
                f"  {count} images: max |ours - lab| = {float(np.abs(a - b).max()):.3g}", flush=True
            )
        print_rows("VGG16 fc2 on 500x375 JPEGs", results, args.counts)
        if args.scale_counts:
            small = make_images(work / "small", max(args.scale_counts), (64, 48), "png")
            scaled = {
                (method, count): run_child(method, "standin", small, count, work, None)
                for count in args.scale_counts
                for method in ("ours", "lab")
            }
            print_rows("Stand-in model (GAP + Dense 4096) on 64x48 PNGs", scaled, args.scale_counts)
        if not all(r["exact_peak"] for r in results.values()):
            print("note: /proc/self/clear_refs refused; peaks include model building")


if __name__ == "__main__":
    main()
