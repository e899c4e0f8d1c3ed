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
lines. Every format is read as strictly as GloVe text (text.py, parsed.py): the file, the line
or the byte offset, the problem and what to set.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Literal

from embedlab.vectors.binary import read_binary
from embedlab.vectors.parsed import (
    BLANKS,
    BOM,
    GZIP_MAGIC,
    Detected,
    OnBadLine,
    ParsedVectors,
    UnicodeErrors,
    VectorFileError,
    default_threads,
    mapped,
    open_file,
)
from embedlab.vectors.text import read_text_stream, read_text_view

log = logging.getLogger(__name__)


Format = Literal["auto", "glove", "word2vec-text", "word2vec-binary"]


FORMATS = ("glove", "word2vec-text", "word2vec-binary")


HEADER = re.compile(rb"[ \t]*(\d+)[ \t]+(\d+)[ \t]*\r?")


SET_FORMAT = "Set vectors.sources[].format (embedlab convert --format) if detection got it wrong."


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
            raise VectorFileError(f"{path}: not a readable gzip file ({error}).") from None
    if not head.strip(BLANKS):
        raise VectorFileError(f"{path}: the file is empty. Check the download or the path.")
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
            raise VectorFileError(
                f"{path}:1: format is {format}, but the first line is not a 'count dim' header: "
                f"{first[:80]!r}. Set format: glove for a file without one, or auto."
            )
        why = f"set by vectors.sources[].format{gz}"
        return Detected(
            format,
            compressed,
            header if format != "glove" else None,
            header_bytes if format != "glove" else 0,
            why,
        )
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
) -> tuple[ParsedVectors, Detected]:
    """Any supported vector file -> words and float32 rows (in file order), and what was
    detected. `limit` keeps the first N lines or entries (gensim's `limit`)."""
    if unicode_errors not in ("strict", "replace", "ignore"):
        raise ValueError(
            f"unicode_errors must be strict, replace or ignore, not {unicode_errors!r}"
        )
    found = detect(path, format)
    log.info("%s: read as %s: %s", path, found.format, found.reason)
    if found.header and dim is not None and dim != found.header[1]:
        raise VectorFileError(
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


def read_glove_text(
    path: str | os.PathLike[str],
    dim: int | None = None,
    on_bad_line: OnBadLine = "error",
    threads: int | None = None,
    *,
    limit: int | None = None,
    unicode_errors: UnicodeErrors = "strict",
) -> ParsedVectors:
    """A file read as GloVe text whatever its first line (`read_vectors` with format glove):
    `dim` defaults to the most common number of values per line over the first lines."""
    parsed, _ = read_vectors(path, "glove", dim, limit, unicode_errors, on_bad_line, threads)
    return parsed
