"""Image retrieval, the image-side twin of the word neighbours: every test image is a query, the
train images are the collection, similarity is the cosine of the embeddings. Precision@k per
class (the share of a query's k hits that have its class, averaged over the class's test images)
goes to a table; for a few queries per class the hits are shown as a thumbnail gallery.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embedlab.common.atomic import atomic_output
from embedlab.explore.thumbnails import thumbnail_uri
from embedlab.images.analysis.svm import l2_normalise


@dataclass
class Hits:
    """For each query row: indices into the collection [Q, k] and cosine similarities [Q, k]."""

    indices: np.ndarray
    scores: np.ndarray


def search(queries: np.ndarray, collection: np.ndarray, k: int, block: int = 1024) -> Hits:
    """The k most cosine-similar collection rows of every query, best first (ties: lower index)."""
    if not 1 <= k <= len(collection):
        raise ValueError(
            f"explore.retrieval.k = {k}: must be between 1 and {len(collection)} (the train images)"
        )
    q, c = l2_normalise(queries), l2_normalise(collection)
    indices = np.empty((len(q), k), dtype=np.int64)
    scores = np.empty((len(q), k), dtype=np.float32)
    for start in range(0, len(q), block):
        sims = q[start : start + block] @ c.T
        # stable sort of the negated scores: equal scores keep the lower index first
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        indices[start : start + block] = order
        scores[start : start + block] = np.take_along_axis(sims, order, axis=1)
    return Hits(indices, scores)


def precision_rows(
    query_labels: np.ndarray, hit_labels: np.ndarray, classes: Sequence[str]
) -> list[list[object]]:
    """class, queries, precision@k (mean share of hits of the query's class); a last row 'all'
    (mean over every query) and one 'mean of classes'."""
    k = hit_labels.shape[1]
    right = (hit_labels == query_labels[:, None]).mean(axis=1)
    rows: list[list[object]] = []
    for c in classes:
        mine = query_labels == c
        value = f"{right[mine].mean():.4f}" if mine.any() else ""
        rows.append([c, int(mine.sum()), k, value])
    per_class = [right[query_labels == c].mean() for c in classes if (query_labels == c).any()]
    rows.append(["(all queries)", len(query_labels), k, f"{right.mean():.4f}"])
    rows.append(["(mean of classes)", len(query_labels), k, f"{np.mean(per_class):.4f}"])
    return rows


def pick_queries(labels: np.ndarray, classes: Sequence[str], per_class: int) -> list[int]:
    """The first `per_class` test images of each class, in file order (stable across runs)."""
    picked: list[int] = []
    for c in classes:
        picked += np.flatnonzero(labels == c)[:per_class].tolist()
    return picked


_STYLE = """
body { font-family: sans-serif; margin: 1em; }
.row { display: flex; align-items: flex-start; gap: 6px; margin: 6px 0; }
figure { margin: 0; width: 96px; text-align: center; font-size: 11px; word-break: break-all; }
figure img { display: block; margin: 0 auto; border: 3px solid #ccc; }
figure.query img { border-color: #333; }
figure.hit img { border-color: #c44; }
figure.hit.same img { border-color: #2a2; }
.arrow { align-self: center; font-size: 20px; color: #666; }
"""


def write_gallery(
    out: str | os.PathLike[str],
    root: str | os.PathLike[str],
    query_paths: Sequence[str],
    query_labels: Sequence[str],
    hit_paths: Sequence[Sequence[str]],
    hit_labels: Sequence[Sequence[str]],
    hit_scores: np.ndarray,
    px: int,
    title: str,
    note: str | None = None,
) -> None:
    """One row per query: its thumbnail, then its hits with class and cosine (a green frame: same
    class as the query, red: another). Thumbnails are data URIs: the page needs nothing else."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h3>{esc(title)}</h3>",
    ]
    if note:
        parts.append(f"<p><b>{esc(note)}</b></p>")
    for qi, (qpath, qlabel) in enumerate(zip(query_paths, query_labels, strict=True)):
        parts.append("<div class='row'>")
        parts.append(
            f"<figure class='query'><img src='{thumbnail_uri(root, qpath, px)}' "
            f"alt='{esc(qpath)}' title='{esc(qpath)}'><figcaption>query: {esc(qlabel)}"
            "</figcaption></figure><span class='arrow'>&rarr;</span>"
        )
        for hpath, hlabel, score in zip(hit_paths[qi], hit_labels[qi], hit_scores[qi], strict=True):
            same = " same" if hlabel == qlabel else ""
            parts.append(
                f"<figure class='hit{same}'><img src='{thumbnail_uri(root, hpath, px)}' "
                f"alt='{esc(hpath)}' title='{esc(hpath)}'><figcaption>{esc(hlabel)}<br>"
                f"{score:.3f}</figcaption></figure>"
            )
        parts.append("</div>")
    parts.append("</body></html>\n")
    with atomic_output(out) as tmp:
        tmp.write_text("\n".join(parts), encoding="utf-8")
