"""Sharded VGG16 extraction: shards of whole batches, gathered into one embeddings file.

The digits dataset (40 images, plus one broken file in the middle) is embedded by the real Keras
VGG16 with seeded random weights, cut at its first pooling layer (cheap: 64 channels averaged over
space), through the functions the extract_vgg16 and gather_embeddings scripts call, with 1, 3
and 7 shards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import h5py
import numpy as np
import pytest

from embedlab.common.tables import read_tsv
from embedlab.images.datasets import Item, read_items, write_digits, write_items
from embedlab.images.embeddings import (
    EmbeddingsFileError,
    extract_shard,
    gather_shards,
    read_embeddings,
    shard_items,
    write_shard,
)
from embedlab.images.listing import scan_folder, stratified_split
from embedlab.images.vgg16 import Batch, Extractor, build_extractor
from tests.helpers import shared

BATCH = 8
LAYER = "block1_pool"
SHARD_COUNTS = (1, 3, 7)
BROKEN = "3/digit_broken.png"

Digits = tuple[Path, list[Item]]


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return build_extractor("random", LAYER, seed=0)


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Digits:
    """41 items (as items.tsv gives them to the shard jobs): 40 digits and one file that turned
    unreadable after the listing (emptied); written once for every xdist worker."""

    def build(folder: Path) -> None:
        root = write_digits(folder / "digits", per_class=4, seed=0)
        (root / BROKEN).write_bytes(b"")
        items = stratified_split(scan_folder(root).pairs, seed=0)  # listed, not checked
        write_items(folder / "items.tsv", items)

    folder = shared(tmp_path_factory, "shards_digits", build)
    return folder / "digits", read_items(folder / "items.tsv")


def run_shards(extractor: Extractor, digits: Digits, shards: int, out: Path) -> list[Path]:
    root, items = digits
    paths = [out / "shards" / f"{shard}.h5" for shard in range(shards)]
    for shard, path in enumerate(paths):
        extract_shard(
            items,
            path,
            root=root,
            extractor=extractor,
            batch_size=BATCH,
            shards=shards,
            shard=shard,
        )
    gather_shards(paths, out / "embeddings.h5", out / "skipped.tsv")
    return paths


@pytest.fixture(scope="module")
def gathered(
    digits: Digits, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[int, Path]:
    """The output folder of a run with each shard count, made once for every xdist worker (the
    model is built only by the worker that makes them). Read-only."""

    def build(folder: Path) -> None:
        extractor = request.getfixturevalue("extractor")
        for shards in SHARD_COUNTS:
            run_shards(extractor, digits, shards, folder / f"shards{shards}")

    folder = shared(tmp_path_factory, "shards_gathered", build)
    return {shards: folder / f"shards{shards}" for shards in SHARD_COUNTS}


def h5_content(path: Path) -> dict[str, object]:
    with h5py.File(path, "r") as f:
        content: dict[str, object] = {
            name: f[name].asstr()[()].tolist() if h5py.check_string_dtype(f[name].dtype)
            else f[name][()].tobytes()
            for name in f
        }  # fmt: skip
        content.update({f"{name}.dtype": str(f[name].dtype) for name in f})
        content["attrs"] = {k: f.attrs[k] for k in f.attrs}
    return content


def test_shard_ranges_are_whole_batches_covering_every_item_once() -> None:
    assert [shard_items(41, 8, 7, i) for i in range(7)] == [
        range(0, 0), range(0, 8), range(8, 16), range(16, 24), range(24, 32), range(32, 40),
        range(40, 41),
    ]  # fmt: skip
    assert [shard_items(40, 8, 3, i) for i in range(3)] == [
        range(0, 8),
        range(8, 24),
        range(24, 40),
    ]
    for n in range(0, 30):
        for batch in range(1, 6):
            for shards in range(1, 9):
                spans = [shard_items(n, batch, shards, i) for i in range(shards)]
                assert [i for span in spans for i in span] == list(range(n))
                assert all(span.start % batch == 0 for span in spans)
                sizes = [-(-len(span) // batch) for span in spans]  # batches per shard
                assert max(sizes) - min(sizes) <= 1, (n, batch, shards, sizes)
    with pytest.raises(ValueError, match="shard 3 does not exist: images.shards is 3"):
        shard_items(40, 8, 3, 3)
    with pytest.raises(ValueError, match="images.shards 0 must be at least 1"):
        shard_items(40, 8, 0, 0)


@pytest.mark.slow  # TensorFlow and Keras (VGG16, its input pipeline)
@pytest.mark.xdist_group("tensorflow")  # make test: one worker imports it
def test_gathered_file_is_bit_identical_whatever_the_shard_count(
    gathered: dict[int, Path], digits: Digits
) -> None:
    _, items = digits
    one = h5_content(gathered[1] / "embeddings.h5")
    for shards in SHARD_COUNTS[1:]:
        other = h5_content(gathered[shards] / "embeddings.h5")
        assert other.keys() == one.keys()
        for key in one:
            assert other[key] == one[key], (shards, key)
        skipped = (gathered[shards] / "skipped.tsv").read_bytes()
        assert skipped == (gathered[1] / "skipped.tsv").read_bytes()
    data = read_embeddings(gathered[3] / "embeddings.h5")
    assert data.embeddings.shape == (40, 64) and data.embeddings.dtype == np.float32
    assert len({row.tobytes() for row in data.embeddings}) == 40  # real, distinct rows
    good = [it for it in items if it.path != BROKEN]
    assert data.paths.tolist() == [it.path for it in good]
    assert data.labels.tolist() == [it.label for it in good]
    assert data.split.tolist() == [it.split for it in good]
    attrs = data.attrs
    assert (attrs["n_items"], attrs["n_skipped"], attrs["batch_size"]) == (41, 1, BATCH)
    assert (attrs["layer"], attrs["dim"], attrs["seed"]) == (LAYER, 64, 0)
    assert not {"shard", "shards", "item_start", "item_stop"} & attrs.keys()
    rows = read_tsv(gathered[3] / "skipped.tsv")
    assert rows == [{"path": BROKEN, "reason": "empty file"}]


@pytest.mark.slow  # TensorFlow and Keras (VGG16, its input pipeline)
@pytest.mark.xdist_group("tensorflow")  # make test: one worker imports it
def test_shard_files_hold_their_batches_and_may_be_empty(gathered: dict[int, Path]) -> None:
    whole = read_embeddings(gathered[1] / "embeddings.h5").embeddings
    spans = [shard_items(41, BATCH, 7, i) for i in range(7)]
    at = 0
    for shard, span in enumerate(spans):
        with h5py.File(gathered[7] / "shards" / f"{shard}.h5", "r") as f:
            assert (f.attrs["item_start"], f.attrs["item_stop"]) == (span.start, span.stop)
            rows = f["embeddings"][()]
            skipped = f["skipped_paths"].asstr()[()].tolist()
        if not span:
            assert rows.shape == (0, 64) and skipped == []
        assert len(rows) == len(span) - len(skipped)
        assert np.array_equal(rows, whole[at : at + len(rows)])
        at += len(rows)
    assert at == len(whole)


@pytest.mark.slow  # TensorFlow and Keras (VGG16, its input pipeline)
@pytest.mark.xdist_group("tensorflow")  # make test: one worker imports it
def test_gather_refuses_shards_of_different_runs_or_out_of_order(
    gathered: dict[int, Path], tmp_path: Path
) -> None:
    three = [gathered[3] / "shards" / f"{i}.h5" for i in range(3)]
    out, skipped = tmp_path / "embeddings.h5", tmp_path / "skipped.tsv"
    with pytest.raises(EmbeddingsFileError, match=r"1\.h5 is shard 1 of 3 .* expected shard 0"):
        gather_shards([three[1], three[0], three[2]], out, skipped)
    mixed = [three[0], three[1], gathered[7] / "shards" / "2.h5"]
    with pytest.raises(EmbeddingsFileError, match=r"2\.h5 is shard 2 of 7 covering items 8-16"):
        gather_shards(mixed, out, skipped)
    with pytest.raises(EmbeddingsFileError, match="not an image-embeddings shard"):
        gather_shards([gathered[1] / "embeddings.h5"], out, skipped)
    assert not out.exists() and not skipped.exists()


@pytest.mark.slow  # TensorFlow and Keras (VGG16, its input pipeline)
@pytest.mark.xdist_group("tensorflow")  # make test: one worker imports it
def test_read_embeddings_refuses_other_files_by_name(
    gathered: dict[int, Path], tmp_path: Path
) -> None:
    other = tmp_path / "store.h5"
    with h5py.File(other, "w") as f:
        f.create_dataset("vectors", data=np.zeros((2, 3), np.float32))
    with pytest.raises(EmbeddingsFileError) as info:
        read_embeddings(other)
    message = str(info.value)
    assert str(other) in message and "no format attribute" in message
    assert "no dataset(s) ['embeddings', 'paths', 'labels', 'split']" in message
    shard = gathered[3] / "shards" / "0.h5"
    with pytest.raises(EmbeddingsFileError, match="found 'embedlab-image-embeddings-shard/1'"):
        read_embeddings(shard)
    text = tmp_path / "embeddings.h5"
    text.write_text("path\tlabel\tsplit\n")
    with pytest.raises(EmbeddingsFileError, match=f"{text} is not an HDF5 file"):
        read_embeddings(text)
    with pytest.raises(EmbeddingsFileError, match=f"{tmp_path / 'none.h5'} does not exist"):
        read_embeddings(tmp_path / "none.h5")


@pytest.mark.slow  # TensorFlow and Keras (VGG16, its input pipeline)
@pytest.mark.xdist_group("tensorflow")  # make test: one worker imports it
def test_a_shard_that_fails_midway_leaves_no_file_and_logged_its_batches(
    digits: Digits, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The fault (a batch source that dies after one batch) is injected from the test side."""
    _, items = digits
    span = shard_items(len(items), BATCH, 1, 0)

    def dying() -> Iterator[Batch]:
        yield Batch(np.ones((BATCH, 4), np.float32), np.ones(BATCH, bool), [""] * BATCH)
        raise MemoryError("killed")

    out = tmp_path / "0.h5"
    attrs = {"dim": 4, "batch_size": BATCH}
    with caplog.at_level(logging.INFO), pytest.raises(MemoryError):
        write_shard(out, items, span, dying(), attrs=attrs, shard=0, shards=1)
    assert "shard 0/1: batch 1/6 done (items 0-7 of 41)" in caplog.text
    assert list(tmp_path.iterdir()) == []
