"""Small data with default settings: the mini config's folder of 3 classes x 8 images
(tests/conftest.py: mini_finished) runs to the end, and the settings that the data cannot
support adapt and say so; a value the user set that the data cannot support stops the run
early, naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.helpers import MINI_CONFIG, copy_mini_inputs, snakemake

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
        "analysis.pca_components 100 -> 24: the 'all' subset has 24 images"
    ]
    log = (mini_finished / "logs/images/tsne_images_photos_first.log").read_text()
    assert "adapted to the data: analysis.tsne.perplexity 30 -> 7.66667" in log
    settings = (base / "settings.tsv").read_text()
    assert "first\tanalysis.n_labels\t5\t3\tanalysis.n_labels 5 -> 3" in settings


def test_a_user_set_perplexity_too_large_stops_before_the_embeddings(
    tmp_path: Path, tiny_glove: Path
) -> None:
    copy_mini_inputs(tiny_glove, tmp_path)
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
