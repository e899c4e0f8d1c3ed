"""Analysis settings that depend on the data, one rule each: the number of classes of the `first`
subset, the t-SNE perplexity and PCA size, the PCA size before KMeans and the SVM's
cross-validation folds; and what every analysis needs of the classes themselves.

A value the user left at its schema default adapts to the data (a 3-class folder runs with the
defaults): n_labels above the number of classes uses every class, a perplexity above what the
points allow is lowered to the largest allowed, a PCA size above min(samples, features) is cut to
it, the folds are lowered to the smallest class's training images. Each adjustment comes back as a
note, which the jobs put in their log, JSON and figure title. A value the user set that the data
cannot support is an error naming the config key, the value, the limit and what to set.
:mod:`embedlab.images.analysis.decisions` applies these rules to both subsets at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

N_LABELS = "analysis.n_labels"
PERPLEXITY = "analysis.tsne.perplexity"
TSNE_PCA = "analysis.tsne.pca_components"
KMEANS_PCA = "analysis.kmeans.pca_components"
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


def kmeans_pca_for(
    requested: int, n_samples: int, n_features: int | None, fixed: bool, subset: str
) -> Resolved:
    """PCA components before KMeans: at most min(samples, features) (features None: not known
    yet, only the samples bound)."""
    top = n_samples if n_features is None else min(n_samples, n_features)
    if requested <= top:
        return Resolved(requested)
    if fixed:
        raise _refuse(
            KMEANS_PCA,
            requested,
            f"the '{subset}' subset has {n_samples} images"
            + ("" if n_features is None else f" of {n_features} features")
            + f" (at most {top} components)",
            f"Set it to at most {top}, or leave it out: the default adapts to the data.",
        )
    return Resolved(
        top,
        [f"{KMEANS_PCA} {requested} -> {top}: the '{subset}' subset has {n_samples} images"],
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


def _names(classes: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(repr(c) for c in classes[:limit])
    return shown + (f" and {len(classes) - limit} more" if len(classes) > limit else "")


def check_classes(labels: Sequence[str], split: Sequence[str]) -> None:
    """Every analysis compares classes: at least 2 of them, and the SVM trains on the train split
    and scores on the test split, so every class needs an image in each (`labels` and `split`:
    one per image)."""
    classes = sorted(set(labels))
    if len(classes) < 2:
        held = f"only one class ({classes[0]!r})" if classes else "no images"
        raise SettingError(
            f"The images hold {held}; t-SNE, KMeans and the SVM compare at least 2 classes. Add "
            "a second class (a <class>/ folder of images beside it in images.folder), or set "
            "images.folder to a folder of several."
        )
    counts = Counter(zip(labels, split, strict=True))
    single = [c for c in classes if counts[c, "train"] + counts[c, "test"] == 1]
    if single:
        one = len(single) == 1
        raise SettingError(
            f"{'Class' if one else 'Classes'} {_names(single)} {'has' if one else 'have'} a "
            "single image; the SVM needs a training and a test image of every class. Add images "
            f"to {'it' if one else 'them'} (at least 2 per class), or remove "
            f"{'its folder' if one else 'their folders'} from images.folder."
        )
    one_sided = [c for c in classes if not counts[c, "train"] or not counts[c, "test"]]
    if one_sided:
        shown = ", ".join(
            f"{c!r} ({counts[c, 'train']} training, {counts[c, 'test']} test)"
            for c in one_sided[:5]
        )
        raise SettingError(
            f"Classes without a training or a test image: {shown}; the SVM needs both for every "
            "class. Add images to them, or remove their folders from images.folder."
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
