"""Word-vector files in the formats users have, detected from their content.

- ``glove``: text without a header, ``word v1 ... vd`` per line (a word may contain spaces: the
  vector is the last d fields);
- ``word2vec-text``: a ``count dim`` header line, then text lines (word2vec and fastText
  ``.vec``/``.txt``);
- ``word2vec-binary``: the header line, then per entry the word, a space and d little-endian
  float32 values, optionally followed by a newline (word2vec.c writes one, gensim does not);
- any of these gzip-compressed: streamed, never decompressed to disk; text takes two passes when
  it has no header (one to count the lines, one to parse them).

The vector size comes from the header, or from the most common number of fields over the first
lines. Every format is read as strictly as GloVe text (glove_text.py): the file, the line or the
byte offset, the problem and what to set.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from embedlab import _textparse
from embedlab.glove_text import (
    BLANKS,
    BOM,
    DIM_SAMPLE,
    GZIP_MAGIC,
    GloveFormatError,
    GloveText,
    OnBadLine,
    Rows,
    UnicodeErrors,
    assemble,
    check_count,
    default_threads,
    infer_dim,
    mapped,
    open_file,
    parse_text_rows,
    text_extent,
)
from embedlab.word2vec_binary import read_binary

log = logging.getLogger(__name__)

Format = Literal["auto", "glove", "word2vec-text", "word2vec-binary"]
FORMATS = ("glove", "word2vec-text", "word2vec-binary")
HEADER = re.compile(rb"[ \t]*(\d+)[ \t]+(\d+)[ \t]*\r?")
BLOCK = 64 << 20  # bytes of decompressed input handled at a time
SET_FORMAT = "Set vectors.sources[].format (embedlab convert --format) if detection got it wrong."


@dataclass(frozen=True)
class Detected:
    """What a file holds: its format, whether it is gzip-compressed, its header (count, dim) and
    the header line's length in bytes, and why the format was chosen (for the log)."""

    format: str
    gzip: bool
    header: tuple[int, int] | None
    header_bytes: int
    reason: str


def _is_text_line(line: bytes) -> bool:
    """A word and at least one number, space-separated: text (a binary entry's float bytes are
    not a row of decimal numbers)."""
    values = line.rstrip(BLANKS).split(b" ")[1:]
    try:
        return bool(values) and all(float(v) == float(v) or v.lower() == b"nan" for v in values)
    except ValueError:
        return False


def detect(path: str | os.PathLike[str], format: Format = "auto") -> Detected:
    """The file's format: `format` when it is not ``auto``, else from the first bytes."""
    with open(path, "rb") as fh:
        compressed = fh.read(2) == GZIP_MAGIC
    with open_file(path) as fh:
        try:
            head = fh.read(1 << 20)
        except (OSError, EOFError) as error:
            raise GloveFormatError(f"{path}: not a readable gzip file ({error}).") from None
    if not head.strip(BLANKS):
        raise GloveFormatError(f"{path}: the file is empty. Check the download or the path.")
    start = 3 if head.startswith(BOM) else 0
    first, newline, rest = head[start:].partition(b"\n")
    match = HEADER.fullmatch(first) if newline else None
    header = (int(match[1]), int(match[2])) if match else None
    header_bytes = start + len(first) + 1
    gz = " (gzip-compressed, read as a stream)" if compressed else ""
    if header and min(header) < 1:
        header = None
    binary = header is not None and not _is_text_line(rest.lstrip(b"\n").split(b"\n")[0])
    if format != "auto":
        if format not in FORMATS:
            raise ValueError(f"format must be auto or one of {', '.join(FORMATS)}, not {format!r}")
        if format != "glove" and header is None:
            raise GloveFormatError(
                f"{path}:1: format is {format}, but the first line is not a 'count dim' header: "
                f"{first[:80]!r}. Set format: glove for a file without one, or auto."
            )
        why = f"set by vectors.sources[].format{gz}"
        return Detected(format, compressed, header if format != "glove" else None, header_bytes
                        if format != "glove" else 0, why)  # fmt: skip
    if header is None:
        return Detected("glove", compressed, None, 0, f"no 'count dim' header line{gz}")
    shown = first.decode("ascii").strip()
    if binary:
        why = f"a header line '{shown}', then binary entries (a word, then raw float32 bytes){gz}"
        return Detected("word2vec-binary", compressed, header, header_bytes, why)
    why = f"a header line '{shown}', then text lines of a word and {header[1]} values{gz}"
    return Detected("word2vec-text", compressed, header, header_bytes, why)


def read_vectors(
    path: str | os.PathLike[str],
    format: Format = "auto",
    dim: int | None = None,
    limit: int | None = None,
    unicode_errors: UnicodeErrors = "strict",
    on_bad_line: OnBadLine = "error",
    threads: int | None = None,
) -> tuple[GloveText, Detected]:
    """Any supported vector file -> words and float32 rows (in file order), and what was
    detected. `limit` keeps the first N lines or entries (gensim's `limit`)."""
    if unicode_errors not in ("strict", "replace", "ignore"):
        raise ValueError(
            f"unicode_errors must be strict, replace or ignore, not {unicode_errors!r}"
        )
    found = detect(path, format)
    log.info("%s: read as %s: %s", path, found.format, found.reason)
    if found.header and dim is not None and dim != found.header[1]:
        raise GloveFormatError(
            f"{path}:1: the header says vectors of {found.header[1]} values, not {dim}."
        )
    threads = threads or default_threads()
    if found.format == "word2vec-binary":
        assert found.header is not None
        parsed = read_binary(
            path, found.header_bytes, *found.header, limit, unicode_errors, on_bad_line, threads
        )
    elif found.gzip:
        parsed = read_text_stream(path, found, dim, limit, unicode_errors, on_bad_line, threads)
    else:
        with mapped(path) as view:
            parsed = read_text_view(
                path, view, found, dim, limit, unicode_errors, on_bad_line, threads
            )
    return parsed, found


def read_text_view(
    path: str | os.PathLike[str],
    view: memoryview,
    found: Detected,
    dim: int | None,
    limit: int | None,
    unicode_errors: UnicodeErrors,
    on_bad_line: OnBadLine,
    threads: int,
) -> GloveText:
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
            raise GloveFormatError(f"{path}: the file holds no lines of text.")
        rows = min(n, limit or n, found.header[0] if found.header else n)
        vectors = np.empty((rows, dim), dtype=np.float32)
        block = parse_text_rows(
            path, data, dim, vectors, threads=threads, unicode_errors=unicode_errors,
            first_lineno=first_lineno, base_offset=start, max_rows=rows,
        )  # fmt: skip
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
) -> GloveText:
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
            raise GloveFormatError(f"{path}: the file holds no lines of text.")
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
            path, memoryview(block), dim, vectors[done:], threads=threads,
            unicode_errors=unicode_errors, first_lineno=first_lineno + done,
            base_offset=offset, max_rows=rows - done,
        )  # fmt: skip
        done += len(parsed.words)
        more = more or _textparse.count_lines(block) > len(parsed.words)
        blocks.append(parsed)
    if found.header:
        check_count(path, found.header[0], done, limit, more)
    return assemble(path, blocks, vectors[:done], on_bad_line, unicode_errors)


def read_glove_text(
    path: str | os.PathLike[str],
    dim: int | None = None,
    on_bad_line: OnBadLine = "error",
    threads: int | None = None,
    *,
    limit: int | None = None,
    unicode_errors: UnicodeErrors = "strict",
) -> GloveText:
    """A file read as GloVe text whatever its first line (`read_vectors` with format glove):
    `dim` defaults to the most common number of values per line over the first lines."""
    parsed, _ = read_vectors(path, "glove", dim, limit, unicode_errors, on_bad_line, threads)
    return parsed
