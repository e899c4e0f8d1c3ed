"""The embedding-space analysis on data whose answer is known in advance.

Small inputs (a few hundred points) keep the whole module to a few seconds: the t-SNE runs its
full 1000 iterations, but on 160 points.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import h5py
import numpy as np
import pytest

from embedlab.analysis import (
    EmbeddingSet,
    analyse,
    analyse_set,
    check_perplexity,
    kmeans_scores,
    select_classes,
    svm_scores,
    tsne_embed,
    untrained_note,
)

CLASSES = ["airport_inside", "bakery", "book store", "café", "kitchen", "zoo"]
UNTRAINED = "random (untrained VGG16)"
FILES = [
    "tsne.png",
    "tsne.svg",
    "tsne.json",
    "kmeans.json",
    "svm.json",
    "confusion.png",
    "confusion.svg",
]


def blobs(n_classes: int = 4, per_class: int = 40, dim: int = 64, seed: int = 0) -> EmbeddingSet:
    """Well-separated Gaussian clusters (centres ~40 apart, unit noise), 3/4 train, 1/4 test."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 20.0, size=(n_classes, dim))
    x = np.concatenate([c + rng.normal(size=(per_class, dim)) for c in centres])
    labels = np.repeat(CLASSES[:n_classes], per_class)
    n_train = per_class * 3 // 4
    split = np.tile(["train"] * n_train + ["test"] * (per_class - n_train), n_classes)
    return EmbeddingSet(x.astype(np.float32), labels, split)


def write_h5(path: Path, data: EmbeddingSet, weights: str | None) -> Path:
    """The layout of the image-embedding stage: UTF-8 string datasets, `weights` attribute."""
    strings = h5py.string_dtype("utf-8")
    with h5py.File(path, "w") as f:
        f.create_dataset("embeddings", data=data.embeddings)
        f.create_dataset("labels", data=data.labels.astype(object), dtype=strings)
        f.create_dataset("split", data=data.split.astype(object), dtype=strings)
        paths = [f"{lab}/{i}.jpg" for i, lab in enumerate(data.labels)]
        f.create_dataset("paths", data=np.array(paths, dtype=object), dtype=strings)
        if weights is not None:
            f.attrs["weights"] = weights
    return path


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    return ["".join(el.itertext()) for el in root.iter() if el.tag.endswith("text")]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two analyses of the same file with the same seed (6 classes stored, the first 4 used)."""
    tmp = tmp_path_factory.mktemp("analysis")
    h5 = write_h5(tmp / "emb.h5", blobs(n_classes=6, per_class=40), UNTRAINED)
    outs = []
    for name in ("a", "b"):
        analyse(h5, tmp / name, n_labels=4, perplexity=20, pca_components=100, svm_C=1.0, seed=3)
        outs.append(tmp / name)
    return outs[0], outs[1]


# --- class selection --------------------------------------------------------------------------


def test_select_classes_takes_the_first_in_sorted_order() -> None:
    labels = ["zoo", "bakery", "kitchen", "bakery", "airport_inside", "zoo"]
    assert select_classes(labels, 2) == ["airport_inside", "bakery"]
    assert select_classes(np.array(labels), None) == ["airport_inside", "bakery", "kitchen", "zoo"]
    assert select_classes(labels, 4) == ["airport_inside", "bakery", "kitchen", "zoo"]
    with pytest.raises(ValueError, match="at least 2"):
        select_classes(labels, 1)
    with pytest.raises(ValueError, match="only 4 classes"):
        select_classes(labels, 5)


# --- KMeans and SVM on known answers ----------------------------------------------------------


def test_separated_clusters_are_found_and_classified_perfectly() -> None:
    data = blobs()
    km = kmeans_scores(data.embeddings, data.labels, seed=0, pca_components=100)
    assert km["nmi"] > 0.99
    assert km["ari"] > 0.99
    assert km["pca_components"] == 64  # capped at min(N, D)
    svm, cm = svm_scores(data.embeddings, data.labels, data.split, svm_c=1.0)
    assert svm["accuracy"] == 1.0
    assert svm["mean_per_class_accuracy"] == 1.0
    assert (cm == np.diag([10] * 4)).all()


def test_random_labels_give_nmi_near_zero() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(600, 32)).astype(np.float32)
    labels = rng.choice(CLASSES[:4], size=600)
    km = kmeans_scores(x, labels, seed=0, pca_components=10)
    assert km["nmi"] < 0.1
    assert abs(km["ari"]) < 0.1


def test_mean_per_class_accuracy_on_an_imbalanced_toy_case() -> None:
    """Test points placed on purpose: A 4/6 right (2 land on B), B 2/2, C 3/4 (1 lands on A)."""
    rng = np.random.default_rng(0)
    centre = {"A": [0.0, 0.0], "B": [10.0, 0.0], "C": [0.0, 10.0]}
    train = [("A", 20), ("B", 5), ("C", 10)]
    test = [("A", "A", 4), ("A", "B", 2), ("B", "B", 2), ("C", "C", 3), ("C", "A", 1)]
    rows, labels, split = [], [], []
    for label, n in train:
        rows += [np.array(centre[label]) + rng.normal(0, 0.3, 2) for _ in range(n)]
        labels += [label] * n
        split += ["train"] * n
    for label, place, n in test:
        rows += [np.array(centre[place]) + rng.normal(0, 0.05, 2) for _ in range(n)]
        labels += [label] * n
        split += ["test"] * n
    svm, cm = svm_scores(np.array(rows), np.array(labels), np.array(split), svm_c=1.0)
    assert cm.tolist() == [[4, 2, 0], [0, 2, 0], [1, 0, 3]]
    assert svm["accuracy"] == pytest.approx(9 / 12)
    assert svm["mean_per_class_accuracy"] == pytest.approx((4 / 6 + 2 / 2 + 3 / 4) / 3)
    assert svm["per_class"]["A"] == pytest.approx(
        {"precision": 4 / 5, "recall": 4 / 6, "f1": 2 * (0.8 * 4 / 6) / (0.8 + 4 / 6), "support": 6}
    )
    assert svm["per_class"]["B"]["precision"] == pytest.approx(0.5)
    assert svm["per_class"]["C"]["support"] == 4


# --- t-SNE ------------------------------------------------------------------------------------


def test_tsne_is_deterministic_and_its_kl_is_sound() -> None:
    x = blobs(n_classes=3, per_class=30).embeddings
    first = tsne_embed(x, perplexity=10, seed=7)
    again = tsne_embed(x, perplexity=10, seed=7)
    assert first.coords.shape == (90, 2)
    assert np.array_equal(first.coords, again.coords)
    assert first.kl_divergence == again.kl_divergence
    # the exact KL agrees with the library's own (approximate) figure
    assert first.kl_divergence == pytest.approx(first.kl_divergence_reported, rel=0.05)
    other = tsne_embed(x, perplexity=10, seed=8)
    assert not np.array_equal(first.coords, other.coords)


# --- the whole analysis: files, plots, determinism --------------------------------------------


def test_analyse_writes_every_file(analysed: tuple[Path, Path]) -> None:
    out, _ = analysed
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)  # no temporary leftovers
    for name in ("tsne.png", "confusion.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    km = json.loads((out / "kmeans.json").read_text(encoding="utf-8"))
    assert km["classes"] == CLASSES[:4]
    assert km["n_samples"] == 160
    assert km["nmi"] > 0.99
    svm = json.loads((out / "svm.json").read_text(encoding="utf-8"))
    assert svm["accuracy"] == 1.0
    assert svm["n_train"] == 120 and svm["n_test"] == 40
    assert set(svm["per_class"]) == set(CLASSES[:4])
    tsne = json.loads((out / "tsne.json").read_text(encoding="utf-8"))
    assert tsne["method"] in {"opentsne-bh", "opentsne-fft", "sklearn-bh"}
    assert tsne["kl_divergence"] > 0
    assert tsne["perplexity"] == 20


def test_plots_are_valid_svg_with_class_names_in_the_legend(analysed: tuple[Path, Path]) -> None:
    out, _ = analysed
    texts = svg_texts(out / "tsne.svg")
    for cls in CLASSES[:4]:
        assert cls in texts, (cls, texts)
    assert not set(CLASSES[4:]) & set(texts)
    confusion = svg_texts(out / "confusion.svg")
    assert set(CLASSES[:4]) <= set(confusion)
    svg = (out / "tsne.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg


def test_untrained_weights_are_noted_everywhere(analysed: tuple[Path, Path]) -> None:
    out, _ = analysed
    for name in ("tsne.json", "kmeans.json", "svm.json"):
        info = json.loads((out / name).read_text(encoding="utf-8"))
        assert info["weights"] == UNTRAINED
        assert UNTRAINED in info["note"]
    for name in ("tsne.svg", "confusion.svg"):  # the title may wrap the note over two lines
        assert UNTRAINED in " ".join(" ".join(svg_texts(out / name)).split()), name
    assert untrained_note("ImageNet (keras.applications VGG16)") is None
    assert untrained_note(None) is None
    assert untrained_note("Untrained, He init") is not None


def test_same_seed_gives_identical_files(analysed: tuple[Path, Path]) -> None:
    a, b = analysed
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# --- errors -----------------------------------------------------------------------------------


def test_fewer_than_two_classes_is_an_error() -> None:
    x = np.zeros((10, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="at least 2 classes"):
        kmeans_scores(x, np.array(["a"] * 10), seed=0)


def test_a_class_without_training_samples_is_named() -> None:
    data = blobs(n_classes=3, per_class=8)
    split = data.split.copy()
    split[data.labels == "bakery"] = "test"
    with pytest.raises(ValueError, match=r"no training samples: \['bakery'\]"):
        svm_scores(data.embeddings, data.labels, split)


def test_perplexity_too_large_says_the_maximum(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"too large for 100 points: the maximum allowed is 33"):
        check_perplexity(40, 100)
    check_perplexity(33, 100)
    with pytest.raises(ValueError, match="at least 1"):
        check_perplexity(0.5, 100)
    # analyse fails before writing anything
    with pytest.raises(ValueError, match="maximum allowed is 53"):
        analyse_set(blobs(), tmp_path / "out", n_labels=None, perplexity=60)
    assert not (tmp_path / "out").exists()


def test_bad_inputs_are_refused(tmp_path: Path) -> None:
    x = np.zeros((4, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="'train' or 'test'"):
        EmbeddingSet(x, np.array(["a", "a", "b", "b"]), np.array(["train", "val", "test", "test"]))
    with pytest.raises(ValueError, match="4 embeddings but 3 labels"):
        EmbeddingSet(x, np.array(["a", "a", "b"]), np.array(["train"] * 4))
    with pytest.raises(ValueError, match="NaN"):
        EmbeddingSet(x + np.nan, np.array(["a"] * 4), np.array(["train"] * 4))
    with pytest.raises(ValueError, match="unknown t-SNE method"):
        tsne_embed(blobs().embeddings, 10, 0, method="umap")
    with h5py.File(tmp_path / "bad.h5", "w") as f:
        f.create_dataset("embeddings", data=x)
    with pytest.raises(ValueError, match=r"lacks dataset\(s\) \['labels', 'split'\]"):
        analyse(tmp_path / "bad.h5", tmp_path / "out")
