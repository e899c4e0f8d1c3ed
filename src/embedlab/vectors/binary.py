"""word2vec's binary format: a ``count dim`` header line, then per entry the word, a space and
`dim` little-endian float32 values, optionally followed by a newline (word2vec.c writes one,
gensim does not). The entries are scanned in C (`_binparse`) straight into the matrix, from the
memory-mapped file or, for ``.gz``, from decompressed blocks; the checks and messages are those of
every format (parsed.assemble), with the byte offset of each entry.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

from embedlab.vectors import _binparse
from embedlab.vectors.parsed import (
    BAD_UTF8,
    BLANKS,
    EMPTY_WORD,
    GZIP_MAGIC,
    MAX_PROBLEMS,
    NOT_FINITE,
    BadLine,
    OnBadLine,
    ParsedVectors,
    Rows,
    UnicodeErrors,
    VectorFileError,
    assemble,
    check_count,
    decode_words,
    mapped,
    open_file,
)

BLOCK = 64 << 20  # bytes of decompressed input handled at a time


def _binary_chunks(path: str | os.PathLike[str], skip: int) -> Iterator[memoryview]:
    """The bytes after the header: the whole file mapped, or decompressed blocks."""
    with open(path, "rb") as fh:
        compressed = fh.read(2) == GZIP_MAGIC
    if not compressed:
        with mapped(path) as view:
            data = view[skip:]
            try:
                yield data
            finally:
                data.release()
        return
    with open_file(path) as fh:
        fh.read(skip)
        while chunk := fh.read(BLOCK):
            yield memoryview(chunk)


def read_binary(
    path: str | os.PathLike[str],
    header_bytes: int,
    count: int,
    dim: int,
    limit: int | None,
    unicode_errors: UnicodeErrors,
    on_bad_line: OnBadLine,
    threads: int = 1,
) -> ParsedVectors:
    """The entries after the header line (`header_bytes` long, announcing `count` vectors of
    `dim` values), scanned in C into the matrix: no per-word Python work."""
    rows = min(count, limit or count)
    vectors = np.empty((rows, dim), dtype=np.float32)
    offsets = np.zeros(rows, dtype=np.int64)
    hashes = np.zeros(rows, dtype=np.uint64)
    status = np.zeros(rows, dtype=np.int32)
    detail = np.zeros(rows, dtype=np.int32)
    words: list[str] = []
    raw_words: list[bytes] = []
    bad_utf8: dict[int, int] = {}
    done, base, carry, more = 0, header_bytes, b"", False
    for chunk in _binary_chunks(path, header_bytes):
        data = memoryview(carry + bytes(chunk)) if carry else chunk
        if done == rows:  # a compressed file: what follows the entries must be blank
            more = _non_blank(data)
            if more:
                break
            continue
        blob = np.empty(len(data) + 1, dtype=np.uint8)
        n, used, length = _binparse.scan(
            data,
            dim,
            rows - done,
            vectors[done:],
            blob,
            offsets[done:],
            hashes[done:],
            status[done:],
            detail[done:],
            threads,
        )
        offsets[done : done + n] += base
        text = blob[:length].tobytes()
        del blob
        chunk_words, chunk_bad = decode_words(text, b" ", status[done : done + n], unicode_errors)
        words += chunk_words
        bad_utf8.update({done + i: at for i, at in chunk_bad.items()})
        if chunk_bad:
            raw = text.split(b" ")
            raw_words += [b""] * (done - len(raw_words)) + raw[:-1]
        done += n
        if done == rows:
            more = _non_blank(data[used:])
            carry = b""
            if more:
                break
        else:
            carry = bytes(data[used:])
        base += used
    if done < rows and not carry.strip(BLANKS):
        check_count(path, count, done, limit, more)  # ends between entries
    if done < rows:
        newlines = len(carry) - len(carry.lstrip(b"\n"))  # before the word, not part of it
        raise VectorFileError(
            f"{path}: byte {base + newlines} (entry {done + 1}): the file ends inside this "
            f"entry, {len(carry) - newlines} bytes into it (an entry is a word, a space and "
            f"{4 * dim} bytes of values); the header says {count} words. It may be cut "
            f"short: download it again, or set vectors.sources[].limit: {done} to keep the "
            "complete entries."
        )
    check_count(path, count, done, limit, more)
    problems = _binary_problems(dim, offsets, status, detail, bad_utf8, raw_words)
    block = Rows(
        words=words,
        status=status,
        detail=detail,
        hashes=hashes,
        numbers=np.arange(1, rows + 1, dtype=np.int64),
        offsets=offsets,
        problems=problems,
    )
    return assemble(path, [block], vectors, on_bad_line, unicode_errors)


def _non_blank(data: memoryview) -> bool:
    """Whether anything but blanks follows (read a megabyte at a time)."""
    step = 1 << 20
    return any(bytes(data[i : i + step]).strip(BLANKS) for i in range(0, len(data), step))


def _binary_problems(
    dim: int,
    offsets: np.ndarray,
    status: np.ndarray,
    detail: np.ndarray,
    bad_utf8: dict[int, int],
    raw_words: list[bytes],
) -> list[BadLine]:
    problems = []
    for i in np.flatnonzero(status)[:MAX_PROBLEMS].tolist():
        if status[i] == NOT_FINITE:
            problem = (
                f"value {detail[i]} of {dim} is not finite (inf or nan); "
                f"check that the header's size ({dim}) is right"
            )
        elif status[i] == EMPTY_WORD:
            problem = "the word is empty (a space where the word should start)"
        elif status[i] == BAD_UTF8:
            problem = (
                f"the word is not valid UTF-8 at byte {int(offsets[i]) + bad_utf8[i]}: "
                f"{raw_words[i][:60]!r} (if every entry from here on looks like this, the "
                f"header's vector size, {dim}, is wrong)"
            )
        else:  # pragma: no cover - _binparse writes no other status
            problem = f"unknown problem (status {status[i]})"
        problems.append(BadLine(i + 1, problem, int(offsets[i])))
    return problems
