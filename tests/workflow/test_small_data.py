"""Small data with default settings: the mini config's folder of 3 classes x 8 images
(tests/conftest.py: mini_finished) runs to the end, and the settings that the data cannot
support adapt and say so, decided once (settings.json) and used as decided; a value the user set
that the data cannot support, a folder of one class or a class of one image stops the run early,
naming what to change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from embedlab.common.tables import read_tsv
from embedlab.images.analysis.decisions import read_settings
from embedlab.images.analysis.settings import KMEANS_PCA
from tests.helpers import MINI_CONFIG, copy_mini_inputs, snakemake, write_photos

pytestmark = pytest.mark.slow


def test_three_classes_run_to_the_end_with_the_defaults(mini_finished: Path) -> None:
    base = mini_finished / "results/images/photos/analysis"
    tsne = json.loads((base / "first/tsne.json").read_text())
    kmeans = json.loads((base / "all/kmeans.json").read_text())
    svm = json.loads((base / "first/svm.json").read_text())
    assert tsne["classes"] == svm["classes"] == ["class_0", "class_1", "class_2"]
    assert tsne["perplexity"] == pytest.approx(23 / 3)  # (24 images - 1) / 3
    assert "analysis.n_labels 5 -> 3: the data hold only 3 classes" in tsne["adjustments"]
    assert any(n.startswith("analysis.tsne.perplexity 30 -> 7.66667") for n in tsne["adjustments"])
    assert kmeans["pca_components"] == 24
    assert kmeans["adjustments"] == [
        "analysis.kmeans.pca_components 100 -> 24: the 'all' subset has 24 images"
    ]
    log = (mini_finished / "logs/images/tsne_images_photos_first.log").read_text()
    assert "adapted to the data: analysis.tsne.perplexity 30 -> 7.66667" in log
    settings = (base / "settings.tsv").read_text()
    assert "first\tanalysis.n_labels\t5\t3\tanalysis.n_labels 5 -> 3" in settings
    # the jobs used what settings.json says, and the report's table says the same
    decided = read_settings(base / "settings.json", "all")
    assert decided.kmeans_pca == kmeans["pca_components"]
    assert decided.perplexity == json.loads((base / "all/tsne.json").read_text())["perplexity"]
    assert decided.notes(KMEANS_PCA) == kmeans["adjustments"]
    assert "all\tanalysis.kmeans.pca_components\t100\t24\t" in settings
    # the one unreadable file of the 25 is left out by the listing, before the split: the check
    # before VGG16 and the decision both see 24 images, and skipped.tsv says why
    images = mini_finished / "results/images/photos"
    unreadable = {"path": "class_0/unreadable.png", "reason": "not an image file PIL can identify"}
    assert (
        read_tsv(images / "items_skipped.tsv") == read_tsv(images / "skipped.tsv") == [unreadable]
    )
    assert "class_0/unreadable.png" not in (images / "items.tsv").read_text()
    checked = (base / "settings_check.tsv").read_text()
    assert "all\tanalysis.kmeans.pca_components\t100\t24\t" in checked, checked


def test_a_user_set_perplexity_too_large_stops_before_the_embeddings(
    tmp_path: Path, tiny_glove: Path
) -> None:
    copy_mini_inputs(tiny_glove, tmp_path)
    (tmp_path / "photos/class_0/unreadable.png").unlink()  # 24 images, all readable
    config = yaml.safe_load(MINI_CONFIG.read_text())
    config["analysis"] = {"tsne": {"perplexity": 30}}
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(config))
    base = "results/images/photos/analysis"
    targets = [f"{base}/settings.tsv"] + [
        f"{base}/{subset}/{file}"
        for subset in ("first", "all")
        for file in ("tsne.json", "kmeans.json", "svm.json")
    ]
    out = snakemake(tmp_path, *targets, configfile=tmp_path / "small.yaml", check=False)
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert (
        "SettingError: analysis.tsne.perplexity = 30: too large for the 24 images of the 'first' "
        "subset (at most 7.66667, (N - 1) / 3)." in text
    )
    assert not (tmp_path / "results/images/photos/embeddings.h5").exists()
    assert not list((tmp_path / "results/images/photos").glob("shards/*.h5"))


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        (
            {"classes": 1},
            "SettingError: The images hold only one class ('class_0'); t-SNE, KMeans and the SVM "
            "compare at least 2 classes. Add a second class",
        ),
        (
            {"classes": 3, "single": True},
            "SettingError: Class 'class_2' has a single image; the SVM needs a training and a "
            "test image of every class. Add images to it (at least 2 per class)",
        ),
    ],
    ids=["one class", "a class of one image"],
)
def test_data_no_analysis_can_use_stops_before_the_embeddings(
    tmp_path: Path, tiny_glove: Path, photos: dict, message: str
) -> None:
    """Not KMeans' 'n_labels must be at least 2 ... got 1', nor 'set cv_folds to at most 1',
    after VGG16: one line naming what to add, before any image is embedded."""
    shutil.copy(tiny_glove.with_name("glove.mini.txt"), tmp_path / "glove.mini.txt")
    write_photos(tmp_path / "photos", classes=photos["classes"], per_class=8)
    if photos.get("single"):
        for extra in sorted((tmp_path / "photos/class_2").iterdir())[1:]:
            extra.unlink()
    base = "results/images/photos/analysis"
    targets = [f"{base}/settings.tsv", f"{base}/all/kmeans.json", f"{base}/all/svm.json"]
    out = snakemake(tmp_path, *targets, configfile=MINI_CONFIG, check=False)
    assert out.returncode != 0
    assert message in out.stdout + out.stderr
    log = (tmp_path / "logs/images/check_analysis_settings_photos.log").read_text()
    assert message.removeprefix("SettingError: ") in log
    assert not (tmp_path / "results/images/photos/embeddings.h5").exists()
