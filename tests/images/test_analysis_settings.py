"""Data-dependent analysis settings: defaults adapt and say so; user-set values that the data
cannot support stop with the key named."""

from __future__ import annotations

import pytest

from embedlab.common.config import given_keys
from embedlab.images.analysis.settings import (
    CV_FOLDS,
    N_LABELS,
    PCA_COMPONENTS,
    PERPLEXITY,
    SettingError,
    check_settings,
    cv_folds_for,
    n_labels_for,
    pca_components_for,
    perplexity_for,
    tsne_pca_for,
)

LABELS = ["a"] * 8 + ["b"] * 8 + ["c"] * 8  # a 3-class folder of 8 images per class


def test_defaults_adapt_to_three_classes_of_eight_images() -> None:
    rows = check_settings(LABELS, n_labels=5, perplexity=30, pca_components=100, fixed=[])
    used = {(subset, key): (used, note) for subset, key, _, used, note in rows}
    assert used["first", N_LABELS] == (3, f"{N_LABELS} 5 -> 3: the data hold only 3 classes")
    # 24 images: perplexity at most (24 - 1) / 3
    assert used["first", PERPLEXITY][0] == pytest.approx(23 / 3)
    assert used["first", PERPLEXITY][1].startswith(f"{PERPLEXITY} 30 -> 7.66667")
    assert used["all", PCA_COMPONENTS] == (
        24,
        f"{PCA_COMPONENTS} 100 -> 24: the 'all' subset has 24 images",
    )
    assert used["all", N_LABELS] == (3, "")


def test_values_the_data_support_are_used_as_given() -> None:
    rows = check_settings(LABELS, n_labels=2, perplexity=5, pca_components=10, fixed=[])
    assert [(r[1], r[3], r[4]) for r in rows if r[0] == "first"] == [
        (N_LABELS, 2, ""),
        (PERPLEXITY, 5, ""),
        (PCA_COMPONENTS, 10, ""),
    ]


@pytest.mark.parametrize(
    ("key", "settings", "message"),
    [
        (
            N_LABELS,
            {"n_labels": 5},
            "analysis.n_labels = 5: the data hold only 3 classes. Set it to at most 3",
        ),
        (
            PERPLEXITY,
            {"perplexity": 30},
            "analysis.tsne.perplexity = 30: too large for the 16 images of the 'first' subset "
            "(at most 5",
        ),
        (
            PCA_COMPONENTS,
            {"pca_components": 100},
            "analysis.pca_components = 100: the 'first' subset has 16 images "
            "(at most 16 components)",
        ),
    ],
)
def test_a_user_set_value_the_data_cannot_support_names_the_key(key, settings, message) -> None:
    values = {"n_labels": 2, "perplexity": 3, "pca_components": 10} | settings
    with pytest.raises(SettingError) as error:
        check_settings(LABELS, fixed=[key], **values)
    assert str(error.value).startswith(message)
    assert "leave it out: the default adapts to the data" in str(error.value)


def test_too_few_images_for_tsne_is_an_error_even_by_default() -> None:
    with pytest.raises(SettingError, match="needs at least 4 images, it has 3"):
        perplexity_for(30, 3, fixed=False, subset="first")


def test_single_resolvers() -> None:
    assert n_labels_for(None, 3, fixed=True).value is None  # 'all' takes every class
    assert pca_components_for(100, 50, 20, fixed=False, subset="all").value == 20
    assert pca_components_for(100, 50, None, fixed=False, subset="all").value == 50


def test_given_keys_are_the_user_s_own() -> None:
    config = {"analysis": {"tsne": {"perplexity": 5}}, "images": {"dataset": "folder"}}
    assert given_keys(config) == [
        "analysis", "analysis.tsne", "analysis.tsne.perplexity", "images", "images.dataset"
    ]  # fmt: skip


def test_cv_folds_adapt_to_the_smallest_class_unless_set() -> None:
    assert cv_folds_for(3, 3, fixed=False).value == 3
    lowered = cv_folds_for(3, 2, fixed=False)
    assert lowered.value == 2 and lowered.notes == [
        f"{CV_FOLDS} 3 -> 2: the smallest class has 2 training images"
    ]
    with pytest.raises(SettingError, match=f"{CV_FOLDS} = 3: the smallest class has 2"):
        cv_folds_for(3, 2, fixed=True)
    with pytest.raises(SettingError, match="or set analysis.svm.C"):
        cv_folds_for(3, 1, fixed=False)  # one image: no cross-validation possible


def test_tsne_runs_on_the_features_when_they_are_fewer_than_the_components() -> None:
    assert tsne_pca_for(50, 1000, 4096).value == 50
    small = tsne_pca_for(50, 40, 4096)
    assert small.value is None and "t-SNE runs on the features themselves" in small.notes[0]
