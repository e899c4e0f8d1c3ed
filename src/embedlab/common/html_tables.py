"""Result tables as small self-contained HTML pages, so that the Snakemake report shows the
numbers in the page (it embeds HTML items; TSV and JSON items are download links only).

The TSV or JSON file stays the machine-readable result; the HTML page is its readable twin,
written from the same rows by the same job.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from embedlab.common.atomic import atomic_output
from embedlab.common.tables import read_table

STYLE = (
    "body{font-family:system-ui,sans-serif;font-size:14px;margin:8px}"
    "table{border-collapse:collapse}"
    "th,td{border:1px solid #ccc;padding:2px 8px;text-align:left;white-space:pre}"
    "th{background:#eee}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "caption{caption-side:top;text-align:left;font-weight:600;padding:4px 0}"
    "p.note{color:#555}"
)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cell(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        text = ", ".join(_plain(v) for v in value)
    else:
        text = _plain(value)
    klass = ' class="num"' if text and _is_number(text) else ""
    return f"<td{klass}>{html.escape(text)}</td>"


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def write_html_table(
    path: str | os.PathLike[str],
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str,
    note: str | None = None,
    max_rows: int = 500,
) -> None:
    """An HTML page holding one table (its first `max_rows` rows, saying how many were left
    out), with `title` as the table caption and `note` under it; written atomically."""
    body = []
    shown = 0
    total = 0
    for row in rows:
        total += 1
        if shown < max_rows:
            body.append("<tr>" + "".join(_cell(v) for v in row) + "</tr>")
            shown += 1
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    notes = [note] if note else []
    if total == 0:
        notes.append("(no rows)")
    if total > shown:
        notes.append(f"The first {shown} of {total} rows; the file has them all.")
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>\n"
        f"<table><caption>{html.escape(title)}</caption>\n<thead><tr>{head}</tr></thead>\n"
        "<tbody>\n"
        + "\n".join(body)
        + "\n</tbody></table>\n"
        + "".join(f'<p class="note">{html.escape(n)}</p>\n' for n in notes)
        + "</body></html>\n"
    )
    with atomic_output(path) as tmp:
        tmp.write_text(page, encoding="utf-8")


def tsv_to_html(
    tsv: str | os.PathLike[str], out: str | os.PathLike[str], title: str, note: str | None = None
) -> None:
    """The HTML twin of a table written by embedlab.tables.write_tsv."""
    header, rows = read_table(tsv)
    write_html_table(out, header, rows, title, note)


def flatten(obj: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested mappings as (dotted key, value) pairs, in order."""
    pairs: list[tuple[str, Any]] = []
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            pairs.extend(flatten(value, f"{name}."))
        else:
            pairs.append((name, value))
    return pairs


def json_to_html(
    source: str | os.PathLike[str], out: str | os.PathLike[str], title: str, note: str | None = None
) -> None:
    """The HTML twin of a JSON result: one row per (nested) key."""
    with open(source, encoding="utf-8") as fh:
        obj = json.load(fh)
    write_html_table(out, ["key", "value"], flatten(obj), title, note)
