"""The embedding-space analysis on data whose answer is known in advance.

Inputs are real embeddings files, written by the shard writer and gather the pipeline uses, and
every test calls the functions the tsne_images, kmeans_images and svm_images scripts call. Small
inputs (a few hundred points) keep the module to seconds: t-SNE runs its full 1000 iterations.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from embedlab.common.plots import plot_confusion, plot_tsne, titled
from embedlab.images.analysis.decisions import Requested, SubsetSettings, decide_settings
from embedlab.images.analysis.kmeans import kmeans_scores
from embedlab.images.analysis.settings import SettingError, select_classes
from embedlab.images.analysis.subset import load_analysis, untrained_note, write_json
from embedlab.images.analysis.svm import (
    confusion_counts,
    fit_linear_svm,
    l2_normalise,
    svm_scores,
)
from embedlab.images.analysis.tsne import (
    check_perplexity,
    exact_kl_divergence,
    perplexity_affinities,
    tsne_embed,
    tsne_record,
)
from embedlab.images.embeddings import (
    ImageEmbeddings,
    gather_shards,
    read_embedded_items,
    write_shard,
)
from embedlab.images.vgg16 import RANDOM_WEIGHTS, Batch
from tests.helpers import ROOT

CLASSES = ["airport_inside", "bakery", "book store", "café", "kitchen", "zoo"]


def blobs(
    n_classes: int = 4, per_class: int = 40, dim: int = 64, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Well-separated Gaussian clusters (centres ~40 apart, unit noise), 3/4 train, 1/4 test."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 20.0, size=(n_classes, dim))
    x = np.concatenate([c + rng.normal(size=(per_class, dim)) for c in centres])
    labels = np.repeat(CLASSES[:n_classes], per_class)
    n_train = per_class * 3 // 4
    split = np.tile(["train"] * n_train + ["test"] * (per_class - n_train), n_classes)
    return x.astype(np.float32), labels, split


def embeddings_file(
    folder: Path, x: np.ndarray, labels: np.ndarray, split: np.ndarray, weights: str | None
) -> Path:
    """An embeddings.h5 made as the pipeline makes it: one shard of `x`, then the gather."""
    pairs = enumerate(zip(labels.tolist(), split.tolist(), strict=True))
    items = [(f"{lab}/{i}.jpg", lab, part) for i, (lab, part) in pairs]
    n = len(items)
    attrs = {"dim": x.shape[1], "batch_size": n, **({"weights": weights} if weights else {})}
    batch = Batch(np.asarray(x, np.float32), np.ones(n, bool), [""] * n)
    shard = folder / "shards/0.h5"
    write_shard(shard, items, range(n), [batch], attrs=attrs, shard=0, shards=1)
    gather_shards([shard], folder / "embeddings.h5", folder / "skipped.tsv")
    return folder / "embeddings.h5"


def decided(h5: Path, n_labels: int | None, fixed: tuple[str, ...] = ()) -> SubsetSettings:
    """What decide_analysis_settings decides for the `first` subset of `n_labels` classes (None:
    the `all` subset), the other settings at their defaults."""
    labels, split, n_features = read_embedded_items(h5)
    requested = Requested(n_labels or 2, 30, 50, 100, 3, cross_validate=True, fixed=fixed)
    first, every = decide_settings(labels, split, requested, n_features)
    return every if n_labels is None else first


def run_analysis(h5: Path, out: Path, n_labels: int | None, perplexity: float, seed: int) -> None:
    """What the three analysis rules do with their params (C = 1, 100 PCA components)."""
    inp = load_analysis(h5, decided(h5, n_labels))
    data, classes, note = inp.data, inp.classes, inp.untrained
    common = {"weights": data.weights, "note": note}
    result = tsne_embed(data.embeddings, perplexity, seed)
    plot_tsne(
        result.coords,
        data.labels,
        classes,
        titled("t-SNE", note),
        out / "tsne.png",
        out / "tsne.svg",
    )
    record = tsne_record(result, data.embeddings.shape[1], classes)
    write_json({**record, **common}, out / "tsne.json")
    scores = kmeans_scores(data.embeddings, data.labels, seed, 100)
    write_json({**scores, **common}, out / "kmeans.json")
    svm, cm = svm_scores(data.embeddings, data.labels, data.split, 1.0)
    write_json({**svm, **common}, out / "svm.json")
    plot_confusion(cm, classes, titled("SVM", note), out / "confusion.png", out / "confusion.svg")


FILES = sorted(
    [
        "tsne.png",
        "tsne.svg",
        "tsne.json",
        "kmeans.json",
        "svm.json",
        "confusion.png",
        "confusion.svg",
    ]
)


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    return ["".join(el.itertext()) for el in root.iter() if el.tag.endswith("text")]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two analyses of the same file with the same seed (6 classes stored, the first 4 used)."""
    tmp = tmp_path_factory.mktemp("analysis")
    h5 = embeddings_file(tmp, *blobs(n_classes=6, per_class=40), RANDOM_WEIGHTS)
    outs = (tmp / "a", tmp / "b")
    for out in outs:
        run_analysis(h5, out, n_labels=4, perplexity=20, seed=3)
    return outs


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


def test_load_analysis_keeps_the_rows_of_the_first_classes_in_file_order(tmp_path: Path) -> None:
    x, labels, split = blobs(n_classes=6, per_class=5, dim=3)
    order = np.random.default_rng(0).permutation(len(x))  # classes interleaved in the file
    h5 = embeddings_file(tmp_path, x[order], labels[order], split[order], None)
    inp = load_analysis(h5, decided(h5, 2))
    data, classes = inp.data, inp.classes
    assert classes == CLASSES[:2] and inp.untrained is None and data.weights is None
    assert inp.adjustments == []
    keep = np.isin(labels[order], CLASSES[:2])
    assert np.array_equal(data.embeddings, x[order][keep])
    assert data.labels.tolist() == labels[order][keep].tolist()
    assert data.split.tolist() == split[order][keep].tolist()
    assert data.paths.tolist() == [
        f"{lab}/{i}.jpg" for i, lab in enumerate(labels[order]) if lab in CLASSES[:2]
    ]
    everything = load_analysis(h5, decided(h5, None))
    assert everything.classes == CLASSES and len(everything.data.labels) == 30
    # a default n_labels above the classes present adapts (and says so); a user-set one stops
    adapted = load_analysis(h5, decided(h5, 9))
    assert adapted.classes == CLASSES
    assert adapted.adjustments == ["analysis.n_labels 9 -> 6: the data hold only 6 classes"]
    with pytest.raises(SettingError, match=r"analysis.n_labels = 9: the data hold only 6"):
        decided(h5, 9, fixed=("analysis.n_labels",))
    # settings decided for other data (a stale settings.json) are refused, not used
    stale = dataclasses.replace(decided(h5, 2), n_images=11)
    with pytest.raises(ValueError, match="decided for 11; run decide_analysis_settings again"):
        load_analysis(h5, stale)


# --- KMeans and SVM on known answers ----------------------------------------------------------


def test_kmeans_scores_equal_the_hand_computed_nmi_and_ari() -> None:
    """Two tight, far-apart groups of 10 points; labels agree with the groups 8 to 2.

    KMeans must find the two groups; against labels [[8, 2], [2, 8]] the arithmetic NMI is
    1 - H2(0.2) (H2: binary entropy in bits) and ARI = (58 - 8100/190) / (90 - 8100/190)."""
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 0.1, (10, 5)), rng.normal(50, 0.1, (10, 5))])
    labels = np.array(["a"] * 8 + ["b"] * 2 + ["a"] * 2 + ["b"] * 8)
    groups = np.repeat([0, 1], 10)
    km = kmeans_scores(x, labels, seed=0, pca_components=100)
    h2 = -(0.2 * math.log2(0.2) + 0.8 * math.log2(0.8))
    assert km["nmi"] == pytest.approx(1 - h2, abs=1e-12)
    assert km["ari"] == pytest.approx(2920 / 9000, abs=1e-12)
    assert km["nmi"] == pytest.approx(normalized_mutual_info_score(labels, groups), abs=1e-12)
    assert km["ari"] == pytest.approx(adjusted_rand_score(labels, groups), abs=1e-12)
    assert (km["pca_components"], km["n_classes"], km["kmeans_k"]) == (5, 2, 2)  # min(N, D)


def test_separated_clusters_are_found_and_classified_perfectly() -> None:
    x, labels, split = blobs()
    km = kmeans_scores(x, labels, seed=0, pca_components=100)
    assert (km["nmi"], km["ari"]) == (pytest.approx(1.0), pytest.approx(1.0))
    assert km["pca_components"] == 64  # capped at min(N, D)
    svm, cm = svm_scores(x, labels, split, svm_c=1.0)
    assert (svm["accuracy"], svm["mean_per_class_accuracy"]) == (1.0, 1.0)
    assert cm.tolist() == np.diag([10] * 4).tolist()


def test_mean_per_class_accuracy_on_an_imbalanced_toy_case() -> None:
    """Test points placed on purpose: A 4/6 right (2 land on B), B 2/2, C 3/4 (1 lands on A).
    Classes lie along the axes, so L2 normalisation keeps them apart."""
    rng = np.random.default_rng(0)
    centre = {"A": [10.0, 0.0, 0.0], "B": [0.0, 10.0, 0.0], "C": [0.0, 0.0, 10.0]}
    train = [("A", 20), ("B", 5), ("C", 10)]
    test = [("A", "A", 4), ("A", "B", 2), ("B", "B", 2), ("C", "C", 3), ("C", "A", 1)]
    rows, labels, split = [], [], []
    for label, n in train:
        rows += [np.array(centre[label]) + rng.normal(0, 0.3, 3) for _ in range(n)]
        labels += [label] * n
        split += ["train"] * n
    for label, place, n in test:
        rows += [np.array(centre[place]) + rng.normal(0, 0.05, 3) for _ in range(n)]
        labels += [label] * n
        split += ["test"] * n
    svm, cm = svm_scores(np.array(rows), np.array(labels), np.array(split), svm_c=1.0)
    assert cm.tolist() == [[4, 2, 0], [0, 2, 0], [1, 0, 3]]
    assert svm["accuracy"] == pytest.approx(9 / 12)
    assert svm["mean_per_class_accuracy"] == pytest.approx((4 / 6 + 2 / 2 + 3 / 4) / 3)
    assert svm["per_class_accuracy"] == pytest.approx({"A": 4 / 6, "B": 1.0, "C": 0.75}, abs=1e-4)
    assert svm["most_confused"] == [
        {"true": "A", "predicted": "B", "count": 2, "fraction_of_true": pytest.approx(2 / 6)},
        {"true": "C", "predicted": "A", "count": 1, "fraction_of_true": pytest.approx(1 / 4)},
    ]
    assert (svm["n_train"], svm["n_test"], svm["C"], svm["cv"]) == (35, 12, 1.0, [])


def overlapping(n_classes: int = 4, per_class: int = 30, dim: int = 20, seed: int = 0):
    """Classes that overlap (a linear SVM gets some wrong), non-negative like ReLU features."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 1.0, size=(n_classes, dim))
    x = np.abs(np.concatenate([c + rng.normal(size=(per_class, dim)) for c in centres]))
    labels = np.repeat(CLASSES[:n_classes], per_class)
    split = np.tile(["train"] * (per_class * 2 // 3) + ["test"] * (per_class // 3), n_classes)
    return x.astype(np.float32), labels, split


def test_the_solver_reaches_liblinears_solution() -> None:
    """The same problem as LinearSVC (OvR, squared hinge, penalised intercept): weights agree
    to 1 % of their size and every prediction is the same, at each C of the default grid (the
    hinge loss, or an unpenalised intercept, would differ by far more)."""
    from sklearn.svm import LinearSVC

    x, labels, _ = overlapping()
    x = l2_normalise(x)
    for c in (0.1, 1.0, 10.0):
        ours = fit_linear_svm(x, labels, c)
        ref = LinearSVC(C=c, tol=1e-10, max_iter=1_000_000).fit(x.astype(np.float64), labels)
        scale = np.abs(ref.coef_).max()
        assert np.abs(ours.weights - ref.coef_.T).max() < 1e-2 * scale, c
        assert np.abs(ours.intercepts - ref.intercept_).max() < 1e-2 * scale, c
        assert (ours.predict(x) == ref.predict(x)).all(), c


def test_confusion_matrix_and_mean_per_class_accuracy_equal_scikit_learns() -> None:
    """The SVM job's scores without scikit-learn: its confusion_matrix (labels in a given order,
    classes nobody predicted) and balanced_accuracy_score, bit for bit."""
    from sklearn.metrics import balanced_accuracy_score, confusion_matrix

    rng = np.random.default_rng(1)
    names = np.array(CLASSES[:5])
    truth = names[rng.integers(0, 5, 200)]
    kept = (rng.random(200) < 0.6) & (truth != names[4])
    predicted = np.where(kept, truth, names[rng.integers(0, 4, 200)])  # never the last
    order = list(names[::-1])
    cm = confusion_counts(truth, predicted, order)
    assert cm.dtype == np.int64 and cm[:, 0].sum() == 0  # nobody predicted the first
    assert cm.tolist() == confusion_matrix(truth, predicted, labels=order).tolist()
    x, labels, split = overlapping(n_classes=5)
    svm, cm = svm_scores(x, labels, split, svm_c=1.0)
    assert 0 < np.trace(cm) < cm.sum()  # some wrong
    classes = svm["classes"]
    pairs = [(classes[i], classes[j]) for i, j in np.ndindex(cm.shape) for _ in range(cm[i, j])]
    truth, predicted = (np.array(side) for side in zip(*pairs, strict=True))
    assert svm["mean_per_class_accuracy"] == balanced_accuracy_score(truth, predicted)


def test_c_is_chosen_by_seeded_stratified_cv_on_the_train_split_only() -> None:
    """The cross-validated accuracy of each C equals scikit-learn's cross_val_score with
    StratifiedKFold(shuffle, the seed) on the L2-normalised train rows; the test rows, however
    changed, do not move the choice."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.svm import LinearSVC

    x, labels, split = overlapping()
    svm, _ = svm_scores(x, labels, split, None, (0.01, 1.0, 100.0), cv_folds=3, seed=5)
    train = split == "train"
    xt = l2_normalise(x[train]).astype(np.float64)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=5)
    for row in svm["cv"]:
        model = LinearSVC(C=row["C"], tol=1e-10, max_iter=1_000_000)
        expected = cross_val_score(model, xt, labels[train], cv=folds)
        assert row["folds"] == pytest.approx(expected.tolist(), abs=1e-12), row
    best = max(svm["cv"], key=lambda r: r["cv_accuracy"])
    assert svm["C"] == best["C"] and "3-fold" in svm["C_chosen_by"]
    scrambled = x.copy()
    scrambled[~train] = np.random.default_rng(1).permutation(scrambled[~train])
    again, _ = svm_scores(scrambled, labels, split, None, (0.01, 1.0, 100.0), 3, 5)
    assert again["cv"] == svm["cv"] and again["C"] == svm["C"]


def test_features_are_l2_normalised_before_the_svm() -> None:
    """Scaling each image's features by its own factor changes nothing."""
    x, labels, split = overlapping()
    factors = np.random.default_rng(2).uniform(0.1, 50.0, size=(len(x), 1)).astype(np.float32)
    a, _ = svm_scores(x, labels, split, 1.0)
    b, _ = svm_scores(x * factors, labels, split, 1.0)
    assert a["confusion_matrix"] == b["confusion_matrix"]
    assert a["accuracy"] < 1.0  # the classes overlap: the check means something


def test_too_many_folds_for_the_smallest_class_is_named() -> None:
    x, labels, split = overlapping(per_class=6)  # 4 training images a class
    with pytest.raises(ValueError, match="cv_folds = 5 but a class has only 4 training"):
        svm_scores(x, labels, split, None, (1.0,), cv_folds=5)


# --- t-SNE ------------------------------------------------------------------------------------


def test_exact_kl_divergence_equals_a_dense_computation() -> None:
    x = blobs(n_classes=3, per_class=20, dim=8)[0]
    p = perplexity_affinities(x, perplexity=5, seed=0).P
    coords = np.random.default_rng(1).normal(size=(60, 2))
    dense_p = p.toarray()
    d2 = ((coords[:, None, :] - coords[None, :, :]) ** 2).sum(-1)
    w = 1.0 / (1.0 + d2)
    np.fill_diagonal(w, 0.0)
    q = w / w.sum()
    nz = dense_p > 0
    expected = float((dense_p[nz] * np.log(dense_p[nz] / q[nz])).sum())
    assert exact_kl_divergence(p, coords, chunk=7) == pytest.approx(expected, rel=1e-10)


def test_tsne_is_deterministic_and_its_kl_is_sound() -> None:
    x = blobs(n_classes=3, per_class=30)[0]
    first = tsne_embed(x, perplexity=10, seed=7)
    again = tsne_embed(x, perplexity=10, seed=7)
    assert first.coords.shape == (90, 2)
    assert np.array_equal(first.coords, again.coords)
    p = perplexity_affinities(x, perplexity=10, seed=7).P
    assert first.kl_divergence == pytest.approx(exact_kl_divergence(p, first.coords), rel=1e-12)
    # the exact KL agrees with the library's own (approximate) figure
    assert first.kl_divergence == pytest.approx(first.kl_divergence_reported, rel=0.05)
    other = tsne_embed(x, perplexity=10, seed=8)
    assert not np.array_equal(first.coords, other.coords)


# --- the three rules: files, plots, determinism -----------------------------------------------


def test_the_rules_write_every_file_with_the_expected_values(analysed: tuple[Path, Path]) -> None:
    import openTSNE

    out, _ = analysed
    assert sorted(p.name for p in out.iterdir()) == FILES  # no temporary leftovers
    for name in ("tsne.png", "confusion.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    km = json.loads((out / "kmeans.json").read_text(encoding="utf-8"))
    assert (km["classes"], km["n_samples"], km["seed"]) == (CLASSES[:4], 160, 3)
    assert km["nmi"] == pytest.approx(1.0)
    svm = json.loads((out / "svm.json").read_text(encoding="utf-8"))
    assert (svm["accuracy"], svm["n_train"], svm["n_test"]) == (1.0, 120, 40)
    assert list(svm["per_class_accuracy"]) == CLASSES[:4]
    tsne = json.loads((out / "tsne.json").read_text(encoding="utf-8"))
    assert tsne["method"] == "opentsne-bh"
    assert tsne["implementation"] == f"openTSNE {openTSNE.__version__}, Barnes-Hut gradient"
    assert (tsne["perplexity"], tsne["seed"], tsne["n_samples"], tsne["n_features"]) == (
        20,
        3,
        160,
        64,
    )
    x, labels, _ = blobs(n_classes=6, per_class=40)
    rows = x[np.isin(labels, CLASSES[:4])]
    p = perplexity_affinities(rows, 20, 3).P
    again = tsne_embed(rows, 20, 3)
    assert np.array_equal(again.coords, tsne_embed(rows, 20, 3).coords)  # seeded
    assert tsne["kl_divergence"] == pytest.approx(exact_kl_divergence(p, again.coords), rel=1e-12)


def test_plots_are_valid_svg_with_class_names_in_the_legend(analysed: tuple[Path, Path]) -> None:
    out, _ = analysed
    texts = svg_texts(out / "tsne.svg")
    for cls in CLASSES[:4]:
        assert cls in texts, (cls, texts)
    assert not set(CLASSES[4:]) & set(texts)
    assert set(CLASSES[:4]) <= set(svg_texts(out / "confusion.svg"))
    assert "<dc:date>" not in (out / "tsne.svg").read_text(encoding="utf-8")


def test_untrained_weights_are_noted_everywhere(analysed: tuple[Path, Path]) -> None:
    out, _ = analysed
    note = f"weights: {RANDOM_WEIGHTS}: features of an untrained network, not learnt ones"
    for name in ("tsne.json", "kmeans.json", "svm.json"):
        info = json.loads((out / name).read_text(encoding="utf-8"))
        assert (info["weights"], info["note"]) == (RANDOM_WEIGHTS, note)
    for name in ("tsne.svg", "confusion.svg"):  # the title may wrap the note over two lines
        assert f"[{note}]" in " ".join(" ".join(svg_texts(out / name)).split()), name
    assert untrained_note("imagenet") is None
    assert untrained_note(None) is None
    assert untrained_note("Untrained, He init") is not None


def test_same_seed_gives_identical_files(analysed: tuple[Path, Path]) -> None:
    a, b = analysed
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def module_imports(path: Path) -> set[str]:
    """The modules a file imports at its top (what a job pays for when it starts; an import
    inside a function only when called), read from the source: `from a.b import c` gives a.b
    and a.b.c."""
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_jobs_that_need_no_scikit_learn_do_not_import_it() -> None:
    """The t-SNE and SVM (the project's own solvers) and retrieval jobs import only what they use:
    scikit-learn (through SciPy's statistics) costs a job about 3 CPU-seconds at its start. The
    scripts' imports are followed through the package's modules, from the source."""
    package = ROOT / "src"
    for script in ("tsne_images", "svm_images", "retrieve_images"):
        seen: set[str] = set()
        todo = [ROOT / "workflow/scripts" / f"{script}.py"]
        while todo:
            for name in module_imports(todo.pop()) - seen:
                seen.add(name)
                module = package.joinpath(*name.split("."))
                for path in (module.with_suffix(".py"), module / "__init__.py"):
                    if name.startswith("embedlab") and path.exists():
                        todo.append(path)
        assert "embedlab.images.analysis.subset" in seen, (script, sorted(seen))
        sklearn = sorted(name for name in seen if name.split(".")[0] == "sklearn")
        assert not sklearn, f"{script} imports {sklearn} at its start"


# --- errors -----------------------------------------------------------------------------------


def test_fewer_than_two_classes_is_an_error() -> None:
    x = np.zeros((10, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="at least 2 classes"):
        kmeans_scores(x, np.array(["a"] * 10), seed=0)


def test_a_class_without_training_samples_is_named() -> None:
    x, labels, split = blobs(n_classes=3, per_class=8)
    split = split.copy()
    split[labels == "bakery"] = "test"
    with pytest.raises(ValueError, match=r"no training samples: \['bakery'\]"):
        svm_scores(x, labels, split)


def test_perplexity_too_large_says_the_maximum() -> None:
    with pytest.raises(ValueError, match=r"too large for 100 points: the maximum allowed is 33"):
        check_perplexity(40, 100)
    check_perplexity(33, 100)
    with pytest.raises(ValueError, match="at least 1"):
        check_perplexity(0.5, 100)
    with pytest.raises(ValueError, match="maximum allowed is 53"):
        tsne_embed(blobs()[0], perplexity=60, seed=0)


def test_bad_inputs_are_refused() -> None:
    x = np.zeros((4, 2), dtype=np.float32)
    paths = np.array(["p"] * 4)

    def embeddings(rows: np.ndarray, labels: list[str], split: list[str]) -> ImageEmbeddings:
        return ImageEmbeddings(rows, np.array(labels), paths[: len(labels)], np.array(split), {})

    with pytest.raises(ValueError, match="'train' or 'test', found \\['val'\\]"):
        embeddings(x, ["a", "a", "b", "b"], ["train", "val", "test", "test"])
    with pytest.raises(ValueError, match="4 embeddings but 3 labels, 3 paths and 4 split"):
        embeddings(x, ["a", "a", "b"], ["train"] * 4)
    with pytest.raises(ValueError, match="NaN"):
        embeddings(x + np.nan, ["a"] * 4, ["train"] * 4)
    with pytest.raises(ValueError, match="unknown t-SNE method"):
        tsne_embed(blobs()[0], 10, 0, method="umap")


def test_fewer_rows_than_columns_solve_in_the_thin_row_space_basis() -> None:
    """With N rows < D + 1 columns, Rotated keeps only the N directions of the row space (thin
    SVD) instead of the (D + 1) x (D + 1) eigenbasis; weights, intercepts and predictions equal
    those solved in the full eigenbasis (built here as Rotated builds it for N >= D + 1) and
    liblinear's, and the thin curvatures lam are the full basis's N largest eigenvalues."""
    from sklearn.svm import LinearSVC

    from embedlab.images.analysis.svm import Rotated

    x, labels, _ = overlapping(n_classes=3, per_class=10, dim=200)
    x = l2_normalise(x)
    n = len(x)
    thin = Rotated(x)
    assert thin.q.shape == (201, n) and thin.z.shape == (n, n) and thin.lam.shape == (n,)
    assert np.abs(thin.q.T @ thin.q - np.eye(n)).max() < 1e-5
    full = Rotated(x)
    xt = np.hstack([x, np.ones((n, 1), np.float32)])
    lam, q = np.linalg.eigh((xt.T @ xt).astype(np.float64))
    full.lam, full.q = np.maximum(lam, 0.0), q.astype(np.float32)
    full.z = xt @ full.q
    assert np.sort(thin.lam) == pytest.approx(full.lam[-n:], abs=1e-6 * full.lam.max())
    probe = l2_normalise(np.abs(np.random.default_rng(3).normal(size=(200, 200))))
    for c in (0.1, 1.0, 10.0):
        ours = fit_linear_svm(x, labels, c, rotated=thin)
        other = fit_linear_svm(x, labels, c, rotated=full)
        ref = LinearSVC(C=c, tol=1e-10, max_iter=1_000_000).fit(x.astype(np.float64), labels)
        scale = np.abs(ref.coef_).max()
        assert np.abs(ours.weights - other.weights).max() < 1e-3 * scale, c
        assert np.abs(ours.intercepts - other.intercepts).max() < 1e-3 * scale, c
        assert (ours.predict(probe) == other.predict(probe)).all(), c
        assert np.abs(ours.weights - ref.coef_.T).max() < 1e-3 * scale, c
        assert np.abs(ours.intercepts - ref.intercept_).max() < 1e-3 * scale, c
        assert (ours.predict(x) == ref.predict(x)).all(), c
        assert (ours.predict(probe) == ref.predict(probe)).all(), c
