"""Reading GloVe-format text files ("word v1 ... vd" per line) into words and a float32 matrix.

The hot loop lives in the C module `_textparse`; this module maps files, decides the dimension,
and turns the per-line status codes into messages a user can act on. Bad lines are never silently
accepted: with ``on_bad_line="error"`` the first one stops the read with the file, the line number
and the problem; with ``"skip"`` they are dropped and reported in `GloveText.problems`.
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from embedlab import _textparse

OnBadLine = Literal["error", "skip"]

BOM = b"\xef\xbb\xbf"

# Status codes written by _textparse.parse (1-5) and by the Python checks below (6-7).
TOO_FEW, TOO_MANY, NOT_NUMBER, NOT_FINITE, EMPTY_WORD, BAD_UTF8, DUPLICATE = range(1, 8)

ADVICE = (
    "Fix or remove the line, or set vectors.on_bad_line: skip "
    "(embedlab convert --on-bad-line skip) "
    "to drop bad lines and count them in the log."
)


class GloveFormatError(ValueError):
    """A GloVe text file that cannot be read as it is; the message names file, line and problem."""


@dataclass(frozen=True)
class BadLine:
    """One rejected line: 1-based line number and what is wrong with it."""

    lineno: int
    problem: str


@dataclass
class GloveText:
    """The content of a GloVe text file, rows in file order."""

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


def _infer_dim(path: Path, first_line: bytes) -> int:
    fields = first_line.rstrip(b"\r\n ").split(b" ")
    if len(fields) < 2:
        raise GloveFormatError(
            f"{path}:1: cannot infer the vector dimension: the first line has no values "
            f"({first_line[:80]!r}). Pass the dimension explicitly (--dim)."
        )
    return len(fields) - 1


def _describe(status: int, detail: int, dim: int, line: bytes, words: list[str] | None) -> str:
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
    if status == BAD_UTF8:
        word = line.rstrip(b"\r ").rsplit(b" ", dim)[0]
        return f"the word is not valid UTF-8: {word!r}"
    if status == DUPLICATE:
        assert words is not None
        return f"duplicate word, first seen on line {detail + 1}"
    return f"unknown problem (status {status})"  # pragma: no cover


def read_glove_text(
    path: str | os.PathLike[str],
    dim: int | None = None,
    on_bad_line: OnBadLine = "error",
    threads: int | None = None,
) -> GloveText:
    """Parse a GloVe text file; values are exactly ``np.float32(float(token))``.

    The vector is the last `dim` space-separated fields of a line and the word is everything
    before them, so words containing spaces (glove.840B) are kept. `dim` defaults to the number of
    fields of the first line minus one. CRLF line ends, a UTF-8 BOM, trailing blanks and a missing
    final newline are accepted; blank lines at the very end are ignored.
    """
    if on_bad_line not in ("error", "skip"):
        raise ValueError(f"on_bad_line must be 'error' or 'skip', not {on_bad_line!r}")
    path = Path(path)
    threads = threads or default_threads()
    size = path.stat().st_size
    if size == 0:
        raise GloveFormatError(f"{path}: the file is empty. Check the download or the path.")
    # MAP_POPULATE maps the whole (usually cached) file at once instead of page fault by page fault
    flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
    with (
        open(path, "rb") as fh,
        mmap.mmap(fh.fileno(), 0, flags=flags, prot=mmap.PROT_READ) as mm,
    ):
        view = memoryview(mm)
        try:
            return _parse_view(path, view, dim, on_bad_line, threads)
        finally:
            view.release()


def _parse_view(
    path: Path, view: memoryview, dim: int | None, on_bad_line: OnBadLine, threads: int
) -> GloveText:
    had_bom = bytes(view[:3]) == BOM
    start = 3 if had_bom else 0
    end = len(view)
    while end > start and view[end - 1] in b"\r\n \t":  # blank lines and blanks at the end
        end -= 1
    if end == start:
        raise GloveFormatError(f"{path}: the file holds no lines of text.")
    if end < len(view) and view[end] == ord("\r"):
        end += 1  # keep the last line's own line end: it is stripped like any other
    data = view[start:end]
    try:
        n = _textparse.count_lines(data)
        starts = np.empty(n + 1, dtype=np.int64)
        _textparse.line_starts(data, starts)
        if dim is None:
            dim = _infer_dim(path, _line_bytes(data, starts, 0))
        vectors = np.empty((n, dim), dtype=np.float32)
        word_buf = np.empty(len(data) + n, dtype=np.uint8)
        status = np.zeros(n, dtype=np.int32)
        detail = np.zeros(n, dtype=np.int32)
        hashes = np.empty(n, dtype=np.uint64)
        segments = _textparse.parse(
            data, starts, dim, vectors, word_buf, status, detail, hashes, threads
        )
        blob = b"".join(word_buf[o : o + length] for o, length in segments)
        del word_buf
        try:
            words = blob.decode("utf-8").split("\n")[:-1]
        except UnicodeDecodeError:
            words = []
            for i, raw in enumerate(blob.split(b"\n")[:-1]):
                try:
                    words.append(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    words.append("")
                    if status[i] == 0:
                        status[i] = BAD_UTF8
        del blob
        if len(words) != n:  # pragma: no cover - guarded by construction
            raise AssertionError(f"parsed {len(words)} words from {n} lines")
        _mark_duplicates(words, hashes, status, detail)
        with_spaces = int(np.count_nonzero(detail[status == 0]))  # detail flags spaces on OK lines
        bad = np.flatnonzero(status)
        problems = [
            BadLine(
                int(i) + 1,
                _describe(
                    int(status[i]), int(detail[i]), dim, _line_bytes(data, starts, int(i)), words
                ),
            )
            for i in bad[:1000]
        ]
    finally:
        data.release()
    if bad.size and on_bad_line == "error":
        first = problems[0]
        more = f" ({bad.size - 1} more bad lines follow)" if bad.size > 1 else ""
        raise GloveFormatError(f"{path}:{first.lineno}: {first.problem}{more}. {ADVICE}")
    if bad.size:
        keep = status == 0
        vectors = vectors[keep]
        words = [w for w, k in zip(words, keep.tolist(), strict=True) if k]
        if len(problems) < bad.size:
            problems.append(BadLine(0, f"... and {bad.size - len(problems)} more bad lines"))
    if not words:
        raise GloveFormatError(
            f"{path}: no valid lines remain after skipping {bad.size} bad lines."
        )
    return GloveText(
        words=words,
        vectors=vectors,
        problems=problems,
        n_lines=n,
        had_bom=had_bom,
        n_words_with_spaces=with_spaces,
    )


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
