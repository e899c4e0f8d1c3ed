"""Text vector files ("word v1 ... vd" per line: GloVe, and word2vec/fastText text after their
header line): the C parser's rows, mapped files and gzip streams.

The hot loop lives in the C module `_textparse`; what every format shares (the error type, bad
lines, the vector size, assembling the result) is in parsed.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

from embedlab.vectors import _textparse
from embedlab.vectors.parsed import (
    BAD_UTF8,
    BLANKS,
    BOM,
    DIM_SAMPLE,
    MAX_PROBLEMS,
    BadLine,
    Detected,
    OnBadLine,
    ParsedVectors,
    Rows,
    UnicodeErrors,
    VectorFileError,
    _describe,
    _line_bytes,
    assemble,
    check_count,
    decode_words,
    infer_dim,
    open_file,
)


def parse_text_rows(
    path: str | os.PathLike[str],
    data: memoryview,
    dim: int,
    vectors: np.ndarray,
    *,
    threads: int,
    unicode_errors: UnicodeErrors = "strict",
    first_lineno: int = 1,
    base_offset: int = 0,
    max_rows: int | None = None,
) -> Rows:
    """Parse the complete lines of `data` (at most `max_rows`) into rows 0.. of `vectors`.
    `first_lineno` and `base_offset` place the block in its file, for messages."""
    n = _textparse.count_lines(data)
    starts = np.empty(n + 1, dtype=np.int64)
    _textparse.line_starts(data, starts)
    if max_rows is not None and n > max_rows:
        n = max_rows
        starts = starts[: n + 1]
    if vectors.shape[0] < n or vectors.shape[1] != dim:
        raise ValueError(f"{n} lines of {dim} values do not fit vectors of {vectors.shape}")
    word_buf = np.empty(len(data) + n, dtype=np.uint8)
    status = np.zeros(n, dtype=np.int32)
    detail = np.zeros(n, dtype=np.int32)
    hashes = np.empty(n, dtype=np.uint64)
    segments = _textparse.parse(
        data, starts, dim, vectors[:n], word_buf, status, detail, hashes, threads
    )
    blob = b"".join(word_buf[o : o + length] for o, length in segments)
    del word_buf
    words, bad_utf8 = decode_words(blob, b"\n", status, unicode_errors)
    del blob
    if len(words) != n:  # pragma: no cover - guarded by construction
        raise AssertionError(f"parsed {len(words)} words from {n} lines")
    problems = []
    for i in np.flatnonzero(status)[:MAX_PROBLEMS].tolist():
        line = _line_bytes(data, starts, i)
        if status[i] == BAD_UTF8:
            word = line.rstrip(b"\r ").rsplit(b" ", dim)[0]
            at = base_offset + int(starts[i]) + bad_utf8[i]
            problem = f"the word is not valid UTF-8 at byte {at} of the file: {word!r}"
        else:
            problem = _describe(int(status[i]), int(detail[i]), dim, line)
        problems.append(BadLine(first_lineno + i, problem))
    ok = status == 0
    return Rows(
        words=words,
        status=status,
        detail=np.where(ok, 0, detail).astype(np.int32),
        hashes=hashes,
        numbers=np.arange(first_lineno, first_lineno + n, dtype=np.int64),
        problems=problems,
        n_with_spaces=int(np.count_nonzero(detail[ok])),  # detail flags spaces on good lines
    )


def text_extent(view: memoryview, start: int = 0) -> tuple[int, int, bool]:
    """Where the lines of `view` start (after a UTF-8 BOM) and end (before blank lines and
    blanks at the very end; the last line keeps its own line end), and whether it had a BOM."""
    had_bom = bytes(view[start : start + 3]) == BOM
    start += 3 if had_bom else 0
    end = len(view)
    while end > start and view[end - 1] in b"\r\n \t":
        end -= 1
    if end < len(view) and view[end] == ord("\r"):
        end += 1
    if end < len(view) and view[end] == ord("\n"):
        end += 1
    return start, end, had_bom


BLOCK = 64 << 20  # bytes of decompressed input handled at a time


def read_text_view(
    path: str | os.PathLike[str],
    view: memoryview,
    found: Detected,
    dim: int | None,
    limit: int | None,
    unicode_errors: UnicodeErrors,
    on_bad_line: OnBadLine,
    threads: int,
) -> ParsedVectors:
    """Uncompressed text, memory-mapped: one block, parsed on every thread."""
    start, end, had_bom = text_extent(view, found.header_bytes)
    first_lineno = 2 if found.header else 1
    data = view[start:end]
    try:
        if found.header:
            dim = found.header[1]
        elif dim is None:
            dim = infer_dim(path, _first_lines(data))
        n = _textparse.count_lines(data) if end > start else 0
        if found.header:
            check_count(path, found.header[0], n, limit, n > found.header[0])
        elif n == 0:
            raise VectorFileError(f"{path}: the file holds no lines of text.")
        rows = min(n, limit or n, found.header[0] if found.header else n)
        vectors = np.empty((rows, dim), dtype=np.float32)
        block = parse_text_rows(
            path,
            data,
            dim,
            vectors,
            threads=threads,
            unicode_errors=unicode_errors,
            first_lineno=first_lineno,
            base_offset=start,
            max_rows=rows,
        )
    finally:
        data.release()
    parsed = assemble(path, [block], vectors, on_bad_line, unicode_errors)
    parsed.had_bom = had_bom
    return parsed


def _first_lines(data: memoryview | bytes) -> list[bytes]:
    sample = 4 << 20
    lines = bytes(data[:sample]).split(b"\n")
    if len(data) > sample:
        lines.pop()  # cut short
    return lines[:DIM_SAMPLE]


def text_blocks(path: str | os.PathLike[str], skip: int) -> Iterator[tuple[bytes, int]]:
    """Decompressed text after the first `skip` bytes, in blocks of complete lines, each with
    its byte offset; blank lines at the very end are left out, a BOM at the start too."""
    with open_file(path) as fh:
        offset = len(fh.read(skip)) if skip else 0
        carry = b""
        first = True
        while True:
            chunk = fh.read(BLOCK)
            buf = carry + chunk
            if first and not skip and buf.startswith(BOM):
                buf, offset = buf[3:], 3
            first = False
            if not chunk:
                tail = buf.rstrip(BLANKS)
                if tail:
                    yield tail, offset
                return
            last = len(buf.rstrip(BLANKS))  # blank lines may be the file's end: hold them back
            cut = buf.rfind(b"\n", 0, last) + 1 if last else 0
            if cut:
                yield buf[:cut], offset
            carry, offset = buf[cut:], offset + cut


def read_text_stream(
    path: str | os.PathLike[str],
    found: Detected,
    dim: int | None,
    limit: int | None,
    unicode_errors: UnicodeErrors,
    on_bad_line: OnBadLine,
    threads: int,
) -> ParsedVectors:
    """Compressed text: the header gives the size; without one, a first pass counts the lines."""
    first_lineno = 2 if found.header else 1
    if found.header:
        dim, rows = found.header[1], min(found.header[0], limit or found.header[0])
    else:
        rows, head = 0, []
        for block, _ in text_blocks(path, 0):
            head = head or _first_lines(block)
            rows += _textparse.count_lines(block)
            if limit and rows >= limit:
                break
        if not rows:
            raise VectorFileError(f"{path}: the file holds no lines of text.")
        rows = min(rows, limit or rows)
        dim = dim or infer_dim(path, head)
    vectors = np.empty((rows, dim), dtype=np.float32)
    blocks: list[Rows] = []
    done, more = 0, False
    for block, offset in text_blocks(path, found.header_bytes):
        if done == rows:
            more = True
            break
        parsed = parse_text_rows(
            path,
            memoryview(block),
            dim,
            vectors[done:],
            threads=threads,
            unicode_errors=unicode_errors,
            first_lineno=first_lineno + done,
            base_offset=offset,
            max_rows=rows - done,
        )
        done += len(parsed.words)
        more = more or _textparse.count_lines(block) > len(parsed.words)
        blocks.append(parsed)
    if found.header:
        check_count(path, found.header[0], done, limit, more)
    return assemble(path, blocks, vectors[:done], on_bad_line, unicode_errors)
