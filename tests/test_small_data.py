"""Small data with default settings: a 3-class folder of 8 images per class runs to the end, the
settings that the data cannot support adapt and say so; a value the user set that the data
cannot support stops the run early, naming the key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from tests.test_workflow import snakemake

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 classes x 8 PNGs, each class a different colour with noise."""
    root = tmp_path_factory.mktemp("small") / "photos"
    rng = np.random.default_rng(0)
    for c, colour in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200)]):
        folder = root / f"class_{c}"
        folder.mkdir(parents=True)
        for i in range(8):
            pixels = np.clip(rng.normal(colour, 40, (32, 32, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / f"{i}.png")
    return root


def config_for(work: Path, photos: Path, tiny_glove: Path, **analysis: object) -> Path:
    shutil.copy(tiny_glove, work / "glove.tiny.txt")
    config = {
        "vectors": {"sources": [{"source": "glove.tiny.txt"}]},
        # a conv layer (no 120 M fully connected weights to draw) keeps the test short; the
        # analysis settings, which are what this test is about, stay at their defaults
        "images": {
            "dataset": "folder",
            "folder": str(photos),
            "batch_size": 8,
            "shards": 1,
            "layer": "block1_pool",
        },
    }
    if analysis:
        config["analysis"] = analysis
    path = work / "small.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def image_targets(name: str) -> list[str]:
    base = f"results/images/{name}"
    return [f"{base}/analysis/settings.tsv"] + [
        f"{base}/analysis/{subset}/{file}"
        for subset in ("first", "all")
        for file in ("tsne.json", "kmeans.json", "svm.json")
    ]


def test_three_classes_run_to_the_end_with_the_defaults(
    tmp_path: Path, photos: Path, tiny_glove: Path
) -> None:
    config = config_for(tmp_path, photos, tiny_glove)
    snakemake(tmp_path, *image_targets("photos"), configfile=config)
    base = tmp_path / "results/images/photos/analysis"
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
    log = (tmp_path / "logs/images/tsne_images_photos_first.log").read_text()
    assert "adapted to the data: analysis.tsne.perplexity 30 -> 7.66667" in log
    settings = (base / "settings.tsv").read_text()
    assert "first\tanalysis.n_labels\t5\t3\tanalysis.n_labels 5 -> 3" in settings


def test_a_user_set_perplexity_too_large_stops_before_the_embeddings(
    tmp_path: Path, photos: Path, tiny_glove: Path
) -> None:
    config = config_for(tmp_path, photos, tiny_glove, tsne={"perplexity": 30})
    out = snakemake(tmp_path, *image_targets("photos"), configfile=config, check=False)
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert (
        "SettingError: analysis.tsne.perplexity = 30: too large for the 24 images of the 'first' "
        "subset (at most 7.66667, (N - 1) / 3)." in text
    )
    assert not (tmp_path / "results/images/photos/embeddings.h5").exists()
