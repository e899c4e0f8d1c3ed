"""The HTML twins of result tables: every value present, escaped, long tables cut with a note."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from embedlab.common.html_tables import json_to_html, tsv_to_html, write_html_table
from embedlab.common.tables import write_tsv


class Cells(HTMLParser):
    """The text of every <td>/<th>, row by row, as a browser would show it."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.notes: list[str] = []
        self._cell: list[str] | None = None
        self._note = False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "p":
            self._note = True
            self.notes.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "p":
            self._note = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._note:
            self.notes[-1] += data


def parse(path: Path) -> Cells:
    cells = Cells()
    cells.feed(path.read_text(encoding="utf-8"))
    return cells


def test_tsv_twin_shows_every_cell_escaped(tmp_path: Path) -> None:
    rows = [["king - man + woman", "3CosAdd", "1", "queen", "0.852"], ["<b>&", "x", "2", '"', "1"]]
    write_tsv(tmp_path / "q.tsv", ["query", "method", "rank", "word", "score"], rows)
    tsv_to_html(tmp_path / "q.tsv", tmp_path / "q.html", "Analogy queries")
    page = parse(tmp_path / "q.html")
    assert page.rows == [["query", "method", "rank", "word", "score"], *rows]
    assert "<b>&" not in (tmp_path / "q.html").read_text()  # escaped, not markup


def test_json_twin_flattens_nested_keys(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text(json.dumps({"nmi": 0.5, "per_class": {"a": 1.0}, "n": 3}))
    json_to_html(tmp_path / "s.json", tmp_path / "s.html", "Scores", note="untrained VGG16")
    page = parse(tmp_path / "s.html")
    assert page.rows == [["key", "value"], ["nmi", "0.5"], ["per_class.a", "1"], ["n", "3"]]
    assert page.notes == ["untrained VGG16"]


def test_an_empty_table_says_so(tmp_path: Path) -> None:
    write_html_table(tmp_path / "e.html", ["path", "reason"], [], "Skipped")
    page = parse(tmp_path / "e.html")
    assert page.rows == [["path", "reason"]]
    assert page.notes == ["(no rows)"]


def test_long_tables_say_how_many_rows_are_left_out(tmp_path: Path) -> None:
    write_html_table(tmp_path / "t.html", ["i"], ([i] for i in range(1200)), "T", max_rows=500)
    page = parse(tmp_path / "t.html")
    assert len(page.rows) == 501
    assert page.notes == ["The first 500 of 1200 rows; the file has them all."]
