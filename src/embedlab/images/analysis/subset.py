"""What every image analysis rule starts from and ends with: :func:`load_analysis` reads the rows
of ``embeddings.h5`` (by :func:`embedlab.images.embeddings.read_embeddings`) of the classes that
``settings.json`` decided for the subset (:mod:`embedlab.images.analysis.decisions`), and
:func:`write_json` writes the rule's scores. When the file's ``weights`` say the network was random
(untrained), every JSON and plot title carries a note saying so (:func:`untrained_note`): a score
of random features must never be mistaken for one of learnt features.

Nothing here imports scikit-learn: of the analyses only the KMeans job
(:mod:`embedlab.images.analysis.kmeans`) needs it, and its import costs a job about 3 CPU-seconds
at the start.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from embedlab.common.atomic import atomic_output
from embedlab.images.analysis.decisions import SubsetSettings
from embedlab.images.analysis.settings import N_LABELS
from embedlab.images.embeddings import ImageEmbeddings, read_embeddings


def untrained_note(weights: str | None) -> str | None:
    """A note for titles and JSON when the features come from an untrained (random) network."""
    if weights and ("random" in weights.lower() or "untrained" in weights.lower()):
        return f"weights: {weights}: features of an untrained network, not learnt ones"
    return None


def subset(data: ImageEmbeddings, classes: Sequence[str]) -> ImageEmbeddings:
    """The rows whose label is in ``classes``, in file order."""
    keep = np.isin(data.labels, list(classes))
    return dataclasses.replace(
        data,
        embeddings=data.embeddings[keep],
        labels=data.labels[keep],
        paths=data.paths[keep],
        split=data.split[keep],
    )


@dataclasses.dataclass
class AnalysisInput:
    """What an analysis rule works on: the subset's rows and classes, the untrained-network note,
    and the data-driven adjustments of settings (each said in the log, JSON and figure)."""

    data: ImageEmbeddings
    classes: list[str]
    untrained: str | None
    adjustments: list[str]

    def notes(self, *more: str) -> str | None:
        """Every note for a figure title, one per line; None when there are none."""
        lines = [*self.adjustments, *more] + ([self.untrained] if self.untrained else [])
        return "\n".join(lines) or None


def check_classes(labels: np.ndarray) -> list[str]:
    """The classes of `labels`, sorted; an analysis needs at least two."""
    classes = sorted(set(labels.tolist()))
    if len(classes) < 2:
        raise ValueError(f"need at least 2 classes to analyse, got {len(classes)}: {classes}")
    return classes


def load_analysis(
    h5_path: str | os.PathLike[str], settings: SubsetSettings, *keys: str
) -> AnalysisInput:
    """The rows of the subset's classes as `settings` decided them, with the adjustments of the
    number of classes and of the settings `keys` (in that order) as the notes."""
    data = read_embeddings(h5_path)
    rows = subset(data, settings.classes)
    if len(rows.labels) != settings.n_images:
        raise ValueError(
            f"{h5_path}: the '{settings.subset}' subset has {len(rows.labels)} images, but its "
            f"settings were decided for {settings.n_images}; run decide_analysis_settings again"
        )
    notes = settings.notes(N_LABELS, *keys)
    return AnalysisInput(rows, list(settings.classes), untrained_note(data.weights), notes)


def write_json(obj: Any, path: str | os.PathLike[str]) -> None:
    """Indented UTF-8 JSON with a final newline, written atomically; NaN is an error."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
