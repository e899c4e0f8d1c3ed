"""Tab-separated result tables, written atomically; the formats users read and the report shows.

One dialect for every table: tab-separated, "\\n" line ends, and a field is quoted (with `"`,
doubled inside) only when it holds a tab, a quote or a line break. Any text therefore round-trips
through write_tsv/read_tsv — including GloVe's words `"`, `#`, `nan` — and Python's csv module,
pandas (`sep="\\t"`, `keep_default_na=False`) or a spreadsheet read it back the same way.
"""

from __future__ import annotations

import csv
import itertools
import math
import os
from collections.abc import Iterable, Sequence

from embedlab.common.atomic import atomic_output


class TSV(csv.Dialect):
    delimiter = "\t"
    quotechar = '"'
    doublequote = True
    escapechar = None
    lineterminator = "\n"
    quoting = csv.QUOTE_MINIMAL
    skipinitialspace = False
    strict = True


def _cell(value: object) -> object:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6g}"
    return value


def write_tsv(
    path: str | os.PathLike[str], header: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """Write `header` and `rows` to `path`, atomically; floats get 6 significant digits.

    Text columns are passed to the csv writer untouched (the first row tells which columns hold
    text), so a table of 400,000 pre-formatted rows is written at the csv module's own speed."""
    with atomic_output(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, dialect=TSV)
        writer.writerow(header)
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            return
        convert = [j for j, value in enumerate(first) if not isinstance(value, str)]
        if not convert:
            writer.writerow(first)
            writer.writerows(iterator)
            return
        for row in itertools.chain([first], iterator):
            cells = list(row)
            for j in convert:
                cells[j] = _cell(cells[j])
            if len(cells) != len(header) or not all(isinstance(c, str) for c in cells):
                cells = [_cell(v) for v in cells]
            writer.writerow(cells)


def read_table(path: str | os.PathLike[str]) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a table written by write_tsv (also when it has no rows)."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, dialect=TSV)
        return next(reader), list(reader)


def read_tsv(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The rows of a table written by write_tsv, as dicts keyed by the header."""
    header, rows = read_table(path)
    return [dict(zip(header, row, strict=True)) for row in rows]
