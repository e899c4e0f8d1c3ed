"""The "Output path scheme" table of docs/outputs.md, as the tests read it: the paths of its
first column, and whether a row names a given path (its `<placeholders>` stand for any name).
tests/workflow/test_paths.py checks it against the rules; tests/workflow/test_docs.py checks
that docs/make_overview.py reads only paths it names."""

from __future__ import annotations

import re

from tests.helpers import ROOT

# the page that holds the table (README.md links to it)
TABLE_DOC = "docs/outputs.md"


def table_paths() -> list[str]:
    """The paths in the table's first column; `a.tsv` / `.html` is a.tsv and a.html."""
    text = (ROOT / TABLE_DOC).read_text(encoding="utf-8")
    table = text.split("## Output path scheme\n", 1)[1].split("\n## ", 1)[0]
    paths: list[str] = []
    for cell in re.findall(r"^\| (`.+?) \|", table, flags=re.M):
        for span in re.findall(r"`([^`]+)`", cell):
            if span.startswith("."):
                span = paths[-1].rsplit(".", 1)[0] + span
            paths.append(span.rstrip("/"))
    return paths


def covers(row: str, path: str) -> bool:
    """Whether the table's `row` names `path`: a placeholder stands for itself or a fixed name
    (those of the generic rows, `<rule>` and its kin, only for themselves)."""
    if "<rule>" in row:
        return row == path
    parts = re.split(r"(<\w+>)", row)
    regex = "".join(f"(?:{re.escape(p)}|[^/<>]+)" if p[:1] == "<" else re.escape(p) for p in parts)
    return re.fullmatch(regex, path) is not None
