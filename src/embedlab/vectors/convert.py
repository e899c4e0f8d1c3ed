"""Word-vector file (any format of read.py) -> HDF5 store: the code behind both the
`parse_vectors` rule and `embedlab convert`."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from embedlab import __version__
from embedlab.common.downloads import file_digests
from embedlab.vectors.parsed import OnBadLine, UnicodeErrors, VectorFileError
from embedlab.vectors.read import Format, read_vectors
from embedlab.vectors.store import write_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConvertSummary:
    n_words: int
    dim: int
    n_lines: int
    n_skipped: int
    sha256: str
    format: str
    detected: str
    parse_seconds: float
    total_seconds: float


def convert(
    text: str | os.PathLike[str],
    store: str | os.PathLike[str],
    dim: int | None = None,
    on_bad_line: OnBadLine = "error",
    threads: int | None = None,
    source: str | None = None,
    expected_sha256: str | None = None,
    format: Format = "auto",
    limit: int | None = None,
    unicode_errors: UnicodeErrors = "strict",
) -> ConvertSummary:
    """Parse `text` and write `store` atomically, recording the file's SHA-256 in the store and
    refusing the file when `expected_sha256` is given and differs."""
    start = time.perf_counter()
    text = Path(text)
    parsed, found = read_vectors(
        text,
        format,
        dim=dim,
        limit=limit,
        unicode_errors=unicode_errors,
        on_bad_line=on_bad_line,
        threads=threads,
    )
    parse_seconds = time.perf_counter() - start
    sha256 = file_digests(text, ["sha256"])["sha256"]
    if expected_sha256 and sha256 != expected_sha256.lower():
        raise VectorFileError(
            f"{text}: SHA-256 is {sha256}, expected {expected_sha256} "
            "(vectors.sources[].checksum). "
            "Use the file you pinned, or update that checksum if you changed the file on purpose."
        )
    for problem in parsed.problems:
        log.warning("%s: skipped: %s", problem.where(text), problem.problem)
    n_skipped = parsed.n_lines - len(parsed.words)
    write_store(
        store,
        parsed.words,
        parsed.vectors,
        {
            "source": source or str(text),
            "source_file": text.name,
            "source_sha256": sha256,
            "source_format": found.format,
            "source_gzip": found.gzip,
            "limit": limit or 0,
            "unicode_errors": unicode_errors,
            "n_lines": parsed.n_lines,
            "n_skipped": n_skipped,
            "on_bad_line": on_bad_line,
            "had_bom": parsed.had_bom,
            "n_words_with_spaces": parsed.n_words_with_spaces,
            "embedlab_version": __version__,
        },
    )
    return ConvertSummary(
        n_words=len(parsed.words),
        dim=parsed.dim,
        n_lines=parsed.n_lines,
        n_skipped=n_skipped,
        sha256=sha256,
        format=found.format,
        detected=found.reason,
        parse_seconds=parse_seconds,
        total_seconds=time.perf_counter() - start,
    )
