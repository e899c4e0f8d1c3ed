"""The one TSV writer: any word round-trips, floats are short, readers agree."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embedlab.common.tables import TSV, read_tsv, write_tsv
from embedlab.neighbors.tsv import neighbor_header, neighbor_rows

HARD_WORDS = ['"', "#", "a\tb", "line\nbreak", "nan", "null", "n/a", "'", "", " lead", "é—ü"]


def test_every_word_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    write_tsv(path, ["word", "i"], [[w, str(i)] for i, w in enumerate(HARD_WORDS)])
    assert [r["word"] for r in read_tsv(path)] == HARD_WORDS
    # pandas, told that the file is tab-separated and that no text means NA, reads the same
    frame = pd.read_csv(path, sep="\t", keep_default_na=False, dtype=str)
    assert frame["word"].tolist() == HARD_WORDS


def test_only_fields_that_need_it_are_quoted(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    write_tsv(path, ["word"], [["#"], ['"'], ["a\tb"], ["plain"]])
    assert path.read_text(encoding="utf-8") == 'word\n#\n""""\n"a\tb"\nplain\n'


def test_floats_have_six_significant_digits_and_nan_is_spelled(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    write_tsv(path, ["name", "x", "n"], [["a", 0.123456789, 3], ["b", float("nan"), 4]])
    assert path.read_text() == "name\tx\tn\na\t0.123457\t3\nb\tnan\t4\n"


def test_a_failed_table_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"

    def rows():
        yield ["a", "1"]
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_tsv(path, ["w", "n"], rows())
    assert list(tmp_path.iterdir()) == []


def test_neighbour_rows_are_words_then_pairs(tmp_path: Path) -> None:
    words = ["the", '"', "a\tb", "x"]
    index = np.array([[1, 2], [0, 3], [3, 0], [2, 1]], dtype=np.int32)
    scores = np.array([[0.5, 0.25], [0.12345, -1], [1, 0], [0.00005, 0.00015]], dtype=np.float32)
    path = tmp_path / "n.tsv"
    write_tsv(path, neighbor_header(2, "cosine"), neighbor_rows(words, index, scores, [1, 2]))
    with open(path, encoding="utf-8", newline="") as fh:
        got = list(csv.reader(fh, dialect=TSV))
    assert got == [
        ["word", "neighbor_1", "similarity_1", "neighbor_2", "similarity_2"],
        ['"', "the", "0.1235", "x", "-1.0000"],
        ["a\tb", "x", "1.0000", "the", "0.0000"],
    ]
