"""The image-embeddings file format: shard files, gathering them, and the one reader.

``extract_vgg16`` jobs each embed a range of whole batches of ``items.tsv`` into a shard file
(:func:`extract_shard`); ``gather_embeddings`` joins the shards, in order, into
``embeddings.h5`` and ``skipped.tsv`` (:func:`gather_shards`: the files the listing left out and
those that could not be embedded, by path); every consumer reads the result with
:func:`read_embeddings` (the analysis settings only its labels and split:
:func:`read_embedded_items`).

With n items and batch size b there are B = ceil(n / b) batches; shard i of S takes batches
[i·B // S, (i+1)·B // S) (possibly none: an empty but valid shard). Batch boundaries depend only
on item positions, and a batch's rows only on its images, so the gathered file holds the same
bits whatever the number of shards. A killed shard job is simply redone by Snakemake: every file
here is written under a temporary name and renamed when complete.

``embeddings.h5``: datasets ``embeddings`` float32 [N, dim], ``paths``, ``labels``, ``split``
(UTF-8) for the N readable images in item order; attributes ``format``, ``model``, ``weights``,
``layer``, ``dim``, ``image_size``, ``interpolation``, ``preprocessing``, ``mixed_precision``,
``batch_size``, ``n_items`` (listed), ``n_skipped`` (of those, not embedded),
``tensorflow_version``, ``keras_version`` and, where they apply, ``seed`` and ``weights_md5``.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from embedlab.common.atomic import atomic_output
from embedlab.common.tables import write_tsv
from embedlab.images.pipeline import IMAGE_SIZE, PREPROCESSING
from embedlab.images.vgg16 import Batch, Extractor, embed_batches

log = logging.getLogger(__name__)

FORMAT = "embedlab-image-embeddings/1"
SHARD_FORMAT = "embedlab-image-embeddings-shard/1"
# Attributes that differ between shards (or are recomputed by the gather); all others must agree.
SHARD_ONLY = frozenset({"format", "shard", "shards", "item_start", "item_stop", "n_skipped"})
COPY_BLOCK_ROWS = 1024  # rows per block when shards are copied into embeddings.h5
ITEM_COLUMNS = ("paths", "labels", "split")
SKIPPED_HEADER = ("path", "reason")

Item = tuple[str, str, str]  # (path, label, split), as embedlab.images.datasets.Item


class EmbeddingsFileError(ValueError):
    """A file that is not the embeddings (or shard) file it should be; the message says which."""


# --- shards -------------------------------------------------------------------------------------


def shard_items(n_items: int, batch_size: int, shards: int, shard: int) -> range:
    """The item positions of `shard` (of `shards`): whole batches of `batch_size`."""
    if batch_size < 1:
        raise ValueError(f"images.batch_size {batch_size} must be at least 1")
    if shards < 1:
        raise ValueError(f"images.shards {shards} must be at least 1")
    if not 0 <= shard < shards:
        raise ValueError(f"shard {shard} does not exist: images.shards is {shards}")
    n_batches = math.ceil(n_items / batch_size)
    first, stop = shard * n_batches // shards, (shard + 1) * n_batches // shards
    return range(min(first * batch_size, n_items), min(stop * batch_size, n_items))


def extraction_attrs(extractor: Extractor, batch_size: int, interpolation: str) -> dict[str, Any]:
    """Everything that decides the numbers in a shard: all shards of one file must agree on it."""
    import keras
    import tensorflow as tf

    attrs: dict[str, Any] = {
        "model": "VGG16",
        "weights": extractor.weights,
        "layer": extractor.layer,
        "dim": extractor.dim,
        "image_size": IMAGE_SIZE,
        "interpolation": interpolation,
        "preprocessing": PREPROCESSING,
        "mixed_precision": extractor.mixed_precision,
        "batch_size": batch_size,
        "tensorflow_version": tf.__version__,
        "keras_version": keras.__version__,
    }
    if extractor.seed is not None:
        attrs["seed"] = extractor.seed
    if extractor.weights_md5 is not None:
        attrs["weights_md5"] = extractor.weights_md5
    return attrs


@dataclass(frozen=True)
class ShardSummary:
    path: Path
    span: range  # the item positions this shard covers
    n_embedded: int
    skipped: list[tuple[str, str]]  # (path, reason)


def write_shard(
    path: str | os.PathLike[str],
    items: Sequence[Item],
    span: range,
    batches: Iterable[Batch],
    *,
    attrs: dict[str, Any],
    shard: int,
    shards: int,
) -> ShardSummary:
    """Write the rows of `batches` (for ``items[span]``, in order) as a shard file.

    `attrs` must hold ``dim`` and ``batch_size``; rows go to disk batch by batch, so memory is
    bounded by one batch. Each finished batch is logged (the job log shows the progress).
    """
    dim, batch_size = int(attrs["dim"]), int(attrs["batch_size"])
    n_batches = math.ceil(len(span) / batch_size)
    kept: list[int] = []
    skipped: list[tuple[str, str]] = []
    done = 0
    with atomic_output(path) as tmp, h5py.File(tmp, "w") as f:
        rows_ds = f.create_dataset(
            "embeddings",
            shape=(0, dim),
            maxshape=(None, dim),
            dtype=np.float32,
            chunks=(max(1, min(batch_size, 256)), dim),
        )
        for number, batch in enumerate(batches, 1):
            positions = span[done : done + len(batch.ok)]
            if len(positions) != len(batch.ok) or len(batch.rows) != int(batch.ok.sum()):
                raise ValueError(f"shard {shard}: batch {number} does not fit items {span}")
            n = rows_ds.shape[0]
            rows_ds.resize(n + len(batch.rows), axis=0)
            rows_ds[n:] = batch.rows
            for position, ok, reason in zip(positions, batch.ok, batch.reasons, strict=True):
                if ok:
                    kept.append(position)
                else:
                    skipped.append((items[position][0], reason))
                    log.warning("skipped %s: %s", items[position][0], reason)
            done += len(batch.ok)
            log.info(
                "shard %d/%d: batch %d/%d done (items %d-%d of %d)",
                shard,
                shards,
                number,
                n_batches,
                positions[0],
                positions[-1],
                len(items),
            )
        if done != len(span):
            raise ValueError(f"shard {shard}: {done} items embedded, expected {len(span)}")
        for column, name in enumerate(ITEM_COLUMNS):
            _strings(f, name, [items[i][column] for i in kept])
        for column, name in enumerate(("skipped_paths", "skipped_reasons")):
            _strings(f, name, [entry[column] for entry in skipped])
        f.attrs.update(attrs)
        f.attrs.update(
            format=SHARD_FORMAT,
            shard=shard,
            shards=shards,
            n_items=len(items),
            item_start=span.start,
            item_stop=span.stop,
        )
    return ShardSummary(Path(path), span, len(kept), skipped)


def extract_shard(
    items: Sequence[Item],
    out: str | os.PathLike[str],
    *,
    root: str | os.PathLike[str],
    extractor: Extractor,
    batch_size: int,
    shards: int,
    shard: int,
    interpolation: str = "nearest",
    progress: Callable[[int], None] | None = None,
) -> ShardSummary:
    """Embed shard `shard` of `shards` of `items` (paths relative to `root`) into `out`;
    `progress(n)` is called after each batch of n images."""
    if not items:
        raise ValueError(f"no images to embed into {out}; check the dataset folder")
    span = shard_items(len(items), batch_size, shards, shard)
    paths = [Path(root) / items[i][0] for i in span]
    batches = embed_batches(extractor, paths, batch_size=batch_size, interpolation=interpolation)
    if progress is not None:
        batches = _counted(batches, progress)
    attrs = extraction_attrs(extractor, batch_size, interpolation)
    return write_shard(out, items, span, batches, attrs=attrs, shard=shard, shards=shards)


def _counted(batches: Iterable[Batch], progress: Callable[[int], None]) -> Iterator[Batch]:
    for batch in batches:
        yield batch
        progress(len(batch.ok))


def _strings(f: h5py.File, name: str, values: list[str]) -> None:
    """A UTF-8 string dataset (also when empty)."""
    data = np.array(values, dtype=object) if values else None
    f.create_dataset(name, shape=(len(values),), data=data, dtype=h5py.string_dtype("utf-8"))


# --- gathering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GatherSummary:
    n_items: int
    n_embedded: int
    dim: int
    skipped: list[tuple[str, str]]  # (path, reason) of the listed items not embedded


def _open(path: str | os.PathLike[str], what: str) -> h5py.File:
    try:
        return h5py.File(path, "r")
    except FileNotFoundError as e:
        raise EmbeddingsFileError(f"{path} does not exist; it should be {what}") from e
    except OSError as e:
        raise EmbeddingsFileError(
            f"{path} is not an HDF5 file ({e}); it should be {what}. Delete it and run again."
        ) from e


def _shard_attrs(f: h5py.File, path: str | os.PathLike[str]) -> dict[str, Any]:
    attrs = _attrs(f)
    if attrs.get("format") != SHARD_FORMAT:
        raise EmbeddingsFileError(
            f"{path} is not an image-embeddings shard (format {SHARD_FORMAT!r}); make it with "
            "the extract_vgg16 rule"
        )
    return attrs


def gather_shards(
    shard_paths: Sequence[str | os.PathLike[str]],
    out_h5: str | os.PathLike[str],
    skipped_tsv: str | os.PathLike[str],
    listed_skipped: Sequence[tuple[str, str]] = (),
) -> GatherSummary:
    """Join shard files (given in shard order) into `out_h5`, and into `skipped_tsv` (path,
    reason, sorted by path) the files they could not embed and `listed_skipped`, those the
    listing left out (``items_skipped.tsv``).

    The shards must be 0..S-1 of one extraction: contiguous item ranges covering every item,
    and the same model, weights, layer, batch size and versions. Rows are copied in blocks."""
    opened: list[tuple[h5py.File, dict[str, Any]]] = []
    try:
        for path in shard_paths:
            f = _open(path, "a shard file of the extract_vgg16 rule")
            opened.append((f, _shard_attrs(f, path)))
        common = _check_shards(shard_paths, [attrs for _, attrs in opened])
        summary = _write_gathered(opened, common, out_h5)
        write_tsv(skipped_tsv, SKIPPED_HEADER, sorted([*listed_skipped, *summary.skipped]))
        return summary
    finally:
        for f, _ in opened:
            f.close()


def _check_shards(
    paths: Sequence[str | os.PathLike[str]], shard_attrs: list[dict[str, Any]]
) -> dict[str, Any]:
    if not paths:
        raise ValueError("no shard files to gather; images.shards must be at least 1")
    first = {k: v for k, v in shard_attrs[0].items() if k not in SHARD_ONLY}
    stop = 0
    for i, (path, attrs) in enumerate(zip(paths, shard_attrs, strict=True)):
        if (attrs["shard"], attrs["shards"]) != (i, len(paths)) or attrs["item_start"] != stop:
            raise EmbeddingsFileError(
                f"{path} is shard {attrs['shard']} of {attrs['shards']} covering items "
                f"{attrs['item_start']}-{attrs['item_stop']}, expected shard {i} of {len(paths)} "
                f"starting at item {stop}; delete the shard files and run again"
            )
        stop = attrs["item_stop"]
        mine = {k: v for k, v in attrs.items() if k not in SHARD_ONLY}
        if mine != first:
            diff = sorted(k for k in first.keys() | mine.keys() if first.get(k) != mine.get(k))
            raise EmbeddingsFileError(
                f"{path} was made with other settings than {paths[0]} ({', '.join(diff)} "
                "differ); delete the shard files and run again"
            )
    if stop != first["n_items"]:
        raise EmbeddingsFileError(
            f"the shards cover items 0-{stop} of {first['n_items']}; delete them and run again"
        )
    return first


def _write_gathered(
    opened: list[tuple[h5py.File, dict[str, Any]]],
    common: dict[str, Any],
    out_h5: str | os.PathLike[str],
) -> GatherSummary:
    n = sum(f["embeddings"].shape[0] for f, _ in opened)
    dim = int(common["dim"])

    def column(name: str) -> list[str]:
        return [v for f, _ in opened for v in f[name].asstr()[()].tolist()]

    skipped = list(zip(column("skipped_paths"), column("skipped_reasons"), strict=True))
    with atomic_output(out_h5) as tmp, h5py.File(tmp, "w") as out:
        rows = out.create_dataset("embeddings", shape=(n, dim), dtype=np.float32)
        at = 0
        for f, _ in opened:
            part = f["embeddings"]
            for lo in range(0, part.shape[0], COPY_BLOCK_ROWS):
                block = part[lo : lo + COPY_BLOCK_ROWS]
                rows[at : at + len(block)] = block
                at += len(block)
        for name in ITEM_COLUMNS:
            _strings(out, name, column(name))
        out.attrs.update({"format": FORMAT, **common, "n_skipped": len(skipped)})
    return GatherSummary(int(common["n_items"]), n, dim, skipped)


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageEmbeddings:
    """The content of an embeddings file (or the rows of some of its classes)."""

    embeddings: np.ndarray  # float32 [N, dim]
    labels: np.ndarray  # str [N]
    paths: np.ndarray  # str [N]
    split: np.ndarray  # str [N], "train" or "test"
    attrs: dict[str, Any]

    def __post_init__(self) -> None:
        if self.embeddings.ndim != 2:
            raise ValueError(f"embeddings must be 2-D [N, D], got shape {self.embeddings.shape}")
        n = self.embeddings.shape[0]
        if not len(self.labels) == len(self.paths) == len(self.split) == n:
            raise ValueError(
                f"{n} embeddings but {len(self.labels)} labels, {len(self.paths)} paths and "
                f"{len(self.split)} split values"
            )
        unknown = sorted(set(self.split.tolist()) - {"train", "test"})
        if unknown:
            raise ValueError(f"split values must be 'train' or 'test', found {unknown}")
        if not np.isfinite(self.embeddings).all():
            raise ValueError("embeddings contain NaN or infinite values")

    @property
    def weights(self) -> str | None:
        weights = self.attrs.get("weights")
        return None if weights is None else str(weights)


def _attrs(f: h5py.File) -> dict[str, Any]:
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in f.attrs.items()}


GATHERED = "an image-embeddings file written by the gather_embeddings rule"


def _check_gathered(f: h5py.File, path: str | os.PathLike[str]) -> None:
    missing = [name for name in ("embeddings", *ITEM_COLUMNS) if name not in f]
    if f.attrs.get("format") != FORMAT or missing:
        found = f.attrs.get("format", "no format attribute")
        raise EmbeddingsFileError(
            f"{path} is not {GATHERED} (format {FORMAT!r}; found {found!r}"
            + (f", no dataset(s) {missing}" if missing else "")
            + "). Point the analysis at results/images/<dataset>/embeddings.h5."
        )


def read_embeddings(path: str | os.PathLike[str]) -> ImageEmbeddings:
    """All of an ``embeddings.h5`` written by :func:`gather_shards`, into memory."""
    with _open(path, GATHERED) as f:
        _check_gathered(f, path)
        try:
            return ImageEmbeddings(
                embeddings=np.asarray(f["embeddings"][()], dtype=np.float32),
                **{
                    name: np.array(f[name].asstr()[()].tolist(), dtype=str) for name in ITEM_COLUMNS
                },
                attrs=_attrs(f),
            )
        except ValueError as e:
            raise EmbeddingsFileError(f"{path}: {e}; delete it and run again") from e


def read_embedded_items(path: str | os.PathLike[str]) -> tuple[list[str], list[str], int]:
    """What the analysis settings are decided from: the labels and split of an ``embeddings.h5``
    (one per embedded image) and its feature size, without reading the features."""
    with _open(path, GATHERED) as f:
        _check_gathered(f, path)
        labels, split = (f[name].asstr()[()].tolist() for name in ("labels", "split"))
        return labels, split, int(f["embeddings"].shape[1])
