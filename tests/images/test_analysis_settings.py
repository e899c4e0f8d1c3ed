"""Data-dependent analysis settings: decided once for both subsets from what was embedded;
defaults adapt and say so; user-set values that the data cannot support, and data no analysis can
use, stop with one line naming what to change; old keys name their new place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embedlab.common.config import ConfigError, check_config, given_keys, load_schema
from embedlab.images.analysis.decisions import (
    NO_CV,
    Requested,
    SettingsFileError,
    decide_settings,
    read_settings,
    settings_rows,
    write_settings,
)
from embedlab.images.analysis.settings import (
    CV_FOLDS,
    KMEANS_PCA,
    N_LABELS,
    PERPLEXITY,
    TSNE_PCA,
    SettingError,
    cv_folds_for,
    kmeans_pca_for,
    n_labels_for,
    perplexity_for,
    tsne_pca_for,
)
from tests.helpers import ROOT

LABELS = ["a"] * 8 + ["b"] * 8 + ["c"] * 8  # a 3-class folder of 8 images per class
SPLIT = (["train"] * 6 + ["test"] * 2) * 3
DEFAULTS = Requested(5, perplexity=30, tsne_pca=50, kmeans_pca=100, cv_folds=3, cross_validate=True)


def requested(**changes: object) -> Requested:
    return Requested(**{**DEFAULTS.__dict__, **changes})  # type: ignore[arg-type]


def table(labels: list[str], split: list[str], ask: Requested, n_features: int | None = None):
    rows = settings_rows(decide_settings(labels, split, ask, n_features))
    return {(subset, key): (used, note) for subset, key, _, used, note in rows}


def test_defaults_adapt_to_three_classes_of_eight_images() -> None:
    used = table(LABELS, SPLIT, DEFAULTS, n_features=4096)
    assert used["first", N_LABELS] == (3, f"{N_LABELS} 5 -> 3: the data hold only 3 classes")
    # 24 images: perplexity at most (24 - 1) / 3
    assert used["first", PERPLEXITY][0] == pytest.approx(23 / 3)
    assert used["first", PERPLEXITY][1].startswith(f"{PERPLEXITY} 30 -> 7.66667")
    assert used["all", KMEANS_PCA] == (
        24,
        f"{KMEANS_PCA} 100 -> 24: the 'all' subset has 24 images",
    )
    assert used["all", TSNE_PCA] == (
        "none",
        f"{TSNE_PCA} 50: the data have 24 x 4096; t-SNE runs on the features themselves",
    )
    assert used["all", CV_FOLDS] == (3, "")  # 6 training images a class
    assert used["all", N_LABELS] == (3, "")


def test_values_the_data_support_are_used_as_given() -> None:
    ask = requested(n_labels=2, perplexity=5, tsne_pca=10, kmeans_pca=10)
    first, _ = decide_settings(LABELS, SPLIT, ask, n_features=4096)
    assert first.classes == ["a", "b"] and first.n_images == 16
    used = {key: s.used for key, s in first.settings.items()}
    assert used == {N_LABELS: 2, PERPLEXITY: 5, TSNE_PCA: 10, KMEANS_PCA: 10, CV_FOLDS: 3}
    assert first.notes(*first.settings) == []


def test_unreadable_files_change_what_is_decided() -> None:
    """The listing allows more than what was embedded: the settings follow the embedded images
    (gather_embeddings leaves the unreadable ones out), and say so."""
    listed = table(LABELS, SPLIT, DEFAULTS)
    assert listed["first", PERPLEXITY][0] == pytest.approx(23 / 3)
    assert listed["first", KMEANS_PCA][0] == 24
    # 5 images of class 'a' (4 training, 1 test) could not be read
    keep = [i for i in range(24) if i not in (0, 1, 2, 3, 6)]
    labels, split = [LABELS[i] for i in keep], [SPLIT[i] for i in keep]
    embedded = table(labels, split, DEFAULTS, n_features=4096)
    assert embedded["first", PERPLEXITY] == (
        pytest.approx(18 / 3),
        f"{PERPLEXITY} 30 -> 6: the 'first' subset has 19 images",
    )
    assert embedded["first", KMEANS_PCA] == (
        19,
        f"{KMEANS_PCA} 100 -> 19: the 'first' subset has 19 images",
    )
    assert embedded["first", CV_FOLDS] == (
        2,
        f"{CV_FOLDS} 3 -> 2: the smallest class has 2 training images",
    )
    # a value the user set that only the embedded images cannot support stops there
    with pytest.raises(SettingError, match=f"{CV_FOLDS} = 3: the smallest class has 2 training"):
        decide_settings(labels, split, requested(fixed=[CV_FOLDS]), 4096)
    decide_settings(LABELS, SPLIT, requested(fixed=[CV_FOLDS]))  # the listing allowed it


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
            KMEANS_PCA,
            {"kmeans_pca": 100},
            "analysis.kmeans.pca_components = 100: the 'first' subset has 16 images "
            "(at most 16 components)",
        ),
    ],
)
def test_a_user_set_value_the_data_cannot_support_names_the_key(key, settings, message) -> None:
    ask = requested(**{"n_labels": 2, "perplexity": 3, "kmeans_pca": 10, **settings}, fixed=[key])
    with pytest.raises(SettingError) as error:
        decide_settings(LABELS, SPLIT, ask)
    assert str(error.value).startswith(message)
    assert "leave it out: the default adapts to the data" in str(error.value)


@pytest.mark.parametrize("fixed", [[], [N_LABELS]])
def test_one_class_stops_naming_what_to_add(fixed: list[str]) -> None:
    """Not 'n_labels must be at least 2 ... got 1' from KMeans after VGG16, nor 'set n_labels to
    at most 1': the one line says to add a class."""
    with pytest.raises(SettingError) as error:
        decide_settings(["a"] * 8, SPLIT[:8], requested(n_labels=2, fixed=fixed))
    message = str(error.value)
    assert message.startswith("The images hold only one class ('a'); ")
    assert "Add a second class" in message and "images.folder" in message
    assert "\n" not in message
    with pytest.raises(SettingError, match="The images hold no images"):
        decide_settings([], [], DEFAULTS)


def test_a_class_of_one_image_stops_naming_it() -> None:
    """Not 'set cv_folds to at most [1] (at least 2 are needed)' after VGG16."""
    labels, split = [*LABELS, "d"], [*SPLIT, "train"]
    with pytest.raises(SettingError) as error:
        decide_settings(labels, split, DEFAULTS)
    message = str(error.value)
    assert message.startswith("Class 'd' has a single image; the SVM needs a training and a test")
    assert "Add images to it (at least 2 per class), or remove its folder" in message
    with pytest.raises(SettingError, match="Classes 'd', 'e' have a single image"):
        decide_settings([*labels, "e"], [*split, "test"], DEFAULTS)
    # two images left of a class, both training ones (its test image unreadable)
    with pytest.raises(SettingError, match=r"without a training or a test image: 'd' \(2 tr"):
        decide_settings([*labels, "d"], [*split, "train"], DEFAULTS)


def test_a_class_of_one_training_image_asks_for_fewer_folds_or_a_set_c() -> None:
    labels, split = [*LABELS, "d", "d"], [*SPLIT, "train", "test"]
    with pytest.raises(SettingError, match="or set analysis.svm.C to skip the cross-validation"):
        decide_settings(labels, split, DEFAULTS)
    _, every = decide_settings(labels, split, requested(cross_validate=False))
    assert every.cv_folds is None and every.notes(CV_FOLDS) == []
    rows = settings_rows([every])
    assert [r for r in rows if r[1] == CV_FOLDS] == [["all", CV_FOLDS, 3, "none", NO_CV]]


def test_settings_json_carries_every_value_and_note_to_the_jobs(tmp_path: Path) -> None:
    decided = decide_settings(LABELS, SPLIT, DEFAULTS, n_features=4096)
    path = tmp_path / "settings.json"
    write_settings(decided, 4096, path)
    record = json.loads(path.read_text())
    assert record["n_features"] == 4096 and list(record["subsets"]) == ["first", "all"]
    first = read_settings(path, "first")
    assert first == decided[0]
    assert first.perplexity == pytest.approx(23 / 3)
    assert (first.tsne_pca, first.kmeans_pca, first.cv_folds) == (None, 24, 3)
    # a job's notes in the order its log, JSON and title have always given them
    assert first.notes(N_LABELS, PERPLEXITY, TSNE_PCA) == [
        f"{N_LABELS} 5 -> 3: the data hold only 3 classes",
        f"{PERPLEXITY} 30 -> 7.66667: the 'first' subset has 24 images",
        f"{TSNE_PCA} 50: the data have 24 x 4096; t-SNE runs on the features themselves",
    ]
    assert read_settings(path, "all").classes == ["a", "b", "c"]


def test_a_settings_file_that_is_not_one_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsFileError, match="does not exist; it should be an analysis"):
        read_settings(tmp_path / "missing.json", "first")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "other"}')
    with pytest.raises(SettingsFileError, match="is not an analysis settings file"):
        read_settings(bad, "first")
    write_settings(decide_settings(LABELS, SPLIT, DEFAULTS, 4096)[:1], 4096, bad)
    with pytest.raises(SettingsFileError, match="no complete settings of the 'all' subset"):
        read_settings(bad, "all")
    check = decide_settings(LABELS, SPLIT, DEFAULTS)[0]  # the listing's: no t-SNE PCA decided
    with pytest.raises(SettingsFileError, match="tsne.pca_components was not decided"):
        check.tsne_pca  # noqa: B018


def test_too_few_images_for_tsne_is_an_error_even_by_default() -> None:
    with pytest.raises(SettingError, match="needs at least 4 images, it has 3"):
        perplexity_for(30, 3, fixed=False, subset="first")


def test_single_resolvers() -> None:
    assert n_labels_for(None, 3, fixed=True).value is None  # 'all' takes every class
    assert kmeans_pca_for(100, 50, 20, fixed=False, subset="all").value == 20
    assert kmeans_pca_for(100, 50, None, fixed=False, subset="all").value == 50


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


@pytest.mark.parametrize(
    ("config", "line"),
    [
        (
            {"analysis": {"pca_components": 50}},
            "`analysis.pca_components` is now `analysis.kmeans.pca_components`",
        ),
        (
            {"vectors": {"download_retries": 2}},
            "`vectors.download_retries` is now `downloads.retries`",
        ),
        ({"vectors": {"timeout_s": "30"}}, "`vectors.timeout_s` is now `downloads.timeout_s`"),
    ],
)
def test_an_old_key_stops_with_one_line_naming_the_new_one(config: dict, line: str) -> None:
    schema = load_schema(ROOT / "workflow/schemas/config.schema.yaml")
    with pytest.raises(ConfigError) as error:
        check_config(config, schema)
    assert str(error.value) == f"{line} (config/README.md describes every key)"
    new = {"analysis": {"kmeans": {"pca_components": 50}}, "downloads": {"retries": 2}}
    checked = check_config(new, schema)
    assert checked["analysis"]["kmeans"]["pca_components"] == 50
    assert checked["downloads"] == {"retries": 2, "timeout_s": 60}
