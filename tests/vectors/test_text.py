"""Parsing GloVe text: exact values and every trap a real file set holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.vectors import _textparse
from embedlab.vectors.parsed import VectorFileError
from embedlab.vectors.read import read_glove_text


def write(tmp_path: Path, content: bytes | str, name: str = "g.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def reference(lines: list[str]) -> tuple[list[str], np.ndarray]:
    """What a careful per-line reader gives: word = all but the last d fields, float32(float(t))."""
    dim = len(lines[0].split(" ")) - 1
    words, rows = [], []
    for line in lines:
        fields = line.split(" ")
        words.append(" ".join(fields[:-dim]))
        rows.append([np.float32(float(t)) for t in fields[-dim:]])
    return words, np.array(rows, dtype=np.float32)


@pytest.mark.slow  # the full published file, written by the pipeline
def test_bundled_file_matches_package_exactly(bundled_text: Path) -> None:
    from tests.helpers import bundled_arrays

    words, vectors = bundled_arrays()
    parsed = read_glove_text(bundled_text)
    assert parsed.words == words
    assert parsed.vectors.shape == (400_000, 50)
    # bit-for-bit, not approximately
    assert np.array_equal(parsed.vectors.view(np.uint32), np.asarray(vectors).view(np.uint32))
    assert parsed.words[:3] == ["the", ",", "."]
    assert parsed.vectors[0, :3].tolist() == [
        np.float32(0.418),
        np.float32(0.24968),
        np.float32(-0.41242),
    ]
    # words that CSV readers turn into NaN or quotes survive, at their rows
    for row, word in [(8, '"'), (14798, "nan"), (24207, "null"), (72924, "n/a")]:
        assert parsed.words[row] == word
    assert not parsed.problems


def test_values_equal_float32_of_float_for_awkward_tokens(tmp_path: Path) -> None:
    tokens = [
        "0.418",
        "-0.41242",
        "1e-05",
        "-3.5E+02",
        "1.",
        ".5",
        "+2",
        "-0",
        "0",
        "123456789",
        "0.1234567890123456789012345",
        "3.4028234e38",
        "1e-46",
        "7.006492321624085e-46",
        "0.000000000000000000000000000000000000000000001",
        "16777217",
        "9007199254740993",
        "1.00000005960464477539",
        "2.5e-3",
        "1e22",
        "1e23",
    ]
    for token in tokens:
        expected = np.float32(float(token))
        got = _textparse.parse_value(token.encode())
        assert np.float32(got).tobytes() == expected.tobytes(), token
    lines = ["w " + " ".join(tokens)]
    parsed = read_glove_text(write(tmp_path, "\n".join(lines) + "\n"))
    assert parsed.vectors.tobytes() == reference(lines)[1].tobytes()


def test_random_values_round_trip_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    values = rng.standard_normal((500, 20)) * 10.0 ** rng.integers(-8, 8, (500, 20))
    fmts = ["%.5g", "%.9g", "%.17g", "%.3e", "%f"]
    lines = [
        f"w{i} " + " ".join(fmts[(i + j) % len(fmts)] % v for j, v in enumerate(row))
        for i, row in enumerate(values)
    ]
    parsed = read_glove_text(write(tmp_path, "\n".join(lines)), threads=2)
    words, expected = reference(lines)
    assert parsed.words == words
    assert parsed.vectors.tobytes() == expected.tobytes()


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_threads_give_identical_results(tmp_path: Path, tiny_glove: Path, threads: int) -> None:
    one = read_glove_text(tiny_glove, threads=1)
    many = read_glove_text(tiny_glove, threads=threads)
    assert one.words == many.words
    assert one.vectors.tobytes() == many.vectors.tobytes()


def test_quote_hash_and_nan_like_words(tmp_path: Path) -> None:
    lines = ['" 1 2', "' 3 4", "# 5 6", "nan 7 8", "null 9 10", "n/a 11 12", "NA 13 14", "'' 1 1"]
    parsed = read_glove_text(write(tmp_path, "\n".join(lines) + "\n"))
    assert parsed.words == ['"', "'", "#", "nan", "null", "n/a", "NA", "''"]
    assert parsed.vectors[:, 0].tolist() == [1, 3, 5, 7, 9, 11, 13, 1]


def test_numeric_words_are_words(tmp_path: Path) -> None:
    parsed = read_glove_text(write(tmp_path, "1 0.5 0.25\n-2 1 2\n1e5 3 4\n"))
    assert parsed.words == ["1", "-2", "1e5"]


def test_words_with_spaces_take_all_but_the_last_d_fields(tmp_path: Path) -> None:
    lines = ["the 1 2 3", ". . . 4 5 6", "at name@domain.com 7 8 9", "a b c d 1 1 1"]
    parsed = read_glove_text(write(tmp_path, "\n".join(lines) + "\n"))
    assert parsed.words == ["the", ". . .", "at name@domain.com", "a b c d"]
    assert parsed.vectors.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]]
    assert parsed.n_words_with_spaces == 3


def test_crlf_bom_and_missing_final_newline(tmp_path: Path) -> None:
    content = "\ufeffthe 1 2\r\nof 3 4\r\nand 5 6"
    parsed = read_glove_text(write(tmp_path, content))
    assert parsed.words == ["the", "of", "and"]  # no BOM glued to the first word, no \r on values
    assert parsed.vectors.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert parsed.had_bom


def test_trailing_blank_lines_and_blanks_are_tolerated(tmp_path: Path) -> None:
    parsed = read_glove_text(write(tmp_path, "the 1 2 \nof 3 4\n\n\n"))
    assert parsed.words == ["the", "of"]
    assert parsed.n_lines == 2


def test_unicode_words(tmp_path: Path) -> None:
    words = ["café", "日本", "ñ", "😀", "naïve"]
    parsed = read_glove_text(write(tmp_path, "".join(f"{w} 1 2\n" for w in words)))
    assert parsed.words == words


@pytest.mark.parametrize(
    ("content", "lineno", "fragment"),
    [
        ("a 1 2\nb 1\nc 1 2\n", 2, "expected 2 values after the word, found 1"),
        ("a 1 2\nb 1 2 3\n", 2, "expected 2 values after the word, found 3"),
        ("a 1 2\nb 1 x\n", 2, "value 2 of 2 is not a number: 'x'"),
        ("a 1 2\nb 1  2\n", 2, "value 1 of 2 is not a number: ''"),
        ("a 1 2\nb 1,5 2\n", 2, "is not a number: '1,5'"),
        ("a 1 2\nb nan 2\n", 2, "value 1 of 2 is not a finite"),
        ("a 1 2\nb 1 inf\n", 2, "value 2 of 2 is not a finite"),
        ("a 1 2\nb 1 -Infinity\n", 2, "value 2 of 2 is not a finite"),
        ("a 1 2\nb 1 1e39\n", 2, "not a finite"),
        ("a 1 2\n 1 2\n", 2, "the word is empty"),
        ("a 1 2\n\nc 1 2\n", 2, "expected 2 values after the word, found 0"),
        (b"a 1 2\nb\xff\xfe 1 2\n", 2, "not valid UTF-8"),
        ("a 1 2\nb 1 2\na 3 4\n", 3, "duplicate word 'a', first seen on line 1"),
    ],
)
def test_bad_lines_stop_with_file_line_and_problem(
    tmp_path: Path, content: str | bytes, lineno: int, fragment: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(VectorFileError) as info:
        read_glove_text(path, dim=2)
    message = str(info.value)
    assert message.startswith(f"{path}:{lineno}: ")
    assert fragment in message
    assert "on_bad_line: skip" in message  # says what to do


@pytest.mark.parametrize(
    "content",
    [
        "a 1 2\nb 1\nc 3 4\n",
        "a 1 2\nb 1 x\nc 3 4\n",
        "a 1 2\nb 1 nan\nc 3 4\n",
        "a 1 2\nc 3 4\na 5 6\n",
    ],
)
def test_skip_drops_bad_lines_and_counts_them(tmp_path: Path, content: str) -> None:
    parsed = read_glove_text(write(tmp_path, content), dim=2, on_bad_line="skip")
    assert len(parsed.words) == 2
    assert parsed.vectors.shape == (2, 2)
    assert len(parsed.problems) == 1
    assert parsed.vectors[0].tolist() == [1, 2]  # kept rows keep their own values, in file order


def test_skip_keeps_first_occurrence_of_a_duplicate(tmp_path: Path) -> None:
    parsed = read_glove_text(write(tmp_path, "a 1 2\nb 3 4\na 5 6\n"), on_bad_line="skip")
    assert parsed.words == ["a", "b"]
    assert parsed.vectors.tolist() == [[1, 2], [3, 4]]
    assert parsed.problems[0].lineno == 3


def test_error_mentions_how_many_more_bad_lines(tmp_path: Path) -> None:
    with pytest.raises(VectorFileError, match=r":2: .*\(2 more bad lines follow\)"):
        read_glove_text(write(tmp_path, "a 1 2\nb 1\nc 1\nd x 1\n"))


def test_dimension_is_inferred_from_first_line_or_given(tmp_path: Path) -> None:
    path = write(tmp_path, "a 1 2 3\nb 4 5 6\n")
    assert read_glove_text(path).dim == 3
    with pytest.raises(VectorFileError, match=":1: expected 4 values after the word, found 3"):
        read_glove_text(path, dim=4)


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf"])
def test_empty_files_are_refused(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(VectorFileError, match="g.txt"):
        read_glove_text(write(tmp_path, content))


def test_first_line_without_values(tmp_path: Path) -> None:
    with pytest.raises(VectorFileError, match=r":1: cannot infer the vector size"):
        read_glove_text(write(tmp_path, "lonely\n"))
