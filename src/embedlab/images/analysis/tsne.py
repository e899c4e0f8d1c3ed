"""t-SNE of embedding rows: three implementations at equal settings, and an exact KL divergence.

Every method uses PCA initialisation, perplexity-based affinities on exact neighbours, early
exaggeration 12 for 250 iterations and 750 more iterations, so they differ only in how the
gradient is approximated; :func:`exact_kl_divergence` scores their maps on the same footing
(``bench/tsne.py`` compares them). Everything random takes ``seed``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from embedlab.images.analysis.settings import max_perplexity

# scikit-learn's defaults: 250 iterations of early exaggeration 12, then 750 more (max_iter=1000).
EARLY_EXAGGERATION_ITER = 250


N_ITER = 750


# Chosen by bench/tsne.py on this machine: fastest at equal KL divergence.
DEFAULT_TSNE_METHOD = "opentsne-bh"


TSNE_WHY = "fastest at equal KL divergence in bench/tsne.py on this machine"


# From this many points on, the FFT gradient (O(N)) beats Barnes-Hut (O(N log N)); openTSNE's
# own "auto" rule uses the same bound.
FFT_FROM = 10_000


def method_for(n_samples: int) -> str:
    """The t-SNE method the pipeline uses for `n_samples` points."""
    return "opentsne-fft" if n_samples >= FFT_FROM else DEFAULT_TSNE_METHOD


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


def tsne_record(result: TSNEResult, n_features: int, classes: Sequence[str]) -> dict[str, Any]:
    """What tsne.json says about a map: implementation, exact and reported KL, settings."""
    return {
        "method": result.method,
        "implementation": result.implementation,
        "why": TSNE_WHY
        if result.method == DEFAULT_TSNE_METHOD
        else f"FFT gradient from {FFT_FROM} points on (openTSNE's own rule)"
        if result.method == "opentsne-fft"
        else "chosen by the caller",
        "kl_divergence": result.kl_divergence,
        "kl_divergence_note": "exact KL(P||Q) of the final map; P from exact 3*perplexity NN",
        "kl_divergence_reported": round(result.kl_divergence_reported, 6),
        "perplexity": result.perplexity,
        "early_exaggeration_iter": EARLY_EXAGGERATION_ITER,
        "n_iter": N_ITER,
        "init": "pca",
        "seed": result.seed,
        "n_samples": len(result.coords),
        "n_features": int(n_features),
        "classes": list(classes),
    }
