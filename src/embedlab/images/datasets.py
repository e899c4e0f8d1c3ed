"""Image datasets under ``resources/images/<dataset>/``: what is there.

Three kinds, one result: a sorted list of :class:`Item` (path relative to the dataset folder,
class label, ``train``/``test``) that the VGG16 step embeds, written to and read from ``items.tsv``
(:mod:`embedlab.images.listing` makes it: what is left out, and how the images split).

- ``digits``: scikit-learn's bundled 8×8 digits written as upscaled grayscale PNGs, so the whole
  image pipeline runs offline; the same call writes byte-identical files.
- ``folder``: any local ``<class>/<image>`` tree, split per class with a seeded shuffle.
- ``mit67``: MIT Indoor-67 from ``indoorCVPR_09.tar`` and its official split files, fetched with
  :mod:`embedlab.common.downloads` (checksums, resumable downloads) and unpacked safely.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal, NamedTuple
from urllib.parse import urlparse

import numpy as np
from tqdm import tqdm

from embedlab.common.downloads import AcquisitionError, Digest, copy_checked, download, verify
from embedlab.common.tables import read_tsv, write_tsv

log = logging.getLogger(__name__)

DatasetKind = Literal["digits", "folder", "mit67"]
Split = Literal["train", "test"]

MIT67_URL = "http://groups.csail.mit.edu/vision/LabelMe/NewImages/indoorCVPR_09.tar"
MIT67_TRAIN_URL = "http://web.mit.edu/torralba/www/TrainImages.txt"
MIT67_TEST_URL = "http://web.mit.edu/torralba/www/TestImages.txt"
MIT67_IMAGES = "Images"
MIT67_SPLIT_FILES = {"train": "TrainImages.txt", "test": "TestImages.txt"}
ITEMS_HEADER = ("path", "label", "split")
NO_DIGEST = Digest()  # nothing pinned: only the size the server announces is checked


class Item(NamedTuple):
    """One image: `path` relative to the dataset folder ('/'-separated), its class, its split."""

    path: str
    label: str
    split: str


class DatasetError(ValueError):
    """A dataset folder or split file that cannot be used; the message says what to fix."""


# --- digits -------------------------------------------------------------------------------------


def write_digits(
    dest: str | os.PathLike[str],
    *,
    per_class: int = 20,
    size: int = 64,
    seed: int = 0,
    interpolation: Literal["nearest", "bilinear"] = "nearest",
) -> Path:
    """Write `per_class` digits per class as ``<digit>/digit_<index>.png`` (`size`² grayscale).

    The images are chosen with a seeded generator and named by their index in `load_digits`, so
    the folder can be traced back to the bundled data. PNGs are small; VGG16 resizes them anyway.
    The folder is built under a temporary name and swapped in whole.
    """
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
    resample = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR}
    if interpolation not in resample:
        raise DatasetError(f"digits interpolation {interpolation!r}: use 'nearest' or 'bilinear'")
    chosen = _choose_digits(digits.target, per_class, seed)
    dest = Path(dest)
    with _atomic_dir(dest) as tmp:
        for index in chosen:
            folder = tmp / str(int(digits.target[index]))
            folder.mkdir(exist_ok=True)
            img = Image.fromarray(images[index], mode="L").resize(
                (size, size), resample[interpolation]
            )
            img.save(folder / f"digit_{index:04d}.png", format="PNG")
    return dest


def _choose_digits(target: np.ndarray, per_class: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for digit in range(10):
        pool = np.flatnonzero(target == digit)
        if not 0 < per_class <= len(pool):
            raise DatasetError(
                f"digits per_class={per_class}: digit {digit} has {len(pool)} images; "
                f"choose 1..{int(np.bincount(target).min())}"
            )
        chosen.extend(sorted(int(i) for i in rng.choice(pool, per_class, replace=False)))
    return chosen


# --- MIT-67 -------------------------------------------------------------------------------------


def acquire_mit67(
    dest: str | os.PathLike[str],
    *,
    archive: str = MIT67_URL,
    train_list: str = MIT67_TRAIN_URL,
    test_list: str = MIT67_TEST_URL,
    archive_digest: Digest = NO_DIGEST,
    train_digest: Digest = NO_DIGEST,
    test_digest: Digest = NO_DIGEST,
    retries: int = 5,
    timeout: float = 60.0,
) -> Path:
    """Make ``dest/Images/<class>/*.jpg`` and ``dest/{Train,Test}Images.txt``.

    Each source is a URL (downloaded into `dest` with resume) or a local path (checked in place;
    the 2.4 GB archive is not copied). Digests are checked where given. The archive is unpacked
    into a temporary folder that is renamed to ``Images`` only when complete, so a present
    ``Images`` folder always means a whole extraction and a rerun skips it.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    sources = {"train": (train_list, train_digest), "test": (test_list, test_digest)}
    for split, (source, digest) in sources.items():
        name = MIT67_SPLIT_FILES[split]
        _fetch(source, dest / name, digest, f"MIT-67 split file {name}", copy=True)
    images = dest / MIT67_IMAGES
    if images.is_dir():
        log.info("%s exists; not unpacking the archive again", images)
        return dest
    tar_path = _fetch(archive, dest / _file_name(archive), archive_digest, "MIT-67 archive")
    extract_images(tar_path, dest)
    return dest


def _file_name(source: str) -> str:
    parsed = urlparse(source)
    name = Path(parsed.path if parsed.scheme in ("http", "https") else source).name
    return name or "indoorCVPR_09.tar"


def _fetch(source: str, dest: Path, digest: Digest, what: str, copy: bool = False) -> Path:
    """A URL is downloaded to `dest`; a local file is checked and used in place (or copied)."""
    if urlparse(source).scheme in ("http", "https"):
        if dest.exists():
            verify(dest, digest, what, f"Delete {dest} to download it again.")
            return dest
        try:
            return download(source, dest, digest)
        except AcquisitionError as e:
            raise AcquisitionError(
                f"{what}: {first_sentence(e)}. Partial downloads are kept and resumed by the "
                f"next run; or download {source} yourself and give its local path instead."
            ) from e
    local = Path(source).expanduser()
    if not local.is_file():
        raise AcquisitionError(f"{what}: {local} does not exist; give a URL or an existing path.")
    if copy:
        return copy_checked(local, dest, digest)
    verify(local, digest, what, "Check that the file is the one you meant, or fix its checksum.")
    return local


def first_sentence(error: Exception) -> str:
    """The cause of an acquisition error without `download`'s advice, which speaks of GloVe."""
    return re.split(r"\.\s+(?=[A-Z])", str(error), maxsplit=1)[0]


def extract_images(archive: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Path:
    """Unpack the ``Images/`` tree of `archive` into ``dest/Images`` safely and atomically.

    tarfile's ``data`` filter refuses absolute paths, ``..``, links leaving the folder and device
    files; members outside ``Images/`` are not extracted at all.
    """
    archive, dest = Path(archive), Path(dest)
    final = dest / MIT67_IMAGES
    tmp = dest / f".{MIT67_IMAGES}.tmp"  # a fixed name: a killed run's leftovers go next time
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        _extract_members(archive, tmp)
        os.replace(tmp / MIT67_IMAGES, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _extract_members(archive: Path, into: Path) -> None:
    try:
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if _under_images(m.name)]
            if not any(m.isfile() for m in members):
                top = sorted({m.name.split("/")[0] for m in tar.getmembers()})[:10]
                raise AcquisitionError(
                    f"{archive} holds no {MIT67_IMAGES}/<class>/<image> files (top level: "
                    f"{', '.join(top) or 'nothing'}); is it indoorCVPR_09.tar?"
                )
            for member in tqdm(members, unit="file", desc=archive.name):
                tar.extract(member, into, filter="data")
    except tarfile.FilterError as e:
        raise AcquisitionError(
            f"{archive}: refusing to extract member {e.tarinfo.name!r} ({e}); the archive is not "
            "the published MIT-67 one. Delete it and fetch indoorCVPR_09.tar again."
        ) from e
    except (tarfile.TarError, EOFError) as e:
        raise AcquisitionError(
            f"{archive} is not a readable tar archive ({e}); delete it and fetch it again."
        ) from e


def _under_images(name: str) -> bool:
    return name.removeprefix("./").lstrip("/").split("/")[0] == MIT67_IMAGES


def read_split_file(path: str | os.PathLike[str]) -> list[str]:
    """The ``<class>/<file>.jpg`` lines of an official split file (blank lines ignored)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    entries = [line.strip().replace("\\", "/") for line in lines if line.strip()]
    bad = [e for e in entries if e.count("/") != 1 or ".." in e or e.startswith("/")]
    if bad:
        raise DatasetError(f"{path}: lines are not '<class>/<file>': {bad[:3]}")
    if len(set(entries)) != len(entries):
        raise DatasetError(f"{path} lists some images twice; fetch the official file again")
    return entries


def mit67_items(root: str | os.PathLike[str]) -> list[Item]:
    """The official split: every image named in ``TrainImages.txt`` / ``TestImages.txt``.

    Images in neither list are left out, as in the published benchmark. A listed image missing
    from ``Images/`` is an error: the archive and the split files do not belong together.
    """
    root = Path(root)
    items: list[Item] = []
    seen: dict[str, str] = {}
    for split, name in MIT67_SPLIT_FILES.items():
        for entry in read_split_file(root / name):
            if entry in seen:
                raise DatasetError(f"{entry} is in both {seen[entry]} and {name}")
            seen[entry] = name
            items.append(Item(f"{MIT67_IMAGES}/{entry}", entry.split("/")[0], split))
    missing = [it.path for it in items if not (root / it.path).is_file()]
    if missing:
        raise DatasetError(
            f"{len(missing)} images named by the split files are not under {root}: "
            f"{', '.join(missing[:5])}. Fetch the archive and split files again."
        )
    return sorted(items)


# --- items.tsv ----------------------------------------------------------------------------------


def write_items(path: str | os.PathLike[str], items: Sequence[Item]) -> Path:
    """The item list as a TSV (path, label, split): rules pass it on and people can read it."""
    write_tsv(path, ITEMS_HEADER, items)
    return Path(path)


def read_items(path: str | os.PathLike[str]) -> list[Item]:
    """The items of a file written by `write_items`, in file order."""
    rows = read_tsv(path)
    if rows and sorted(rows[0]) != sorted(ITEMS_HEADER):
        raise DatasetError(
            f"{path}: columns {list(rows[0])}, expected {list(ITEMS_HEADER)}; it is not an item "
            "list written by the list_images rule (delete it and run again)"
        )
    return [Item(row["path"], row["label"], row["split"]) for row in rows]


# --- helpers ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _atomic_dir(dest: Path) -> Iterator[Path]:
    """Build a folder under a temporary name; swap it in whole on success, or leave nothing."""
    tmp = dest.with_name(f".{dest.name}.tmp")  # fixed: a killed run's leftovers go next time
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = dest.with_name(f".{dest.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        os.replace(dest, old)
    os.replace(tmp, dest)
    shutil.rmtree(old, ignore_errors=True)
