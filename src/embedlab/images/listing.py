"""What of an image dataset is embedded, and how it splits: the work of the ``list_images`` rule.

The listing is ``items.tsv`` (:func:`embedlab.images.datasets.write_items`) and, beside it, what
it left out and why (``items_skipped.tsv``, path and reason), which ``gather_embeddings`` merges
into the dataset's ``skipped.tsv``. Left out are:

- a folder inside a class folder (``<class>/<folder>/``): one row for the folder, its images
  are not read (a class is one folder of images);
- an image file at the top level of the dataset folder, in no class folder;
- an image file that cannot be decoded (empty, truncated, corrupt, not an image): checked here,
  cheaply (:func:`embedlab.images.pipeline.check_image`), so that the train/test split is drawn
  from the readable images only and a broken file never takes a test slot.

Files are chosen by suffix; other files (notes, hidden files) are not images and not listed.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from embedlab.common.tables import read_table, write_tsv
from embedlab.images.datasets import DatasetError, DatasetKind, Item, mit67_items
from embedlab.images.pipeline import UnreadableImage, check_image

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
)
SKIPPED_HEADER = ("path", "reason")
TOP_LEVEL_IMAGE = "an image outside any class folder: not read; move it into a <class>/ folder"

Skipped = tuple[str, str]  # (path relative to the dataset folder, reason)


class FolderScan(NamedTuple):
    """The ``<class>/<image>`` files of a folder (path, class), and what the scan left out."""

    pairs: list[tuple[str, str]]
    skipped: list[Skipped]


class Listing(NamedTuple):
    """The items to embed, sorted by path, and what was left out (sorted by path)."""

    items: list[Item]
    skipped: list[Skipped]


def nested_folder(count: int) -> str:
    """The reason a folder inside a class folder holding `count` image files is left out."""
    files = f"{count} image file{'s' * (count != 1)}"
    return (
        f"a folder inside a class folder, not read ({files} in it); move its images into a "
        "class folder (<class>/<image>)"
    )


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def _is_image(path: Path) -> bool:
    return path.is_file() and _visible(path) and path.suffix.lower() in IMAGE_SUFFIXES


def scan_folder(root: str | os.PathLike[str]) -> FolderScan:
    """(path relative to `root`, class) for every image file in ``root/<class>/``, sorted, and
    the folders inside class folders and the images at the top level, which are left out.

    Files are chosen by suffix only here; `list_dataset` checks that they can be decoded."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"image folder {root} does not exist; point images.folder at it")
    pairs: list[tuple[str, str]] = []
    skipped: list[Skipped] = [
        (f.name, TOP_LEVEL_IMAGE) for f in sorted(root.iterdir()) if _is_image(f)
    ]
    for class_dir in sorted(p for p in root.iterdir() if p.is_dir() and _visible(p)):
        entries = sorted(p for p in class_dir.iterdir() if _visible(p))
        for nested in (p for p in entries if p.is_dir()):
            count = sum(1 for f in nested.rglob("*") if _is_image(f))
            path = f"{class_dir.name}/{nested.name}/"
            skipped.append((path, nested_folder(count)))
        files = [f.name for f in entries if _is_image(f)]
        if not files:
            log.warning("class folder %s holds no image files; ignored", class_dir)
        pairs.extend((f"{class_dir.name}/{name}", class_dir.name) for name in files)
    if not pairs:
        stray = sum(reason == TOP_LEVEL_IMAGE for _, reason in skipped)
        raise DatasetError(
            f"{root} holds no <class>/<image> files (suffixes {', '.join(sorted(IMAGE_SUFFIXES))})"
            + (f"; {stray} images lie at its top level: put them in class folders" if stray else "")
        )
    return FolderScan(pairs, sorted(skipped))


def unreadable(root: str | os.PathLike[str], paths: Iterable[str]) -> dict[str, str]:
    """{path: reason} for those of `paths` (relative to `root`) that cannot be decoded."""
    bad = {}
    for path in paths:
        try:
            check_image(Path(root) / path)
        except UnreadableImage as e:
            bad[path] = str(e)
    return bad


def stratified_split(
    pairs: Iterable[tuple[str, str]], *, test_fraction: float = 0.2, seed: int = 0
) -> list[Item]:
    """Split each class on its own: round(n × test_fraction) test images, at least one of each
    split when a class has two or more images, so that no class is missing from either side.

    Each class draws from a generator seeded by (seed, CRC-32 of the class name): adding or
    removing one class leaves the split of every other class unchanged.
    """
    if not 0.0 <= test_fraction < 1.0:
        raise DatasetError(f"test_fraction {test_fraction} must be in [0, 1)")
    by_class: dict[str, list[str]] = defaultdict(list)
    for path, label in pairs:
        by_class[label].append(path)
    items: list[Item] = []
    for label in sorted(by_class):
        paths = sorted(by_class[label])
        n_test = _n_test(len(paths), test_fraction)
        rng = np.random.default_rng([seed, zlib.crc32(label.encode("utf-8"))])
        test = {paths[i] for i in rng.permutation(len(paths))[:n_test]}
        items.extend(Item(p, label, "test" if p in test else "train") for p in paths)
    return sorted(items)


def _n_test(n: int, test_fraction: float) -> int:
    n_test = round(n * test_fraction)
    if test_fraction > 0 and n >= 2:
        n_test = min(max(n_test, 1), n - 1)
    return n_test


def list_dataset(
    kind: DatasetKind, root: str | os.PathLike[str], *, test_fraction: float = 0.2, seed: int = 0
) -> Listing:
    """The readable items to embed (paths relative to `root`) and what was left out, with why.

    ``digits`` and ``folder`` are split by `stratified_split` (`test_fraction`, `seed`) after the
    unreadable files are dropped; ``mit67`` keeps its official split, less unreadable files."""
    if kind in ("digits", "folder"):
        scan = scan_folder(root)
        bad = unreadable(root, (path for path, _ in scan.pairs))
        pairs = [(path, label) for path, label in scan.pairs if path not in bad]
        items = stratified_split(pairs, test_fraction=test_fraction, seed=seed)
        skipped = scan.skipped
    elif kind == "mit67":
        official = mit67_items(root)
        bad = unreadable(root, (item.path for item in official))
        items, skipped = [item for item in official if item.path not in bad], []
    else:
        raise DatasetError(f"unknown image dataset kind {kind!r}: use digits, folder or mit67")
    if not items and bad:
        path, reason = next(iter(bad.items()))
        raise DatasetError(
            f"none of the {len(bad)} image files under {root} can be read (e.g. {path}: "
            f"{reason}); check the images.folder"
        )
    return Listing(items, sorted([*skipped, *bad.items()]))


def write_skipped(path: str | os.PathLike[str], skipped: Sequence[Skipped]) -> Path:
    """What the listing left out, as a TSV (path, reason)."""
    write_tsv(path, SKIPPED_HEADER, skipped)
    return Path(path)


def read_skipped(path: str | os.PathLike[str]) -> list[Skipped]:
    """The rows of a file written by `write_skipped` (or ``skipped.tsv``), in file order."""
    header, rows = read_table(path)
    if tuple(header) != SKIPPED_HEADER:
        raise DatasetError(
            f"{path}: columns {header}, expected {list(SKIPPED_HEADER)}; it is not a list "
            "written by the list_images rule (delete it and run again)"
        )
    return [(path, reason) for path, reason in rows]
