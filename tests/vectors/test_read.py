"""Every vector-file format against gensim's own writer and loader, and the strict errors.

Files are written by gensim's `save_word2vec_format` (text and binary) or byte by byte where a
case needs bytes gensim does not write (word2vec.c's newline after each vector, broken files);
the store's words and rows must equal `KeyedVectors.load_word2vec_format`'s bit for bit."""

from __future__ import annotations

import gzip
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors

from embedlab.vectors import binary as binary_format
from embedlab.vectors import text as text_format
from embedlab.vectors.convert import convert
from embedlab.vectors.parsed import VectorFileError
from embedlab.vectors.read import read_vectors
from embedlab.vectors.store import read_store

ODD_WORDS = [
    "king", "Köln", "naïve", "日本語", "a#b", 'say"hi"', "it's", "tab\there", "</s>", "😀",
    "x" * 300, "-", "0.5", "nan", "inf", "1e5", "é",
]  # fmt: skip


def odd_model(n_plain: int = 3000, dim: int = 7, seed: int = 0) -> KeyedVectors:
    rng = np.random.default_rng(seed)
    words = ODD_WORDS + [f"w{i}" for i in range(n_plain)]
    kv = KeyedVectors(dim)
    vectors = rng.standard_normal((len(words), dim)).astype(np.float32)
    vectors[0, :3] = [1e-40, -0.0, 3.4e38]  # a subnormal, a negative zero, near the largest
    kv.add_vectors(words, vectors)
    return kv


def gzipped(path: Path) -> Path:
    out = path.with_name(path.name + ".gz")
    with open(path, "rb") as src, gzip.open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return out


def same_as_gensim(path: Path, binary: bool, **options: object) -> None:
    ours, _ = read_vectors(path, **options)  # type: ignore[arg-type]
    theirs = KeyedVectors.load_word2vec_format(path, binary=binary, **options)
    assert ours.words == theirs.index_to_key
    assert ours.vectors.dtype == np.float32
    assert ours.vectors.tobytes() == theirs.vectors.tobytes()


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gz"])
def test_gensim_files_round_trip_bit_for_bit(
    tmp_path: Path, binary: bool, compressed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / ("model.bin" if binary else "model.vec")
    odd_model().save_word2vec_format(str(path), binary=binary)
    if compressed:
        path = gzipped(path)
        # many blocks, lines and entries across them
        monkeypatch.setattr(text_format, "BLOCK", 4096)
        monkeypatch.setattr(binary_format, "BLOCK", 4096)
    same_as_gensim(path, binary)
    same_as_gensim(path, binary, limit=11)
    _, found = read_vectors(path)
    assert found.format == ("word2vec-binary" if binary else "word2vec-text")
    assert found.gzip == compressed
    assert "header line '3017 7'" in found.reason


def test_the_store_equals_gensim_and_records_the_format(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    odd_model().save_word2vec_format(str(path), binary=True)
    summary = convert(gzipped(path), tmp_path / "s.h5", limit=100)
    store = read_store(tmp_path / "s.h5")
    theirs = KeyedVectors.load_word2vec_format(path, binary=True, limit=100)
    assert store.words == theirs.index_to_key
    assert store.vectors.tobytes() == theirs.vectors.tobytes()
    assert (summary.format, store.attrs["source_format"], store.attrs["limit"]) == (
        "word2vec-binary",
        "word2vec-binary",
        100,
    )


def write_binary(
    path: Path, entries: list[tuple[bytes, list[float]]], header: bytes, newline: bool = True
) -> Path:
    body = b"".join(
        word + b" " + struct.pack(f"<{len(v)}f", *v) + (b"\n" if newline else b"")
        for word, v in entries
    )
    path.write_bytes(header + body)
    return path


def test_word2vec_c_newlines_and_gensim_words_agree(tmp_path: Path) -> None:
    entries = [(b"a", [1, 2]), (b"b\nc", [3, 4]), (b"d", [5, 6])]
    path = write_binary(tmp_path / "c.bin", entries, b"3 2\n")
    same_as_gensim(path, True)
    assert read_vectors(path)[0].words == ["a", "b\nc", "d"]


@pytest.mark.parametrize("errors", ["replace", "ignore"])
def test_invalid_utf8_is_refused_with_its_offset_or_handled_as_gensim(
    tmp_path: Path, errors: str
) -> None:
    entries = [(b"ok", [1, 2]), (b"caf\xc3", [3, 4]), (b"\xff\xfeend", [5, 6])]
    path = write_binary(tmp_path / "u.bin", entries, b"3 2\n")
    with pytest.raises(VectorFileError) as info:
        read_vectors(path)
    first_word = len(b"3 2\n") + len(b"ok ") + 8 + 1  # header, first entry, its newline
    message = str(info.value)
    assert message.startswith(f"{path}: byte {first_word} (entry 2): ")
    assert f"not valid UTF-8 at byte {first_word + 3}" in message
    assert "unicode_errors" in message and "1 more bad entries follow" in message
    same_as_gensim(path, True, unicode_errors=errors)
    text = tmp_path / "u.txt"
    text.write_bytes(b"3 2\nok 1 2\ncaf\xc3 3 4\n\xff\xfeend 5 6\n")
    with pytest.raises(VectorFileError, match=rf"^{text}:3: .*not valid UTF-8 at byte 14 "):
        read_vectors(text)
    same_as_gensim(text, False, unicode_errors=errors)


def test_replaced_words_that_collide_are_duplicates_as_in_gensim(tmp_path: Path) -> None:
    path = tmp_path / "d.bin"
    write_binary(path, [(b"a\xff", [1, 2]), (b"a\xfe", [3, 4]), (b"b", [5, 6])], b"3 2\n")
    with pytest.raises(VectorFileError, match="duplicate word 'a\ufffd', first seen on entry 1"):
        read_vectors(path, unicode_errors="replace")
    parsed, _ = read_vectors(path, unicode_errors="replace", on_bad_line="skip")
    theirs = KeyedVectors.load_word2vec_format(path, binary=True, unicode_errors="replace")
    # gensim shrinks its matrix but leaves the dropped duplicate's slot in its word list
    assert parsed.words == [w for w in theirs.index_to_key if w is not None] == ["a\ufffd", "b"]
    # ... and the matrix rows of the words it kept are not all theirs; ours are
    assert parsed.vectors.tolist() == [[1, 2], [5, 6]]


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gz"])
def test_broken_binary_files_name_the_byte_and_what_to_set(
    tmp_path: Path, compressed: bool
) -> None:
    entries = [(b"one", [1, 2]), (b"two", [3, 4]), (b"three", [5, 6])]
    full = write_binary(tmp_path / "full.bin", entries, b"3 2\n").read_bytes()

    def check(name: str, content: bytes, *fragments: str, **options: object) -> None:
        path = tmp_path / name
        path.write_bytes(content)
        if compressed:
            path = gzipped(path)
        with pytest.raises(VectorFileError) as info:
            read_vectors(path, **options)  # type: ignore[arg-type]
        message = str(info.value)
        assert message.startswith(str(path)), message
        for fragment in fragments:
            assert fragment in message, message
        assert len(message.splitlines()) == 1

    third = full.index(b"three")
    check("cut.bin", full[:-3], f"byte {third} (entry 3)", "ends inside this entry", "limit: 2")
    check("more.bin", b"2 2\n" + full[4:], "says 2 words", "holds more", "limit: 2")
    check("fewer.bin", b"4 2\n" + full[4:], "says 4 words", "ends after 3", "limit: 3")
    nan = full.replace(struct.pack("<f", 4), struct.pack("<f", float("nan")))
    check("nan.bin", nan, f"byte {full.index(b'two')} (entry 2)", "value 2 of 2 is not finite")
    dup = full[:third] + b"one" + full[third + 5 :]
    check("dup.bin", dup, "(entry 3)", "duplicate word 'one', first seen on entry 1")
    # a header whose size is wrong misreads every entry after the first
    check("dim.bin", b"3 3\n" + full[4:], "byte")
    # and the limit keeps what is there
    path = tmp_path / "cut-limit.bin"
    path.write_bytes(full[:-3])
    assert read_vectors(path, limit=2)[0].words == ["one", "two"]


def test_text_with_a_header_is_checked_against_it(tmp_path: Path) -> None:
    path = tmp_path / "t.vec"
    path.write_text("3 2\na 1 2\nb 3 4\n")
    with pytest.raises(VectorFileError, match=r":1: the header says 3 words, .* after 2 entries"):
        read_vectors(path)
    assert read_vectors(path, limit=2)[0].words == ["a", "b"]
    path.write_text("1 2\na 1 2\nb 3 4\n")
    with pytest.raises(VectorFileError, match=r":1: the header says 1 words, .*holds more"):
        read_vectors(path)
    path.write_text("2 3\na 1 2\nb 3 4\n")
    with pytest.raises(VectorFileError, match=r":2: expected 3 values after the word, found 2"):
        read_vectors(path)


def test_glove_dimension_is_the_common_field_count_not_the_first_lines(tmp_path: Path) -> None:
    """glove.840B starts with multi-word tokens; the size comes from most lines."""
    path = tmp_path / "g.txt"
    path.write_text(". . . 0.1 0.2 0.3\nat the 1 2 3\nx 4 5 6\ny 7 8 9\n")
    parsed, found = read_vectors(path)
    assert (found.format, parsed.dim) == ("glove", 3)
    assert parsed.words == [". . .", "at the", "x", "y"]
    assert parsed.vectors[0].tolist() == np.float32([0.1, 0.2, 0.3]).tolist()


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gz"])
def test_glove_text_equals_gensim_no_header(
    tmp_path: Path, compressed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "g.txt"
    odd_model().save_word2vec_format(str(path), binary=False, write_header=False)
    if compressed:
        path = gzipped(path)
        monkeypatch.setattr(text_format, "BLOCK", 1000)
    ours, found = read_vectors(path)
    theirs = KeyedVectors.load_word2vec_format(path, no_header=True)
    assert found.format == "glove" and found.gzip == compressed
    assert ours.words == theirs.index_to_key
    assert ours.vectors.tobytes() == theirs.vectors.tobytes()
    assert read_vectors(path, limit=5)[0].words == theirs.index_to_key[:5]


def test_format_override_and_its_errors(tmp_path: Path) -> None:
    glove = tmp_path / "g.txt"
    glove.write_text("a 1 2\nb 3 4\n")
    with pytest.raises(VectorFileError, match=r"format is word2vec-text, but the first line"):
        read_vectors(glove, format="word2vec-text")
    vec = tmp_path / "w.vec"
    vec.write_text("2 2\na 1 2\nb 3 4\n")
    # read as GloVe, the header is a line with too few values
    with pytest.raises(VectorFileError, match=r":1: expected 2 values after the word, found 1"):
        read_vectors(vec, format="glove")
    assert read_vectors(vec, format="word2vec-text")[1].reason.startswith("set by")


def test_empty_and_not_gzip(tmp_path: Path) -> None:
    empty = tmp_path / "e.txt"
    empty.write_bytes(b"")
    with pytest.raises(VectorFileError, match="the file is empty"):
        read_vectors(empty)
    bad = tmp_path / "b.txt.gz"
    bad.write_bytes(b"\x1f\x8bnot really gzip")
    with pytest.raises(VectorFileError, match="not a readable gzip file"):
        read_vectors(bad)
