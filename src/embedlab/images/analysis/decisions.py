"""The analysis settings of both subsets (`first`, `all`), decided once, and the file that carries
them to the jobs.

:func:`decide_settings` applies the rules of :mod:`embedlab.images.analysis.settings` to one image
list. Two rules call it. `check_analysis_settings` gives it the item list as soon as that exists
(feature size not yet known), so that a user-set value the listing already shows impossible, a
dataset of one class or a class of one image stops the run before the VGG16 jobs finish; it
writes what it found to ``settings_check.tsv``. `decide_analysis_settings` gives it what was
actually embedded (`gather_embeddings` leaves out unreadable files) and writes ``settings.json``
(:func:`write_settings`) and the report's table (:func:`settings_rows`). `tsne_images`,
`kmeans_images` and `svm_images` read ``settings.json`` with :func:`read_settings`; none of them
decides anything again, so the report's table is what they used.

``settings.json``: ``{"format": FORMAT, "n_features": D, "subsets": {"first": S, "all": S}}``,
each S ``{"classes": [...], "n_images": N, "settings": {key: {"requested", "used", "notes"}}}``
for the keys N_LABELS, PERPLEXITY, TSNE_PCA (``used`` null: t-SNE on the features themselves),
KMEANS_PCA and CV_FOLDS (``used`` null: analysis.svm.C is set, no cross-validation); ``notes``
are the adjustments the jobs put in their log, JSON and figure titles.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from embedlab.common.atomic import atomic_output
from embedlab.images.analysis.settings import (
    CV_FOLDS,
    KMEANS_PCA,
    N_LABELS,
    PERPLEXITY,
    TSNE_PCA,
    check_classes,
    cv_folds_for,
    kmeans_pca_for,
    n_labels_for,
    perplexity_for,
    select_classes,
    tsne_pca_for,
)

FORMAT = "embedlab-analysis-settings/1"
SUBSETS = ("first", "all")
TABLE_HEADER = ("subset", "key", "requested", "used", "note")
NO_CV = "analysis.svm.C is set: no cross-validation"


class SettingsFileError(ValueError):
    """A settings.json that is not what decide_analysis_settings writes; the message says so."""


@dataclass(frozen=True)
class Requested:
    """The analysis settings as the config gives them (rule params), and which keys the user set
    (`fixed`: they must not adapt to the data)."""

    n_labels: int
    perplexity: float
    tsne_pca: int
    kmeans_pca: int
    cv_folds: int
    cross_validate: bool  # analysis.svm.C is null: C is chosen by cross-validation
    fixed: Sequence[str] = ()


@dataclass(frozen=True)
class Setting:
    """One setting of one subset: as requested, as used, and the adjustments on the way."""

    requested: Any
    used: Any
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SubsetSettings:
    """Everything an analysis job of one subset needs to know before it reads the features."""

    subset: str
    classes: list[str]
    n_images: int
    settings: dict[str, Setting]

    def used(self, key: str) -> Any:
        if key not in self.settings:
            raise SettingsFileError(
                f"{key} was not decided for the '{self.subset}' subset; run "
                "decide_analysis_settings again"
            )
        return self.settings[key].used

    def notes(self, *keys: str) -> list[str]:
        """The adjustments of `keys`, in that order."""
        return [note for key in keys if key in self.settings for note in self.settings[key].notes]

    @property
    def perplexity(self) -> float:
        return self.used(PERPLEXITY)  # type: ignore[no-any-return]

    @property
    def tsne_pca(self) -> int | None:
        return self.used(TSNE_PCA)  # type: ignore[no-any-return]

    @property
    def kmeans_pca(self) -> int:
        return self.used(KMEANS_PCA)  # type: ignore[no-any-return]

    @property
    def cv_folds(self) -> int | None:
        return self.used(CV_FOLDS)  # type: ignore[no-any-return]


def decide_settings(
    labels: Sequence[str],
    split: Sequence[str],
    requested: Requested,
    n_features: int | None = None,
) -> list[SubsetSettings]:
    """The settings of both subsets for these images (`labels` and `split`: one per image;
    `n_features` None: not known yet, so the PCA sizes are bounded by the images only and the
    t-SNE PCA is left undecided). Raises SettingError for data no analysis can use and for a
    user-set value the data cannot support."""
    labels, split = [str(label) for label in labels], [str(part) for part in split]
    check_classes(labels, split)
    n_classes = len(set(labels))
    fixed = set(requested.fixed)
    decided = []
    for subset, wanted in zip(SUBSETS, (requested.n_labels, None), strict=True):
        count = n_labels_for(wanted, n_classes, N_LABELS in fixed)
        classes = select_classes(labels, count.value)  # type: ignore[arg-type]
        chosen = set(classes)
        n = sum(label in chosen for label in labels)
        settings = {
            N_LABELS: Setting("all" if wanted is None else wanted, len(classes), count.notes)
        }
        perplexity = perplexity_for(requested.perplexity, n, PERPLEXITY in fixed, subset)
        settings[PERPLEXITY] = Setting(requested.perplexity, perplexity.value, perplexity.notes)
        if n_features is not None:
            tsne = tsne_pca_for(requested.tsne_pca, n, n_features)
            settings[TSNE_PCA] = Setting(requested.tsne_pca, tsne.value, tsne.notes)
        kmeans = kmeans_pca_for(requested.kmeans_pca, n, n_features, KMEANS_PCA in fixed, subset)
        settings[KMEANS_PCA] = Setting(requested.kmeans_pca, kmeans.value, kmeans.notes)
        settings[CV_FOLDS] = Setting(requested.cv_folds, None)
        if requested.cross_validate:
            train = Counter(lab for lab, part in zip(labels, split, strict=True) if part == "train")
            smallest = min(train[c] for c in classes)
            folds = cv_folds_for(requested.cv_folds, smallest, CV_FOLDS in fixed)
            settings[CV_FOLDS] = Setting(requested.cv_folds, folds.value, folds.notes)
        decided.append(SubsetSettings(subset, classes, n, settings))
    return decided


def settings_rows(decided: Sequence[SubsetSettings]) -> list[list[object]]:
    """The table of settings as used (TABLE_HEADER): one row per subset and key."""
    rows: list[list[object]] = []
    for subset in decided:
        for key, setting in subset.settings.items():
            note = "; ".join(setting.notes) or (
                NO_CV if key == CV_FOLDS and setting.used is None else ""
            )
            used = "none" if setting.used is None else setting.used
            rows.append([subset.subset, key, setting.requested, used, note])
    return rows


def write_settings(
    decided: Sequence[SubsetSettings], n_features: int, path: str | os.PathLike[str]
) -> None:
    """``settings.json`` (the module's docstring), written atomically."""
    record = {
        "format": FORMAT,
        "n_features": n_features,
        "subsets": {
            s.subset: {
                "classes": s.classes,
                "n_images": s.n_images,
                "settings": {
                    key: {"requested": v.requested, "used": v.used, "notes": v.notes}
                    for key, v in s.settings.items()
                },
            }
            for s in decided
        },
    }
    text = json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def read_settings(path: str | os.PathLike[str], subset: str) -> SubsetSettings:
    """The settings of `subset` from a ``settings.json`` written by :func:`write_settings`."""
    what = "an analysis settings file written by the decide_analysis_settings rule"
    try:
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
    except FileNotFoundError as e:
        raise SettingsFileError(f"{path} does not exist; it should be {what}") from e
    except (OSError, ValueError) as e:
        raise SettingsFileError(f"{path} is not {what} ({e}); delete it and run again") from e
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise SettingsFileError(
            f"{path} is not {what} (format {FORMAT!r}); delete it and run again"
        )
    try:
        item = record["subsets"][subset]
        settings = {
            key: Setting(v["requested"], v["used"], list(v["notes"]))
            for key, v in item["settings"].items()
        }
        return SubsetSettings(subset, list(item["classes"]), int(item["n_images"]), settings)
    except (KeyError, TypeError, ValueError) as e:
        raise SettingsFileError(
            f"{path}: no complete settings of the '{subset}' subset (missing or wrong: {e}); "
            "delete it and run again"
        ) from e
