"""Checked, resumable downloads and copies, for every stage that fetches a file.

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
from collections.abc import Iterable
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

from tqdm import tqdm

from embedlab.common.atomic import atomic_output

log = logging.getLogger(__name__)


CHUNK = 1 << 20


@dataclass(frozen=True)
class Digest:
    """What a file must be: any of size, MD5, SHA-256 (None = not known)."""

    size: int | None = None
    md5: str | None = None
    sha256: str | None = None


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


def copy_checked(
    src: str | os.PathLike[str], dest: str | os.PathLike[str], expected: Digest
) -> Path:
    """Copy a local file into resources/ after checking it (used for local archives)."""
    with atomic_output(dest) as tmp:
        shutil.copyfile(src, tmp)
        verify(tmp, expected, f"copying {src}", "Check that the file is the one you meant.")
    return Path(dest)
