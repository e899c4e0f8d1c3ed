"""KMeans on an image-embedding space, after PCA: NMI and ARI of the clusters against the classes
(scikit-learn's KMeans, PCA and scores), on the rows that
:func:`embedlab.images.analysis.subset.load_analysis` read. The seed fixes every random choice;
equal inputs give equal bytes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from embedlab.images.analysis.subset import check_classes

# KMeans restarts: fixed, so that the result depends only on the seed.
KMEANS_N_INIT = 10


def kmeans_scores(
    x: np.ndarray, labels: np.ndarray, seed: int, pca_components: int | None = 100
) -> dict[str, Any]:
    """KMeans with k = number of classes after PCA; NMI and ARI against the labels.

    PCA first because Euclidean KMeans in 4096-d is slow and dominated by noise directions; the
    component count is capped at min(N, D) so small inputs still work.
    """
    classes = check_classes(labels)
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
