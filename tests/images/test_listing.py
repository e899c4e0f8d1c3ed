"""The listing of an image dataset (list_images): what is left out and why, and a train/test
split drawn from the readable images only, the same as before for data that are all readable."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image

from embedlab.common.tables import read_tsv
from embedlab.images.datasets import DatasetError, write_digits, write_items
from embedlab.images.embeddings import gather_shards, write_shard
from embedlab.images.listing import (
    TOP_LEVEL_IMAGE,
    list_dataset,
    nested_folder,
    read_skipped,
    scan_folder,
    stratified_split,
    write_skipped,
)
from embedlab.images.pipeline import UnreadableImage, check_image, load_image
from embedlab.images.vgg16 import Batch

# items.tsv of the digits before the listing checked readability (tiny config: per_class 4;
# the default config: per_class 20; test_fraction 0.2, seed 0): the split must not move
DIGITS_ITEMS_SHA256 = {
    4: "6c4c7d0a8e027b073187173a88f22e79e7927362337e1e094fb0348278c46225",
    20: "2ba4195e024b724bd4cb5fe869f107f14b2b0f6c7171f893f784f9d5214e0425",
}


def png(path: Path, seed: int, mode: str = "RGB", size: tuple[int, int] = (12, 10)) -> None:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).convert(mode).save(path)


def jpeg(seed: int) -> bytes:
    y, x = np.mgrid[0:90, 0:120]
    rng = np.random.default_rng(seed)
    base = np.stack([x * 2, y * 2, x + y], -1) + rng.integers(0, 20, (90, 120, 3))
    out = io.BytesIO()
    Image.fromarray(np.clip(base, 0, 255).astype(np.uint8)).save(out, format="JPEG", quality=90)
    return out.getvalue()


BROKEN = {  # file name: (bytes, the reason's start)
    "empty.png": (b"", "empty file"),
    "notes.jpg": (b"my notes, not a picture\n", "not an image file PIL can identify"),
    "truncated.jpg": (jpeg(1)[:2000], "corrupt or truncated image"),
    "corrupt.jpg": (jpeg(2)[:200] + bytes(range(256)) * 8, "corrupt or truncated image"),
}


def test_check_image_gives_the_reasons_load_image_gives(tmp_path: Path) -> None:
    for name, (body, why) in BROKEN.items():
        (tmp_path / name).write_bytes(body)
        with pytest.raises(UnreadableImage) as checked:
            check_image(tmp_path / name)
        with pytest.raises(UnreadableImage) as loaded:
            load_image(tmp_path / name)
        assert str(checked.value) == str(loaded.value) and str(checked.value).startswith(why)
    (tmp_path / "good.jpg").write_bytes(jpeg(3))
    for mode, name in (("L", "gray.png"), ("P", "palette.gif"), ("CMYK", "cmyk.jpg")):
        png(tmp_path / name, 4, mode)
    for name in ("good.jpg", "gray.png", "palette.gif", "cmyk.jpg"):
        check_image(tmp_path / name)  # readable: no error
    with pytest.raises(UnreadableImage, match="file not found"):
        check_image(tmp_path / "missing.png")


def make_folder(root: Path) -> None:
    """Classes a and b (readable images), a nested folder, top-level images, broken files,
    and files that are no images (not listed, not reported)."""
    for i in range(3):
        png(root / f"a/{i}.png", i)
        png(root / f"b/{i}.png", 10 + i)
    png(root / "a/extra/0.png", 20)
    png(root / "a/extra/deeper/1.png", 21)
    png(root / "stray.png", 22)
    (root / "photo.JPG").write_bytes(jpeg(5))
    for name, (body, _) in BROKEN.items():
        (root / "b" / name).write_bytes(body)
    (root / "README.txt").write_text("class folders below\n")
    (root / "a/.thumbs").mkdir()
    png(root / "a/.thumbs/0.png", 23)


def test_nested_folders_top_level_images_and_unreadable_files_are_left_out_with_why(
    tmp_path: Path,
) -> None:
    make_folder(tmp_path)
    items, skipped = list_dataset("folder", tmp_path, test_fraction=0.34, seed=0)
    assert [it.path for it in items] == [f"{c}/{i}.png" for c in "ab" for i in range(3)]
    reasons = dict(skipped)
    assert (
        [path for path, _ in skipped]
        == sorted(reasons)
        == [
            "a/extra/",
            "b/corrupt.jpg",
            "b/empty.png",
            "b/notes.jpg",
            "b/truncated.jpg",
            "photo.JPG",
            "stray.png",
        ]
    )
    assert reasons["a/extra/"] == nested_folder(2)
    assert reasons["a/extra/"].startswith("a folder inside a class folder, not read (2 image files")
    assert "(1 image file in it)" in nested_folder(1)
    assert reasons["stray.png"] == reasons["photo.JPG"] == TOP_LEVEL_IMAGE
    for name, (_, why) in BROKEN.items():
        assert reasons[f"b/{name}"].startswith(why), name
    assert len({TOP_LEVEL_IMAGE, reasons["a/extra/"], reasons["b/empty.png"]}) == 3
    # scan_folder is the suffix-only part: it still lists the broken files
    scan = scan_folder(tmp_path)
    assert len(scan.pairs) == 6 + len(BROKEN)
    assert [path for path, _ in scan.skipped] == ["a/extra/", "photo.JPG", "stray.png"]


def test_a_broken_file_takes_no_test_slot(tmp_path: Path) -> None:
    """The split is drawn after the unreadable files are left out: the same as without them."""
    clean, broken = tmp_path / "clean", tmp_path / "broken"
    for root in (clean, broken):
        for i in range(5):
            png(root / f"c/{i}.png", i)
            png(root / f"d/{i}.png", 10 + i)
    for name, (body, _) in BROKEN.items():
        (broken / "c" / name).write_bytes(body)
    with_broken = list_dataset("folder", broken, test_fraction=0.2, seed=0)
    assert with_broken.items == list_dataset("folder", clean, test_fraction=0.2, seed=0).items
    assert len(with_broken.skipped) == len(BROKEN)
    # without the check the broken files would have been drawn with the others
    unchecked = stratified_split(scan_folder(broken).pairs, test_fraction=0.2, seed=0)
    assert len(unchecked) == 10 + len(BROKEN)


@pytest.mark.parametrize("per_class", sorted(DIGITS_ITEMS_SHA256))
def test_digits_split_is_unchanged(tmp_path: Path, per_class: int) -> None:
    root = write_digits(tmp_path / "digits", per_class=per_class, seed=0)
    items, skipped = list_dataset("digits", root, test_fraction=0.2, seed=0)
    assert skipped == []
    body = write_items(tmp_path / "items.tsv", items).read_bytes()
    assert hashlib.sha256(body).hexdigest() == DIGITS_ITEMS_SHA256[per_class]


def test_a_folder_nothing_can_be_used_from_says_why(tmp_path: Path) -> None:
    png(tmp_path / "loose/stray.png", 0)
    (tmp_path / "loose/other.png").write_bytes(b"")
    with pytest.raises(DatasetError, match="2 images lie at its top level: put them in class"):
        list_dataset("folder", tmp_path / "loose")
    (tmp_path / "dead/a").mkdir(parents=True)
    (tmp_path / "dead/a/x.png").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"none of the 1 image files .* can be read .*empty"):
        list_dataset("folder", tmp_path / "dead")


def test_gather_merges_what_the_listing_left_out_into_skipped_tsv(tmp_path: Path) -> None:
    items = [("a/0.png", "a", "train"), ("a/1.png", "a", "test"), ("c/9.png", "c", "test")]
    batch = Batch(np.ones((2, 4), np.float32), np.array([True, False, True]), ["", "gone", ""])
    shard = tmp_path / "shards/0.h5"
    write_shard(
        shard, items, range(3), [batch], attrs={"dim": 4, "batch_size": 3}, shard=0, shards=1
    )
    listed = write_skipped(tmp_path / "items_skipped.tsv", [("a/x/", "nested"), ("z.png", "top")])
    summary = gather_shards(
        [shard], tmp_path / "embeddings.h5", tmp_path / "skipped.tsv", read_skipped(listed)
    )
    assert summary.skipped == [("a/1.png", "gone")]
    assert read_skipped(tmp_path / "skipped.tsv") == [
        ("a/1.png", "gone"),
        ("a/x/", "nested"),
        ("z.png", "top"),
    ]
    with h5py.File(tmp_path / "embeddings.h5") as f:
        assert (f.attrs["n_items"], f.attrs["n_skipped"]) == (3, 1)  # of the listed items
    assert read_tsv(tmp_path / "skipped.tsv")[0] == {"path": "a/1.png", "reason": "gone"}
    with pytest.raises(DatasetError, match="not a list written by the list_images rule"):
        read_skipped(write_items(tmp_path / "items.tsv", []))
