"""Image classification as published for CNN features on MIT-67 (Razavian et al. 2014, "CNN
Features off-the-shelf: an Astounding Baseline for Recognition", CVPR workshops): L2-normalised
features, a linear SVM, C chosen by seeded stratified cross-validation on the training split only;
accuracy, mean per-class accuracy (the figure the papers quote), per-class accuracy and the most
confused class pairs on the test split.

The SVM is liblinear's default problem (scikit-learn's ``LinearSVC``): one-vs-rest, squared hinge
loss, L2 penalty, the intercept as one more (penalised) feature of value 1. It is solved for all
classes at once by L-BFGS on the primal, preconditioned in the eigenbasis of the training rows
(:class:`Rotated`); a step costs two matrix products (BLAS, every core) instead of liblinear's
one-class-at-a-time coordinate descent on one core: at MIT-67 size (12,500 x 4096, 67 classes)
one liblinear fit takes about a minute here, and the C search needs ten fits. Along the C grid
each fit starts from the previous solution. ``bench/analysis_mit67.py solvers`` compares accuracy
and time with liblinear and libsvm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize

from embedlab.images.analysis.subset import check_classes

SVM_DESCRIPTION = (
    "linear SVM, one-vs-rest, squared hinge loss, L2 penalty (liblinear's LinearSVC problem), "
    "all classes at once by L-BFGS on the primal"
)
SVM_PROTOCOL = (
    "Razavian et al. 2014: L2-normalised features, linear SVM, C by stratified cross-validation "
    "on the training split only"
)
MAX_ITER = 1000
# stop when the largest gradient entry is below TOL x its value at zero: the weights then agree
# with liblinear's solution (tol 1e-10) to 1 % of their largest entry, and so do predictions
# (tests/images/test_analysis.py)
TOL = 1e-5


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit Euclidean length (all-zero rows stay zero), float32."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def _targets(labels: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """+1 for the row's class, -1 for every other class: [N, K] float32."""
    y = -np.ones((len(labels), len(classes)), dtype=np.float32)
    index = {c: i for i, c in enumerate(classes)}
    y[np.arange(len(labels)), [index[c] for c in labels.tolist()]] = 1.0
    return y


@dataclass
class LinearOvR:
    """Weights [D, K], intercepts [K] and the class order."""

    weights: np.ndarray
    intercepts: np.ndarray
    classes: list[str]
    iterations: int

    def decision(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, np.float32) @ self.weights + self.intercepts

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.classes)[np.argmax(self.decision(x), axis=1)]


class Rotated:
    """The training rows with a column of ones (liblinear's intercept), in the eigenbasis of
    their Gram matrix: z = [x, 1] Q with [x, 1]^T [x, 1] = Q diag(lam) Q^T.

    With fewer rows (N) than columns (D + 1) Q keeps only the N directions of the row space,
    from the thin SVD [x, 1] = U diag(s) V^T (Q = V, lam = s^2): the solution lies there (the
    other directions see only the penalty, so their weights are zero), and N x (D + 1) costs far
    less than a (D + 1) x (D + 1) eigendecomposition (4096-d features of a few dozen images).

    A rotation keeps |w| and every score, so the problem is the same; but there L-BFGS can be
    preconditioned by a diagonal, sqrt(1 + 2 C s lam), an estimate of the curvature along each
    direction (s: the share of margin violators), which cuts its iterations about threefold on
    L2-normalised CNN features, whose directions differ in scale by orders of magnitude. Built
    once per training split and shared by every fold and every C of the search.
    """

    ACTIVE_SHARE = 0.1

    def __init__(self, x: np.ndarray) -> None:
        x = np.asarray(x, dtype=np.float32)
        ones = np.ones((len(x), 1), dtype=np.float32)
        xt = np.hstack([x, ones])
        if len(xt) < xt.shape[1]:
            _, s, vt = np.linalg.svd(xt.astype(np.float64), full_matrices=False)
            lam, q = s**2, vt.T
        else:
            lam, q = np.linalg.eigh((xt.T @ xt).astype(np.float64))
        self.lam = np.maximum(lam, 0.0)
        self.q = q.astype(np.float32)
        self.z = xt @ self.q

    def solve(
        self, rows: np.ndarray | slice, y: np.ndarray, c: float, start: np.ndarray | None = None
    ) -> tuple[np.ndarray, int]:
        """Rotated weights u [len(lam), K] minimising sum_k 0.5 |u_k|^2 + C sum_i over `rows`
        max(0, 1 - y_ik z_i . u_k)^2, from `start` (a neighbouring C's solution) or zero."""
        if c <= 0:
            raise ValueError(f"C must be positive, got {c}")
        scale = 1.0 / np.sqrt(1.0 + 2.0 * c * self.ACTIVE_SHARE * self.lam)
        z = self.z[rows] * scale.astype(np.float32)
        d1, k = z.shape[1], y.shape[1]

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            v = theta.reshape(d1, k)
            active = np.maximum(1.0 - y * (z @ v.astype(np.float32)), 0.0)
            loss = 0.5 * float(((v * scale[:, None]) ** 2).sum())
            loss += c * float(np.square(active, dtype=np.float64).sum())
            grad = v * (scale**2)[:, None] + (z.T @ ((-2.0 * c) * y * active)).astype(np.float64)
            return loss, grad.ravel()

        g0 = np.abs(objective(np.zeros(d1 * k))[1]).max()
        v0 = np.zeros(d1 * k) if start is None else (start / scale[:, None]).ravel()
        result = minimize(
            objective,
            v0,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": MAX_ITER, "gtol": TOL * g0, "ftol": 1e-12, "maxcor": 20},
        )
        return result.x.reshape(d1, k) * scale[:, None], int(result.nit)

    def model(self, u: np.ndarray, classes: list[str], iterations: int) -> LinearOvR:
        w = self.q.astype(np.float64) @ u
        return LinearOvR(w[:-1].astype(np.float32), w[-1].astype(np.float32), classes, iterations)


def fit_linear_svm(
    x: np.ndarray,
    labels: np.ndarray,
    c: float,
    classes: Sequence[str] | None = None,
    rotated: Rotated | None = None,
) -> LinearOvR:
    """Minimise sum_k 0.5 |w_k|^2 + C sum_i max(0, 1 - y_ik (x_i . w_k + b_k))^2 (b penalised
    like a weight, as liblinear does with intercept_scaling 1). `rotated`: `Rotated(x)`, when
    the caller already has it."""
    classes = sorted(set(labels.tolist())) if classes is None else list(classes)
    rotated = Rotated(x) if rotated is None else rotated
    u, iterations = rotated.solve(slice(None), _targets(labels, classes), c)
    return rotated.model(u, classes, iterations)


def stratified_folds(labels: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    """Held-out rows of each fold: scikit-learn's StratifiedKFold, shuffled with `seed`."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [test for _, test in splitter.split(np.zeros(len(labels)), labels)]


def choose_c(
    x: np.ndarray,
    labels: np.ndarray,
    grid: Sequence[float],
    folds: int,
    seed: int,
    rotated: Rotated | None = None,
    progress: Any = None,
) -> tuple[float, list[dict[str, Any]]]:
    """C of the best mean cross-validated accuracy on (x, labels) (the training split); ties go
    to the smaller C. Returns it and one row per C (mean and per-fold accuracy). Each fold goes
    through the grid from the smallest C, each fit starting from the previous one's solution.
    `progress(message)` is called after each fit."""
    counts = np.unique(labels, return_counts=True)[1]
    if counts.min() < folds:
        raise ValueError(
            f"analysis.svm.cv_folds = {folds} but a class has only {counts.min()} training "
            f"images; set analysis.svm.cv_folds to at most {counts.min()} (at least 2)"
        )
    classes = sorted(set(labels.tolist()))
    rotated = Rotated(x) if rotated is None else rotated
    order = sorted(grid)
    scores = np.zeros((len(order), folds))
    for f, held in enumerate(stratified_folds(labels, folds, seed)):
        train = np.ones(len(labels), bool)
        train[held] = False
        rows = np.flatnonzero(train)
        u = None
        for i, c in enumerate(order):
            u, iterations = rotated.solve(rows, _targets(labels[rows], classes), c, u)
            predicted = np.asarray(classes)[np.argmax(rotated.z[held] @ u, axis=1)]
            scores[i, f] = float(np.mean(predicted == labels[held]))
            if progress:
                progress(
                    f"fold {f + 1}/{folds}, C {c:g}: accuracy {scores[i, f]:.4f} "
                    f"({iterations} iterations)"
                )
    means = scores.mean(axis=1)
    best = order[int(np.argmax(means))]
    rows_out = [
        {"C": float(c), "cv_accuracy": float(means[i]), "folds": scores[i].tolist()}
        for i, c in enumerate(order)
    ]
    return float(best), rows_out


def confused_pairs(cm: np.ndarray, classes: Sequence[str], top: int = 10) -> list[dict[str, Any]]:
    """The `top` off-diagonal cells with the most test images (true -> predicted), largest first
    (ties: in class order)."""
    off = [
        (int(cm[i, j]), i, j)
        for i in range(len(classes))
        for j in range(len(classes))
        if i != j and cm[i, j] > 0
    ]
    off.sort(key=lambda t: (-t[0], t[1], t[2]))
    support = cm.sum(axis=1)
    return [
        {
            "true": classes[i],
            "predicted": classes[j],
            "count": n,
            "fraction_of_true": float(n / support[i]),
        }
        for n, i, j in off[:top]
    ]


def per_class_rows(cm: np.ndarray, classes: Sequence[str]) -> list[list[object]]:
    """class, test images, correct, accuracy (recall of that class), most frequent wrong guess."""
    rows: list[list[object]] = []
    for i, c in enumerate(classes):
        support = int(cm[i].sum())
        wrong = cm[i].copy()
        wrong[i] = 0
        guess = classes[int(np.argmax(wrong))] if wrong.sum() else ""
        acc = float(cm[i, i] / support) if support else float("nan")
        rows.append([c, support, int(cm[i, i]), f"{acc:.4f}", guess])
    return rows


def confusion_counts(
    truth: np.ndarray, predicted: np.ndarray, classes: Sequence[str]
) -> np.ndarray:
    """The confusion matrix: test images of class i (row) predicted as class j (column), in the
    order of `classes` (scikit-learn's confusion_matrix with labels=classes)."""
    index = {c: i for i, c in enumerate(classes)}
    cm = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(cm, ([index[c] for c in truth.tolist()], [index[c] for c in predicted.tolist()]), 1)
    return cm


# --- the protocol's scores ------------------------------------------------------------------------


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
    x: np.ndarray,
    labels: np.ndarray,
    split: np.ndarray,
    svm_c: float | None = None,
    c_grid: Sequence[float] = (0.1, 1.0, 10.0),
    cv_folds: int | None = 3,
    seed: int = 0,
    progress: Any = None,
) -> tuple[dict[str, Any], np.ndarray]:
    """The published protocol (this module's docstring): L2-normalised features,
    linear SVM trained on the train split with C fixed (`svm_c`) or chosen from `c_grid` by seeded
    stratified `cv_folds`-fold cross-validation on the train split only (`cv_folds` None: only with
    `svm_c`), scored on the test split. Returns the scores and the confusion matrix (rows: true
    class, columns: predicted)."""
    classes = check_classes(labels)
    _check_split(labels, split, classes)
    if svm_c is not None and svm_c <= 0:
        raise ValueError(f"analysis.svm.C must be positive, got {svm_c}")
    train, test = split == "train", split == "test"
    features = l2_normalise(x)
    rotated = Rotated(features[train])
    cv: list[dict[str, Any]] = []
    if svm_c is None:
        if cv_folds is None:
            raise ValueError("analysis.svm.C is null: cv_folds must be given to choose it")
        svm_c, cv = choose_c(
            features[train], labels[train], c_grid, cv_folds, seed, rotated, progress
        )
    model = fit_linear_svm(features[train], labels[train], svm_c, classes, rotated)
    predicted = model.predict(features[test])
    truth = labels[test]
    cm = confusion_counts(truth, predicted, classes)
    per_class = per_class_rows(cm, classes)
    scores = {
        "classifier": SVM_DESCRIPTION,
        "protocol": SVM_PROTOCOL,
        "C": float(svm_c),
        "C_chosen_by": f"{cv_folds}-fold stratified CV on the train split, seed {seed}"
        if cv
        else "analysis.svm.C",
        "cv": cv,
        "features": "L2-normalised rows",
        "solver_iterations": model.iterations,
        "n_train": int(train.sum()),
        "n_test": int(test.sum()),
        "classes": classes,
        "accuracy": float(np.trace(cm) / cm.sum()),
        # balanced accuracy: the mean of the per-class recalls (every class has test images)
        "mean_per_class_accuracy": float(np.mean(np.diag(cm) / cm.sum(axis=1))),
        "per_class_accuracy": {row[0]: float(row[3]) for row in per_class},  # type: ignore[arg-type]
        "most_confused": confused_pairs(cm, classes),
        "confusion_matrix": cm.tolist(),
        "confusion_matrix_axes": "rows: true class, columns: predicted class (order of classes)",
    }
    return scores, cm
