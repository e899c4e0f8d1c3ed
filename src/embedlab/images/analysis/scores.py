"""Scores of an image-embedding space: class selection, KMeans (NMI, ARI), linear SVM (the
published protocol, :mod:`embedlab.images.analysis.svm`).

Every analysis rule starts from :func:`load_analysis` (the rows of ``embeddings.h5``, read by
:func:`embedlab.images.embeddings.read_embeddings`, of the classes that ``settings.json`` decided
for the subset: :mod:`embedlab.images.analysis.decisions`) and ends with :func:`write_json`. When
the file's ``weights`` say the network was random (untrained), every JSON and plot title carries
a note saying so: a score of random features must never be mistaken for one of learnt features.
Everything random takes ``seed``; equal inputs give equal bytes.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import (
    adjusted_rand_score,
    balanced_accuracy_score,
    confusion_matrix,
    normalized_mutual_info_score,
)

from embedlab.common.atomic import atomic_output
from embedlab.images.analysis.decisions import SubsetSettings
from embedlab.images.analysis.settings import N_LABELS
from embedlab.images.analysis.svm import (
    SVM_DESCRIPTION,
    SVM_PROTOCOL,
    Rotated,
    choose_c,
    confused_pairs,
    fit_linear_svm,
    l2_normalise,
    per_class_rows,
)
from embedlab.images.embeddings import ImageEmbeddings, read_embeddings

# KMeans restarts: fixed, so that the result depends only on the seed.
KMEANS_N_INIT = 10


# --- the subset an analysis works on --------------------------------------------------------------


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


def _check_classes(labels: np.ndarray) -> list[str]:
    classes = sorted(set(labels.tolist()))
    if len(classes) < 2:
        raise ValueError(f"need at least 2 classes to analyse, got {len(classes)}: {classes}")
    return classes


# --- KMeans -----------------------------------------------------------------------------------


def kmeans_scores(
    x: np.ndarray, labels: np.ndarray, seed: int, pca_components: int | None = 100
) -> dict[str, Any]:
    """KMeans with k = number of classes after PCA; NMI and ARI against the labels.

    PCA first because Euclidean KMeans in 4096-d is slow and dominated by noise directions; the
    component count is capped at min(N, D) so small inputs still work.
    """
    classes = _check_classes(labels)
    n, d = x.shape
    if pca_components is not None and pca_components < 1:
        raise ValueError(f"pca_components must be at least 1 (or None), got {pca_components}")
    used = min(n, d) if pca_components is None else min(pca_components, n, d)
    pca = PCA(n_components=used, random_state=seed)
    reduced = pca.fit_transform(np.asarray(x, dtype=np.float64))
    km = KMeans(n_clusters=len(classes), n_init=KMEANS_N_INIT, random_state=seed)
    clusters = km.fit_predict(reduced)
    return {
        "n_samples": int(n),
        "n_features": int(d),
        "n_classes": len(classes),
        "classes": classes,
        "pca_components_requested": pca_components,
        "pca_components": int(used),
        "pca_explained_variance_ratio": float(pca.explained_variance_ratio_.sum()),
        "kmeans_k": len(classes),
        "kmeans_n_init": KMEANS_N_INIT,
        "seed": seed,
        "nmi": float(normalized_mutual_info_score(labels, clusters)),
        "ari": float(adjusted_rand_score(labels, clusters)),
    }


# --- linear SVM -------------------------------------------------------------------------------


def _check_split(labels: np.ndarray, split: np.ndarray, classes: list[str]) -> None:
    for part in ("train", "test"):
        present = set(labels[split == part].tolist())
        empty = [c for c in classes if c not in present]
        if empty:
            raise ValueError(
                f"class(es) with no {part}ing samples: {empty}; every class needs both "
                "train and test samples for the SVM"
            )


def svm_scores(
    x: np.ndarray,
    labels: np.ndarray,
    split: np.ndarray,
    svm_c: float | None = None,
    c_grid: Sequence[float] = (0.1, 1.0, 10.0),
    cv_folds: int | None = 3,
    seed: int = 0,
    progress: Any = None,
) -> tuple[dict[str, Any], np.ndarray]:
    """The published protocol (:mod:`embedlab.images.analysis.svm`): L2-normalised features,
    linear SVM trained on the train split with C fixed (`svm_c`) or chosen from `c_grid` by seeded
    stratified `cv_folds`-fold cross-validation on the train split only (`cv_folds` None: only with
    `svm_c`), scored on the test split. Returns the scores and the confusion matrix (rows: true
    class, columns: predicted)."""
    classes = _check_classes(labels)
    _check_split(labels, split, classes)
    if svm_c is not None and svm_c <= 0:
        raise ValueError(f"analysis.svm.C must be positive, got {svm_c}")
    train, test = split == "train", split == "test"
    features = l2_normalise(x)
    rotated = Rotated(features[train])
    cv: list[dict[str, Any]] = []
    if svm_c is None:
        if cv_folds is None:
            raise ValueError("analysis.svm.C is null: cv_folds must be given to choose it")
        svm_c, cv = choose_c(
            features[train], labels[train], c_grid, cv_folds, seed, rotated, progress
        )
    model = fit_linear_svm(features[train], labels[train], svm_c, classes, rotated)
    predicted = model.predict(features[test])
    truth = labels[test]
    cm = confusion_matrix(truth, predicted, labels=classes)
    per_class = per_class_rows(cm, classes)
    scores = {
        "classifier": SVM_DESCRIPTION,
        "protocol": SVM_PROTOCOL,
        "C": float(svm_c),
        "C_chosen_by": f"{cv_folds}-fold stratified CV on the train split, seed {seed}"
        if cv
        else "analysis.svm.C",
        "cv": cv,
        "features": "L2-normalised rows",
        "solver_iterations": model.iterations,
        "n_train": int(train.sum()),
        "n_test": int(test.sum()),
        "classes": classes,
        "accuracy": float(np.trace(cm) / cm.sum()),
        "mean_per_class_accuracy": float(balanced_accuracy_score(truth, predicted)),
        "per_class_accuracy": {row[0]: float(row[3]) for row in per_class},  # type: ignore[arg-type]
        "most_confused": confused_pairs(cm, classes),
        "confusion_matrix": cm.tolist(),
        "confusion_matrix_axes": "rows: true class, columns: predicted class (order of classes)",
    }
    return scores, cm


# --- output -------------------------------------------------------------------------------------


def write_json(obj: Any, path: str | os.PathLike[str]) -> None:
    """Indented UTF-8 JSON with a final newline, written atomically; NaN is an error."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
