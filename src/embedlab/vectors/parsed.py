"""What the reader of every vector format shares: the error type, bad lines and their messages,
the vector size of a file without a header, word decoding, and `assemble`, which turns parsed
rows of any format into the result (duplicates found, problems described, bad rows dropped or
refused).

Bad lines are never silently accepted: with ``on_bad_line="error"`` the first one stops the read
with the file, the line number and the problem; with ``"skip"`` they are dropped and reported in
`ParsedVectors.problems`.
"""

from __future__ import annotations

import collections
import contextlib
import gzip
import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np

OnBadLine = Literal["error", "skip"]


UnicodeErrors = Literal["strict", "replace", "ignore"]


BOM = b"\xef\xbb\xbf"


GZIP_MAGIC = b"\x1f\x8b"


BLANKS = b"\r\n \t"


# Status codes written by _textparse.parse and _binparse.scan (1-5) and by the Python checks
# below (6-7).
TOO_FEW, TOO_MANY, NOT_NUMBER, NOT_FINITE, EMPTY_WORD, BAD_UTF8, DUPLICATE = range(1, 8)


ADVICE = (
    "Fix or remove the line, or set vectors.on_bad_line: skip "
    "(embedlab convert --on-bad-line skip) "
    "to drop bad lines and count them in the log."
)


UTF8_ADVICE = (
    "Set vectors.sources[].unicode_errors: replace or ignore (embedlab convert --unicode-errors) "
    "to keep such words as gensim does, or vectors.on_bad_line: skip to drop them."
)


# lines looked at to find the vector size of a file without a header
DIM_SAMPLE = 1000


DIM_SAMPLE_BYTES = 4 << 20


class VectorFileError(ValueError):
    """A vector file that cannot be read as it is; the message names the file, the line (or byte
    offset) and the problem."""


@dataclass(frozen=True)
class BadLine:
    """One rejected line (text) or entry (binary): its 1-based number, what is wrong with it and,
    for a binary entry, the byte offset where it starts."""

    lineno: int
    problem: str
    offset: int | None = None

    def where(self, path: str | os.PathLike[str]) -> str:
        if self.offset is None:
            return f"{path}:{self.lineno}"
        return f"{path}: byte {self.offset} (entry {self.lineno})"


@dataclass
class Rows:
    """One parsed block of consecutive rows: words, and per row a status (0: good), a detail for
    the message and a hash of the word's bytes; `numbers` holds each row's line or entry number,
    `offsets` (binary only) each entry's byte offset; `problems` describes the first bad rows."""

    words: list[str]
    status: np.ndarray
    detail: np.ndarray
    hashes: np.ndarray
    numbers: np.ndarray
    offsets: np.ndarray | None = None
    problems: list[BadLine] = field(default_factory=list)
    n_with_spaces: int = 0


@dataclass
class ParsedVectors:
    """The content of a vector file of any format, rows in file order."""

    words: list[str]
    vectors: np.ndarray
    problems: list[BadLine] = field(default_factory=list)
    n_lines: int = 0
    had_bom: bool = False
    n_words_with_spaces: int = 0

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])


def default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _line_bytes(data: memoryview, starts: np.ndarray, i: int) -> bytes:
    return bytes(data[int(starts[i]) : int(starts[i + 1])]).rstrip(b"\r\n")


def infer_dim(path: str | os.PathLike[str], lines: list[bytes], first_lineno: int = 1) -> int:
    """The vector size of header-less text: the most common number of fields after the word over
    the first lines (one line can hold a multi-word token such as glove.840B's '. . .')."""
    counts = collections.Counter(
        len(line.rstrip(b"\r\n \t").split(b" ")) - 1 for line in lines if line.strip()
    )
    if not counts:
        raise VectorFileError(f"{path}: the file holds no lines of text.")
    # the most common count; on a tie, the one seen first (Counter keeps first-seen order)
    fields, seen = max(counts.items(), key=lambda item: item[1])
    if fields < 1:
        raise VectorFileError(
            f"{path}:{first_lineno}: cannot infer the vector size: {seen} of the first "
            f"{len(lines)} lines have no values after the word. Is this a word-vector file? "
            "Set vectors.sources[].format (or pass --dim) if it is."
        )
    return fields


def _describe(status: int, detail: int, dim: int, line: bytes) -> str:
    values = line.rstrip(b"\r ").split(b" ")[-dim:]
    if status in (TOO_FEW, TOO_MANY):
        return f"expected {dim} values after the word, found {detail}"
    if status in (NOT_NUMBER, NOT_FINITE):
        token = values[detail - 1] if 0 < detail <= len(values) else b"?"
        kind = (
            "not a number"
            if status == NOT_NUMBER
            else "not a finite float32 (inf, nan or out of range)"
        )
        return f"value {detail} of {dim} is {kind}: {token.decode('utf-8', 'replace')!r}"
    if status == EMPTY_WORD:
        return "the word is empty (the line starts with a space)"
    return f"unknown problem (status {status})"  # pragma: no cover


def decode_words(
    blob: bytes, sep: bytes, status: np.ndarray, unicode_errors: UnicodeErrors
) -> tuple[list[str], dict[int, int]]:
    """Words joined by `sep` (one after each) -> strings, and for `strict`, the row and byte
    position (within the word) of each word that is not valid UTF-8 (its status set BAD_UTF8)."""
    bad: dict[int, int] = {}
    try:
        return blob.decode("utf-8", unicode_errors).split(sep.decode())[:-1], bad
    except UnicodeDecodeError:
        pass
    words = []
    for i, raw in enumerate(blob.split(sep)[:-1]):
        try:
            words.append(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            words.append("")
            if status[i] == 0:
                status[i] = BAD_UTF8
                bad[i] = error.start
    return words, bad


MAX_PROBLEMS = 1000


def assemble(
    path: str | os.PathLike[str],
    blocks: list[Rows],
    vectors: np.ndarray,
    on_bad_line: OnBadLine,
    unicode_errors: UnicodeErrors = "strict",
) -> ParsedVectors:
    """The rows of every block (in file order, `vectors` holding all of them) -> the result:
    repeated words marked (the first one wins, as in gensim), the first bad row raised, or, with
    `skip`, the bad rows dropped and listed."""
    if on_bad_line not in ("error", "skip"):
        raise ValueError(f"on_bad_line must be 'error' or 'skip', not {on_bad_line!r}")
    words = blocks[0].words if len(blocks) == 1 else [w for b in blocks for w in b.words]
    status = np.concatenate([b.status for b in blocks]) if blocks else np.zeros(0, np.int32)
    detail = np.concatenate([b.detail for b in blocks]) if blocks else np.zeros(0, np.int32)
    numbers = np.concatenate([b.numbers for b in blocks]) if blocks else np.zeros(0, np.int64)
    offsets = (
        np.concatenate([b.offsets for b in blocks])
        if blocks and all(b.offsets is not None for b in blocks)
        else None
    )
    if unicode_errors == "strict":
        hashes = np.concatenate([b.hashes for b in blocks])
    else:  # different bytes can decode to the same word
        hashes = np.fromiter((hash(w) for w in words), np.int64, len(words)).view(np.uint64)
    _mark_duplicates(words, hashes, status, detail)
    problems = [p for block in blocks for p in block.problems]
    kind, kinds = ("line", "lines") if offsets is None else ("entry", "entries")
    for i in np.flatnonzero(status == DUPLICATE)[:MAX_PROBLEMS].tolist():
        first = int(numbers[detail[i]])
        problems.append(
            BadLine(
                int(numbers[i]),
                f"duplicate word {words[i]!r}, first seen on {kind} {first}",
                None if offsets is None else int(offsets[i]),
            )
        )
    problems.sort(key=lambda p: p.lineno)
    bad = np.flatnonzero(status)
    if bad.size and on_bad_line == "error":
        first = problems[0]
        more = f" ({bad.size - 1} more bad {kinds} follow)" if bad.size > 1 else ""
        advice = UTF8_ADVICE if "not valid UTF-8" in first.problem else ADVICE
        raise VectorFileError(f"{first.where(path)}: {first.problem}{more}. {advice}")
    if bad.size:
        keep = status == 0
        vectors = vectors[keep]
        words = [w for w, k in zip(words, keep.tolist(), strict=True) if k]
        problems = problems[:MAX_PROBLEMS]
        if len(problems) < bad.size:
            problems.append(BadLine(0, f"... and {bad.size - len(problems)} more bad {kinds}"))
    if not words:
        raise VectorFileError(f"{path}: no valid {kinds} remain after skipping {bad.size}.")
    return ParsedVectors(
        words=words,
        vectors=vectors,
        problems=problems,
        n_lines=len(status),
        n_words_with_spaces=sum(block.n_with_spaces for block in blocks),
    )


@contextlib.contextmanager
def mapped(path: str | os.PathLike[str]) -> Iterator[memoryview]:
    """The whole file, memory-mapped read-only (an empty file is refused)."""
    size = Path(path).stat().st_size
    if size == 0:
        raise VectorFileError(f"{path}: the file is empty. Check the download or the path.")
    # MAP_POPULATE maps the whole (usually cached) file at once instead of page fault by page fault
    flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
    with (
        open(path, "rb") as fh,
        mmap.mmap(fh.fileno(), 0, flags=flags, prot=mmap.PROT_READ) as mm,
    ):
        view = memoryview(mm)
        try:
            yield view
        finally:
            view.release()


def check_count(
    path: str | os.PathLike[str], count: int, present: int, limit: int | None, more: bool
) -> None:
    """The header's word count against the entries present (`more`: the file goes on after the
    `count` entries read); with a `limit` below the count only the first `limit` must exist."""
    wanted = count if limit is None else min(count, limit)
    if present < wanted:
        raise VectorFileError(
            f"{path}:1: the header says {count} words, but the file ends after {present} "
            "entries. It may be cut short: download it again, or set "
            f"vectors.sources[].limit: {present} to keep the entries it has."
        )
    if more and (limit is None or limit > count):
        raise VectorFileError(
            f"{path}:1: the header says {count} words, but the file holds more entries after "
            f"them. Fix the header's count, or set vectors.sources[].limit: {count} to keep "
            "the first ones."
        )


def open_file(path: str | os.PathLike[str]) -> BinaryIO:
    """The file's bytes, decompressed on the fly when it is gzip-compressed."""
    with open(path, "rb") as fh:
        compressed = fh.read(2) == GZIP_MAGIC
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def _mark_duplicates(
    words: list[str], hashes: np.ndarray, status: np.ndarray, detail: np.ndarray
) -> None:
    """Mark every repeat of a word as a bad line pointing at its first occurrence (first one wins,
    as in gensim's loader), so a store never maps one word to two rows.

    Equal words have equal 64-bit hashes, so sorting the hashes finds every candidate at NumPy
    speed; only lines whose hash occurs twice are compared as strings."""
    ok = np.flatnonzero(status == 0)
    h = hashes[ok]
    order = np.argsort(h, kind="stable")
    sorted_h = h[order]
    repeated = np.flatnonzero(sorted_h[1:] == sorted_h[:-1])
    if not repeated.size:
        return
    candidates = np.unique(np.concatenate([order[repeated], order[repeated + 1]]))
    first_seen: dict[str, int] = {}
    for i in ok[candidates].tolist():  # ascending line order, so the first occurrence wins
        j = first_seen.setdefault(words[i], i)
        if j != i:
            status[i] = DUPLICATE
            detail[i] = j


@dataclass(frozen=True)
class Detected:
    """What a file holds: its format, whether it is gzip-compressed, its header (count, dim) and
    the header line's length in bytes, and why the format was chosen (for the log)."""

    format: str
    gzip: bool
    header: tuple[int, int] | None
    header_bytes: int
    reason: str
