"""Analysis settings that depend on the data: the number of classes of the `first` subset, the
t-SNE perplexity and the PCA size before KMeans.

A value the user left at its schema default adapts to the data (a 3-class folder runs with the
defaults): n_labels above the number of classes uses every class, a perplexity above what the
points allow is lowered to the largest allowed, a PCA size above min(samples, features) is cut to
it. Each adjustment comes back as a note, which the jobs put in their log, JSON and figure title.
A value the user set that the data cannot support is an error naming the config key, the value,
the limit and what to set; `check_analysis_settings` raises it as soon as the item list exists,
before the expensive VGG16 jobs finish.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

N_LABELS = "analysis.n_labels"
PERPLEXITY = "analysis.tsne.perplexity"
PCA_COMPONENTS = "analysis.pca_components"
TSNE_PCA = "analysis.tsne.pca_components"
CV_FOLDS = "analysis.svm.cv_folds"
MIN_TSNE_POINTS = 4  # perplexity >= 1 needs (N - 1) / 3 >= 1


def max_perplexity(n_samples: int) -> float:
    """t-SNE needs about 3 x perplexity neighbours per point, so perplexity <= (N - 1) / 3."""
    return (n_samples - 1) / 3


class SettingError(ValueError):
    """A setting the user gave that the data cannot support."""


@dataclass
class Resolved:
    """A setting as used, and what was changed on the way (empty: used as given)."""

    value: float | int | None
    notes: list[str] = field(default_factory=list)


def _refuse(key: str, value: object, problem: str, advice: str) -> SettingError:
    return SettingError(f"{key} = {value}: {problem}. {advice}")


def n_labels_for(requested: int | None, n_classes: int, fixed: bool) -> Resolved:
    """Classes of the `first` subset (None = the `all` subset: every class)."""
    if requested is None or requested <= n_classes:
        return Resolved(requested)
    if fixed:
        raise _refuse(
            N_LABELS,
            requested,
            f"the data hold only {n_classes} classes",
            f"Set it to at most {n_classes}, or leave it out: the default adapts to the data.",
        )
    return Resolved(
        n_classes,
        [f"{N_LABELS} {requested} -> {n_classes}: the data hold only {n_classes} classes"],
    )


def perplexity_for(requested: float, n_samples: int, fixed: bool, subset: str) -> Resolved:
    """The t-SNE perplexity for `n_samples` points: at most (N - 1) / 3."""
    if n_samples < MIN_TSNE_POINTS:
        raise SettingError(
            f"t-SNE of the '{subset}' subset needs at least {MIN_TSNE_POINTS} images, it has "
            f"{n_samples}. Add images, or raise {N_LABELS} for more classes."
        )
    top = max_perplexity(n_samples)
    if requested <= top:
        return Resolved(requested)
    if fixed:
        raise _refuse(
            PERPLEXITY,
            f"{requested:g}",
            f"too large for the {n_samples} images of the '{subset}' subset (at most {top:g}, "
            "(N - 1) / 3)",
            f"Set it to at most {top:g}, or leave it out: the default adapts to the data.",
        )
    return Resolved(
        top,
        [f"{PERPLEXITY} {requested:g} -> {top:g}: the '{subset}' subset has {n_samples} images"],
    )


def pca_components_for(
    requested: int, n_samples: int, n_features: int | None, fixed: bool, subset: str
) -> Resolved:
    """PCA components before KMeans: at most min(samples, features) (features None: not known
    yet, only the samples bound)."""
    top = n_samples if n_features is None else min(n_samples, n_features)
    if requested <= top:
        return Resolved(requested)
    if fixed:
        raise _refuse(
            PCA_COMPONENTS,
            requested,
            f"the '{subset}' subset has {n_samples} images"
            + ("" if n_features is None else f" of {n_features} features")
            + f" (at most {top} components)",
            f"Set it to at most {top}, or leave it out: the default adapts to the data.",
        )
    return Resolved(
        top,
        [f"{PCA_COMPONENTS} {requested} -> {top}: the '{subset}' subset has {n_samples} images"],
    )


def tsne_pca_for(requested: int, n_samples: int, n_features: int) -> Resolved:
    """Principal components t-SNE runs on: at most min(samples, features); the full features
    (no PCA) when that bound is below the request."""
    top = min(n_samples, n_features)
    if requested < top:
        return Resolved(requested)
    return Resolved(
        None,
        [
            f"{TSNE_PCA} {requested}: the data have {n_samples} x {n_features}; "
            "t-SNE runs on the features themselves"
        ],
    )


def cv_folds_for(requested: int, smallest_class: int, fixed: bool) -> Resolved:
    """Cross-validation folds: at most the training images of the smallest class (at least 2)."""
    if requested <= smallest_class:
        return Resolved(requested)
    if fixed or smallest_class < 2:
        raise _refuse(
            CV_FOLDS,
            requested,
            f"the smallest class has {smallest_class} training images",
            "Set analysis.svm.cv_folds to at most that (at least 2 are needed), or set "
            "analysis.svm.C to skip the cross-validation.",
        )
    return Resolved(
        smallest_class,
        [
            f"{CV_FOLDS} {requested} -> {smallest_class}: the smallest class has {smallest_class} "
            "training images"
        ],
    )


def select_classes(labels: Iterable[str], n_labels: int | None) -> list[str]:
    """The first ``n_labels`` classes in sorted order (the lab used 5); all when None.

    Sorted order rather than order of appearance so that the choice does not depend on how the
    files happened to be listed.
    """
    classes = sorted({str(label) for label in labels})
    if n_labels is None:
        return classes
    if n_labels < 2:
        raise ValueError(f"n_labels must be at least 2 (or None for all), got {n_labels}")
    if n_labels > len(classes):
        raise ValueError(f"n_labels={n_labels} but the data hold only {len(classes)} classes")
    return classes[:n_labels]


def check_settings(
    labels: Sequence[str],
    n_labels: int,
    perplexity: float,
    pca_components: int,
    fixed: Sequence[str],
    n_features: int | None = None,
) -> list[list[object]]:
    """Every setting of both subsets as the jobs will use it, for the data `labels` (one per
    image); raises SettingError for a user-set value the data cannot support. Rows: subset,
    key, requested, used, note."""
    rows: list[list[object]] = []
    n_classes = len(set(labels))
    for subset, wanted in (("first", n_labels), ("all", None)):
        classes_used = n_labels_for(wanted, n_classes, N_LABELS in fixed)
        classes = select_classes(labels, classes_used.value)  # type: ignore[arg-type]
        n = sum(1 for label in labels if label in set(classes))
        used = [
            (N_LABELS, wanted, classes_used),
            (PERPLEXITY, perplexity, perplexity_for(perplexity, n, PERPLEXITY in fixed, subset)),
        ]
        pca = pca_components_for(pca_components, n, n_features, PCA_COMPONENTS in fixed, subset)
        used.append((PCA_COMPONENTS, pca_components, pca))
        for key, requested, result in used:
            if key == N_LABELS and wanted is None:
                requested, result = "all", Resolved(n_classes)
            rows.append([subset, key, requested, result.value, "; ".join(result.notes)])
    return rows
