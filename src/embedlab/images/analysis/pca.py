"""PCA before t-SNE and before the Projector's image embeddings."""

from __future__ import annotations

import numpy as np


def pca_reduce(x: np.ndarray, components: int | None, seed: int) -> tuple[np.ndarray, float]:
    """The first `components` principal components of `x` (None: `x` itself) and the fraction
    of variance they keep; t-SNE runs on them (its neighbours are dominated by noise directions
    in 4096-d, and the affinities cost O(N D))."""
    if components is None:
        return np.asarray(x, dtype=np.float64), 1.0
    from sklearn.decomposition import PCA

    pca = PCA(n_components=components, random_state=seed, svd_solver="randomized")
    reduced = pca.fit_transform(np.asarray(x, dtype=np.float32))
    return np.asarray(reduced, dtype=np.float64), float(pca.explained_variance_ratio_.sum())
