"""Analysis of an embedding space: a t-SNE map, KMeans against the labels, a linear SVM.

Input is an HDF5 file with datasets ``embeddings`` float32 [N, D], ``labels`` [N], ``paths`` [N]
and ``split`` [N] ("train"/"test"), and an optional attribute ``weights``. When ``weights`` says
the network was random (untrained), every plot title and JSON carries a note saying so: a map or a
score of random features must never be mistaken for one of learnt features.

``analyse`` writes, each atomically (temporary name, then rename), into ``out_dir``:

    tsne.png, tsne.svg       t-SNE map coloured by class, legend = class names
    tsne.json                implementation, KL divergence, parameters
    kmeans.json              NMI and ARI of KMeans (k = number of classes) after PCA
    svm.json                 linear SVM: accuracy, mean per-class accuracy, per-class figures
    confusion.png/.svg       the SVM's confusion matrix on the test split

Everything random takes ``seed``; the same inputs and parameters give byte-identical JSON and SVG
(and PNG with the same matplotlib/freetype build).
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import scipy.sparse as sp
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import (
    adjusted_rand_score,
    balanced_accuracy_score,
    confusion_matrix,
    normalized_mutual_info_score,
    precision_recall_fscore_support,
)
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from embedlab.atomic import atomic_output

# --- t-SNE settings shared by every implementation, so that their KL divergences compare --------
# scikit-learn's defaults: 250 iterations of early exaggeration 12, then 750 more (max_iter=1000).
EARLY_EXAGGERATION_ITER = 250
N_ITER = 750
# Chosen by bench/tsne.py on this machine: fastest at equal KL divergence (see README of bench).
DEFAULT_TSNE_METHOD = "opentsne-bh"
TSNE_WHY = "fastest at equal KL divergence in bench/tsne.py on this machine"
# KMeans restarts: fixed, so that the result depends only on the seed.
KMEANS_N_INIT = 10
SVM_DESCRIPTION = "sklearn.svm.SVC(kernel='linear'), one-vs-one, libsvm"
SVM_WHY = (
    "exact hinge-loss SVM (libsvm's dual solver): no convergence warnings or random coordinate "
    "order as with LinearSVC's liblinear when D (4096) >> N, and cheap at this N"
)
# Fixed salt: matplotlib otherwise derives SVG element ids from a random salt.
_RC = {"svg.hashsalt": "embedlab", "svg.fonttype": "none", "figure.dpi": 100}
_DPI = 150


@dataclass(frozen=True)
class EmbeddingSet:
    """The arrays of one embedding file (or a subset of it) and the network's weights note."""

    embeddings: np.ndarray
    labels: np.ndarray
    split: np.ndarray
    weights: str | None = None

    def __post_init__(self) -> None:
        n = self.embeddings.shape[0]
        if self.embeddings.ndim != 2:
            raise ValueError(f"embeddings must be 2-D [N, D], got shape {self.embeddings.shape}")
        if len(self.labels) != n or len(self.split) != n:
            raise ValueError(
                f"{n} embeddings but {len(self.labels)} labels and {len(self.split)} split values"
            )
        unknown = sorted(set(np.unique(self.split).tolist()) - {"train", "test"})
        if unknown:
            raise ValueError(f"split values must be 'train' or 'test', found {unknown}")
        if not np.isfinite(self.embeddings).all():
            raise ValueError("embeddings contain NaN or infinite values")


# --- input ------------------------------------------------------------------------------------


def _strings(values: Any) -> np.ndarray:
    """HDF5 strings arrive as bytes or str depending on how they were written; make them str."""
    return np.array([v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values])


def load_embeddings(h5_path: str | os.PathLike[str]) -> EmbeddingSet:
    """Read ``embeddings``, ``labels``, ``split`` and the ``weights`` attribute of an HDF5 file."""
    with h5py.File(h5_path, "r") as f:
        missing = [name for name in ("embeddings", "labels", "split") if name not in f]
        if missing:
            raise ValueError(f"{h5_path} lacks dataset(s) {missing}")
        weights = f.attrs.get("weights")
        return EmbeddingSet(
            embeddings=np.asarray(f["embeddings"][()], dtype=np.float32),
            labels=_strings(f["labels"][()]),
            split=_strings(f["split"][()]),
            weights=None if weights is None else _strings([weights])[0],
        )


def untrained_note(weights: str | None) -> str | None:
    """A note for titles and JSON when the features come from an untrained (random) network."""
    if weights and ("random" in weights.lower() or "untrained" in weights.lower()):
        return f"weights: {weights}: features of an untrained network, not learnt ones"
    return None


def select_classes(labels: Sequence[str] | np.ndarray, n_labels: int | None) -> list[str]:
    """The first ``n_labels`` classes in sorted order (the lab used 5); all when None.

    Sorted order rather than order of appearance so that the choice does not depend on how the
    files happened to be listed.
    """
    classes = sorted(set(np.asarray(labels).tolist()))
    if n_labels is None:
        return classes
    if n_labels < 2:
        raise ValueError(f"n_labels must be at least 2 (or None for all), got {n_labels}")
    if n_labels > len(classes):
        raise ValueError(f"n_labels={n_labels} but the data hold only {len(classes)} classes")
    return classes[:n_labels]


def subset(data: EmbeddingSet, classes: Sequence[str]) -> EmbeddingSet:
    """The rows whose label is in ``classes``, in file order."""
    keep = np.isin(data.labels, list(classes))
    return EmbeddingSet(data.embeddings[keep], data.labels[keep], data.split[keep], data.weights)


def _check_classes(labels: np.ndarray) -> list[str]:
    classes = sorted(set(labels.tolist()))
    if len(classes) < 2:
        raise ValueError(f"need at least 2 classes to analyse, got {len(classes)}: {classes}")
    return classes


# --- t-SNE ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TSNEResult:
    """2-D coordinates and how they were obtained."""

    coords: np.ndarray
    method: str
    implementation: str
    kl_divergence: float
    kl_divergence_reported: float
    perplexity: float
    seed: int


def max_perplexity(n_samples: int) -> float:
    """t-SNE needs about 3 x perplexity neighbours per point, so perplexity <= (N - 1) / 3."""
    return (n_samples - 1) / 3


def check_perplexity(perplexity: float, n_samples: int) -> None:
    """Refuse a perplexity the data cannot support instead of letting a library lower it."""
    if perplexity < 1:
        raise ValueError(f"perplexity must be at least 1, got {perplexity}")
    top = max_perplexity(n_samples)
    if perplexity > top:
        raise ValueError(
            f"perplexity {perplexity:g} is too large for {n_samples} points: "
            f"the maximum allowed is {top:g} ((N - 1) / 3)"
        )


def perplexity_affinities(x: np.ndarray, perplexity: float, seed: int, n_jobs: int = 1) -> Any:
    """openTSNE affinities: symmetric P (sum 1) from the exact 3 x perplexity neighbours.

    Exact neighbours rather than openTSNE's default Annoy index: at the N of this lab they cost
    well under a second, are deterministic whatever the thread count, and match scikit-learn.
    """
    from openTSNE.affinity import PerplexityBasedNN

    x = np.ascontiguousarray(x, dtype=np.float64)
    return PerplexityBasedNN(
        x, perplexity=perplexity, method="exact", n_jobs=n_jobs, random_state=seed
    )


def exact_kl_divergence(p: sp.spmatrix, coords: np.ndarray, chunk: int = 1024) -> float:
    """KL(P || Q) with the exact Q (Student-t, dof 1) of the final coordinates.

    Each implementation reports its own approximation of the KL divergence (Barnes-Hut or FFT
    estimate of the normaliser), so their figures do not compare exactly; this one does. Computed
    in row chunks (memory O(chunk x N)) with numpy's deterministic summation.
    """
    y = np.asarray(coords, dtype=np.float64)
    z = 0.0
    sq = (y**2).sum(axis=1)
    for start in range(0, len(y), chunk):
        block = y[start : start + chunk]
        d2 = sq[start : start + chunk, None] + sq[None, :] - 2.0 * block @ y.T
        w = 1.0 / (1.0 + np.maximum(d2, 0.0))
        w[np.arange(len(block)), np.arange(start, start + len(block))] = 0.0
        z += float(w.sum())
    p = sp.coo_matrix(p)
    mask = p.data > 0
    rows, cols, pij = p.row[mask], p.col[mask], p.data[mask]
    w_ij = 1.0 / (1.0 + ((y[rows] - y[cols]) ** 2).sum(axis=1))
    return float(np.sum(pij * (np.log(pij) - np.log(w_ij))) + np.log(z) * pij.sum())


def _opentsne(
    x: np.ndarray, perplexity: float, seed: int, n_jobs: int, gradient: str
) -> tuple[np.ndarray, float, sp.csr_matrix]:
    import openTSNE

    affinities = perplexity_affinities(x, perplexity, seed, n_jobs)
    tsne = openTSNE.TSNE(
        perplexity=perplexity,
        early_exaggeration_iter=EARLY_EXAGGERATION_ITER,
        n_iter=N_ITER,
        negative_gradient_method=gradient,
        n_jobs=n_jobs,
        random_state=seed,
    )
    embedding = tsne.fit(x, affinities=affinities)
    return np.asarray(embedding, dtype=np.float64), float(embedding.kl_divergence), affinities.P


def _sklearn_bh(
    x: np.ndarray, perplexity: float, seed: int, n_jobs: int
) -> tuple[np.ndarray, float, sp.csr_matrix | None]:
    from sklearn.manifold import TSNE

    tsne = TSNE(
        perplexity=perplexity,
        max_iter=EARLY_EXAGGERATION_ITER + N_ITER,
        init="pca",
        method="barnes_hut",
        random_state=seed,
        n_jobs=n_jobs,
    )
    coords = tsne.fit_transform(x)
    return np.asarray(coords, dtype=np.float64), float(tsne.kl_divergence_), None


_TSNE_METHODS: dict[str, Callable[..., tuple[np.ndarray, float, sp.csr_matrix | None]]] = {
    "opentsne-bh": lambda x, perp, seed, n_jobs: _opentsne(x, perp, seed, n_jobs, "bh"),
    "opentsne-fft": lambda x, perp, seed, n_jobs: _opentsne(x, perp, seed, n_jobs, "fft"),
    "sklearn-bh": _sklearn_bh,
}
TSNE_METHODS = tuple(_TSNE_METHODS)


def _implementation(method: str) -> str:
    if method.startswith("opentsne"):
        import openTSNE

        gradient = {"opentsne-bh": "Barnes-Hut", "opentsne-fft": "FFT"}[method]
        return f"openTSNE {openTSNE.__version__}, {gradient} gradient"
    import sklearn

    return f"scikit-learn {sklearn.__version__} TSNE, Barnes-Hut gradient"


def fit_tsne(
    x: np.ndarray, perplexity: float, seed: int, method: str = DEFAULT_TSNE_METHOD, n_jobs: int = 1
) -> tuple[np.ndarray, float, sp.csr_matrix | None]:
    """Only the fit (what bench/tsne.py times): coordinates, the library's own KL, and P if known.

    All methods use PCA initialisation, perplexity-based affinities on exact neighbours, early
    exaggeration 12 for 250 iterations and 750 more iterations, so they differ only in how the
    gradient is approximated.
    """
    if method not in _TSNE_METHODS:
        raise ValueError(f"unknown t-SNE method {method!r}; choose one of {TSNE_METHODS}")
    x = np.ascontiguousarray(x, dtype=np.float32 if method == "sklearn-bh" else np.float64)
    check_perplexity(perplexity, len(x))
    return _TSNE_METHODS[method](x, perplexity, seed, n_jobs)


def tsne_embed(
    x: np.ndarray, perplexity: float, seed: int, method: str = DEFAULT_TSNE_METHOD, n_jobs: int = 1
) -> TSNEResult:
    """Seeded t-SNE to 2-D plus the exact KL divergence of the result (comparable across methods).

    The coordinates do not depend on ``n_jobs``: every parallel loop computes one point's forces.
    """
    coords, reported, p = fit_tsne(x, perplexity, seed, method, n_jobs)
    if p is None:
        p = perplexity_affinities(x, perplexity, seed, n_jobs).P
    return TSNEResult(
        coords=coords,
        method=method,
        implementation=_implementation(method),
        kl_divergence=exact_kl_divergence(p, coords),
        kl_divergence_reported=reported,
        perplexity=float(perplexity),
        seed=seed,
    )


# --- plots ------------------------------------------------------------------------------------


def _title(text: str, note: str | None, width: int = 64) -> str:
    """The plot's title, with the untrained-network note (wrapped to fit) when there is one."""
    return f"{text}\n{textwrap.fill(f'[{note}]', width)}" if note else text


def _styles(n: int) -> list[tuple[Any, str]]:
    """Colour and marker per class: tab10 up to 10 classes, else tab20 x 4 markers (80 styles).

    A qualitative palette with markers rather than a continuous colour map, whose neighbouring
    hues (and both ends of 'hsv') cannot be told apart at 67 classes.
    """
    from matplotlib import colormaps

    if n <= 10:
        return [(colormaps["tab10"](i), "o") for i in range(n)]
    markers = "os^D"
    return [(colormaps["tab20"](i % 20), markers[(i // 20) % len(markers)]) for i in range(n)]


def save_figure(fig: Figure, png: str | os.PathLike[str], svg: str | os.PathLike[str]) -> None:
    """PNG and SVG without dates or version strings, so equal inputs give equal bytes."""
    import matplotlib

    with matplotlib.rc_context(_RC):
        FigureCanvasAgg(fig)
        with atomic_output(png) as tmp:
            fig.savefig(tmp, format="png", dpi=_DPI, metadata={"Software": None})
        with atomic_output(svg) as tmp:
            fig.savefig(tmp, format="svg", metadata={"Date": None, "Creator": None})


def plot_tsne(
    coords: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str],
    title: str,
    png: str | os.PathLike[str],
    svg: str | os.PathLike[str],
) -> None:
    """Scatter of the 2-D map, one style per class, legend (25 names a column) beside the axes."""
    ncol = 1 + (len(classes) - 1) // 25
    width = max(len(c) for c in classes)
    fig = Figure(figsize=(6.5 + ncol * (0.6 + 0.065 * width), 6.5))
    ax = fig.add_subplot()
    for cls, (colour, marker) in zip(classes, _styles(len(classes)), strict=True):
        pts = coords[labels == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=8, color=colour, marker=marker, label=cls, linewidths=0)
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, markerscale=2, ncol=ncol)
    fig.tight_layout()
    save_figure(fig, png, svg)


def plot_confusion(
    cm: np.ndarray,
    classes: Sequence[str],
    title: str,
    png: str | os.PathLike[str],
    svg: str | os.PathLike[str],
) -> None:
    """Row-normalised confusion matrix (rows: true class), with counts written in small grids."""
    k = len(classes)
    rows = cm.sum(axis=1, keepdims=True)
    frac = np.divide(cm, rows, out=np.zeros(cm.shape, dtype=float), where=rows > 0)
    size = max(6.5, 0.22 * k + 3)
    fig = Figure(figsize=(size, size))
    ax = fig.add_subplot()
    im = ax.imshow(frac, vmin=0, vmax=1, cmap="Blues")
    ax.set_xticks(range(k), classes, rotation=90, fontsize=8 if k <= 20 else 5)
    ax.set_yticks(range(k), classes, fontsize=8 if k <= 20 else 5)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if k <= 20:
        for i in range(k):
            for j in range(k):
                colour = "white" if frac[i, j] > 0.5 else "black"
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7, color=colour)
    fig.colorbar(im, ax=ax, fraction=0.046, label="fraction of true class")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    save_figure(fig, png, svg)


# --- KMeans -----------------------------------------------------------------------------------


def kmeans_scores(
    x: np.ndarray, labels: np.ndarray, seed: int, pca_components: int | None = 100
) -> dict[str, Any]:
    """KMeans with k = number of classes after PCA; NMI and ARI against the labels.

    PCA first because Euclidean KMeans in 4096-d is slow and dominated by noise directions; the
    component count is capped at min(N, D) so small inputs still work.
    """
    classes = _check_classes(labels)
    n, d = x.shape
    if pca_components is not None and pca_components < 1:
        raise ValueError(f"pca_components must be at least 1 (or None), got {pca_components}")
    used = min(n, d) if pca_components is None else min(pca_components, n, d)
    pca = PCA(n_components=used, random_state=seed)
    reduced = pca.fit_transform(np.asarray(x, dtype=np.float64))
    km = KMeans(n_clusters=len(classes), n_init=KMEANS_N_INIT, random_state=seed)
    clusters = km.fit_predict(reduced)
    return {
        "n_samples": int(n),
        "n_features": int(d),
        "n_classes": len(classes),
        "classes": classes,
        "pca_components_requested": pca_components,
        "pca_components": int(used),
        "pca_explained_variance_ratio": float(pca.explained_variance_ratio_.sum()),
        "kmeans_k": len(classes),
        "kmeans_n_init": KMEANS_N_INIT,
        "seed": seed,
        "nmi": float(normalized_mutual_info_score(labels, clusters)),
        "ari": float(adjusted_rand_score(labels, clusters)),
    }


# --- linear SVM -------------------------------------------------------------------------------


def _check_split(labels: np.ndarray, split: np.ndarray, classes: list[str]) -> None:
    for part in ("train", "test"):
        present = set(labels[split == part].tolist())
        empty = [c for c in classes if c not in present]
        if empty:
            raise ValueError(
                f"class(es) with no {part}ing samples: {empty}; every class needs both "
                "train and test samples for the SVM"
            )


def svm_scores(
    x: np.ndarray, labels: np.ndarray, split: np.ndarray, svm_c: float = 1.0
) -> tuple[dict[str, Any], np.ndarray]:
    """Linear SVM on standardised features, trained on the train split, scored on the test split.

    The scaler is fit on the training rows only, so nothing about the test rows leaks into the
    model. Returns the scores and the confusion matrix (rows: true class, columns: predicted).
    """
    classes = _check_classes(labels)
    _check_split(labels, split, classes)
    if svm_c <= 0:
        raise ValueError(f"svm_C must be positive, got {svm_c}")
    train, test = split == "train", split == "test"
    scaler = StandardScaler().fit(x[train])
    model = SVC(kernel="linear", C=svm_c).fit(scaler.transform(x[train]), labels[train])
    predicted = model.predict(scaler.transform(x[test]))
    truth = labels[test]
    cm = confusion_matrix(truth, predicted, labels=classes)
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=classes, zero_division=0
    )
    scores = {
        "classifier": SVM_DESCRIPTION,
        "why": SVM_WHY,
        "C": float(svm_c),
        "standardised": "StandardScaler fit on the train split only",
        "n_train": int(train.sum()),
        "n_test": int(test.sum()),
        "classes": classes,
        "accuracy": float(np.trace(cm) / cm.sum()),
        "mean_per_class_accuracy": float(balanced_accuracy_score(truth, predicted)),
        "per_class": {
            c: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, c in enumerate(classes)
        },
        "confusion_matrix": cm.tolist(),
        "confusion_matrix_axes": "rows: true class, columns: predicted class (order of classes)",
    }
    return scores, cm


# --- the whole analysis -----------------------------------------------------------------------


def write_json(obj: Any, path: str | os.PathLike[str]) -> None:
    """Indented UTF-8 JSON with a final newline, written atomically; NaN is an error."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def analyse_set(
    data: EmbeddingSet,
    out_dir: str | os.PathLike[str],
    n_labels: int | None = 5,
    perplexity: float = 30.0,
    pca_components: int | None = 100,
    svm_C: float = 1.0,  # the lab's name for the SVM's C
    seed: int = 0,
    tsne_method: str = DEFAULT_TSNE_METHOD,
    n_jobs: int = 1,
) -> dict[str, Path]:
    """``analyse`` on arrays already in memory; returns the path of each file written.

    All parameters are checked before the first (slow) step so a bad value fails at once.
    """
    out = Path(out_dir)
    classes = select_classes(data.labels, n_labels)
    data = subset(data, classes)
    _check_classes(data.labels)
    _check_split(data.labels, data.split, classes)
    check_perplexity(perplexity, len(data.labels))
    note = untrained_note(data.weights)
    common = {"weights": data.weights, "note": note}
    paths = {
        name: out / name
        for name in (
            "tsne.png",
            "tsne.svg",
            "tsne.json",
            "kmeans.json",
            "svm.json",
            "confusion.png",
            "confusion.svg",
        )
    }

    svm, cm = svm_scores(data.embeddings, data.labels, data.split, svm_C)
    write_json({**svm, **common}, paths["svm.json"])
    title = f"Linear SVM (C={svm_C:g}) on the test split\naccuracy {svm['accuracy']:.3f}, "
    title += f"mean per-class accuracy {svm['mean_per_class_accuracy']:.3f}"
    plot_confusion(cm, classes, _title(title, note), paths["confusion.png"], paths["confusion.svg"])

    km = kmeans_scores(data.embeddings, data.labels, seed, pca_components)
    write_json({**km, **common}, paths["kmeans.json"])

    ts = tsne_embed(data.embeddings, perplexity, seed, tsne_method, n_jobs)
    title = f"t-SNE of {len(data.labels)} points, perplexity {perplexity:g}\n{ts.implementation}"
    plot_tsne(
        ts.coords, data.labels, classes, _title(title, note), paths["tsne.png"], paths["tsne.svg"]
    )
    tsne_info = {
        "method": ts.method,
        "implementation": ts.implementation,
        "why": TSNE_WHY if ts.method == DEFAULT_TSNE_METHOD else "chosen by the caller",
        "kl_divergence": ts.kl_divergence,
        "kl_divergence_note": "exact KL(P||Q) of the final map; P from exact 3*perplexity NN",
        "kl_divergence_reported": round(ts.kl_divergence_reported, 6),
        "perplexity": ts.perplexity,
        "early_exaggeration_iter": EARLY_EXAGGERATION_ITER,
        "n_iter": N_ITER,
        "init": "pca",
        "seed": seed,
        "n_samples": len(data.labels),
        "n_features": int(data.embeddings.shape[1]),
        "classes": classes,
    }
    write_json({**tsne_info, **common}, paths["tsne.json"])
    return paths


def analyse(
    h5_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    n_labels: int | None = 5,
    perplexity: float = 30.0,
    pca_components: int | None = 100,
    svm_C: float = 1.0,  # the lab's name for the SVM's C
    seed: int = 0,
    tsne_method: str = DEFAULT_TSNE_METHOD,
    n_jobs: int = 1,
) -> dict[str, Path]:
    """Read an embedding file and write the t-SNE map, KMeans and SVM results into ``out_dir``.

    ``n_jobs`` is for the t-SNE (pass Snakemake's ``threads``); results do not depend on it.
    """
    return analyse_set(
        load_embeddings(h5_path),
        out_dir,
        n_labels=n_labels,
        perplexity=perplexity,
        pca_components=pca_components,
        svm_C=svm_C,
        seed=seed,
        tsne_method=tsne_method,
        n_jobs=n_jobs,
    )


def load_subset(
    h5_path: str | os.PathLike[str], n_labels: int | None
) -> tuple[EmbeddingSet, list[str], str | None]:
    """The rows of the first `n_labels` classes (all when None), those classes, and the
    untrained-network note: what every analysis rule starts from."""
    data = load_embeddings(h5_path)
    classes = select_classes(data.labels, n_labels)
    return subset(data, classes), classes, untrained_note(data.weights)
