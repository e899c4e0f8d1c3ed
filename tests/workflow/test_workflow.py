"""End-to-end runs of the real Snakemake workflow on the tiny test config."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from embedlab.common.tables import read_tsv
from embedlab.neighbors.exact import exact_neighbors
from embedlab.vectors.read import read_glove_text, read_vectors
from embedlab.vectors.store import read_neighbors, read_store
from tests.helpers import (
    DEFAULT_CONFIG,
    IMAGE_SIDE,
    PUBLISHED_STORE,
    SECOND_MODEL,
    TINY_STORES,
    copy_tiny_models,
    dry_run_counts,
    job_counts,
    snakemake,
)
from tests.httpserver import FileServer, Served

pytestmark = pytest.mark.slow


@pytest.fixture
def workdir(tmp_path: Path, tiny_glove: Path) -> Path:
    copy_tiny_models(tiny_glove, tmp_path)
    return tmp_path


WORD_SIDE = {  # per store
    "parse_vectors": 1,
    "neighbors_merge": 1,
    "sample_neighbors": 1,
    "answer_queries": 1,
    "evaluate_analogy_benchmark": 1,
    "score_similarity": 1,
    "map_words": 1,
    "export_projector_words": 1,
}


def word_side(stores: int, chunks: int) -> dict[str, int]:
    """Jobs of the word side for `stores` stores (and the one comparison across them)."""
    counts = {rule: n * stores for rule, n in WORD_SIDE.items()}
    return {**counts, "neighbors_chunk": chunks * stores, "compare_models": 1}


def test_dry_run_dag_of_default_config(tmp_path: Path) -> None:
    assert dry_run_counts(tmp_path, configfile=DEFAULT_CONFIG) == {
        "all": 1,
        "write_bundled_glove": 1,
        **word_side(1, chunks=4),
        **IMAGE_SIDE,
        "extract_vgg16": 2,  # the schema's default images.shards
    }


def test_tiny_config_end_to_end(tiny_finished: Path) -> None:
    workdir = tiny_finished  # read only
    counts = job_counts((workdir.parent / "snakemake.out").read_text())
    assert counts == {"all": 1, **word_side(len(TINY_STORES), chunks=3), **IMAGE_SIDE}
    store = read_store(workdir / "results/vectors/glove.tiny.h5")
    parsed = read_glove_text(workdir / "glove.tiny.txt")
    assert store.words == parsed.words and len(store) == 3000
    assert store.vectors.tobytes() == parsed.vectors.tobytes()
    assert store.attrs["source"] == "glove.tiny.txt"
    log = (workdir / "logs/vectors/parse_vectors_glove.tiny.log").read_text()
    assert "3000 words x 50" in log
    # the second model: its own store, from its own file
    second = read_store(workdir / "results/vectors/tiny25.h5")
    assert second.words == parsed.words[:2000] and second.dim == 25
    assert second.vectors.tobytes() == read_vectors(workdir / SECOND_MODEL)[0].vectors.tobytes()
    # every job has its log and its benchmark file
    for rule in {**word_side(2, 3), **IMAGE_SIDE}:
        assert list((workdir / "logs").rglob(f"{rule}*.log")), rule
        assert list((workdir / "benchmarks").rglob(f"{rule}*.tsv")), rule
    # no temporary file of the atomic writer is left anywhere
    assert [p for p in workdir.rglob(".*.tmp")] == []

    # neighbours: the three chunk jobs together equal one pass over the whole matrix
    index, _, attrs = read_neighbors(workdir / "results/neighbors/glove.tiny.h5")
    assert index.shape == (3000, 5) and attrs["metric"] == "cosine"
    assert np.array_equal(index, exact_neighbors(parsed.vectors, 5)[1])
    rows = read_tsv(workdir / "results/neighbors/glove.tiny.tsv")
    assert len(rows) == 3000 and rows[0]["word"] == "the"
    sample = {r["word"]: r for r in read_tsv(workdir / "results/neighbors/glove.tiny.sample.tsv")}
    assert list(sample) == ["king", "queen", "the"]  # the unknown sample word is left out
    assert sample["king"]["neighbor_1"] == "prince"

    queries = read_tsv(workdir / "results/analogy/glove.tiny/queries.tsv")
    first = {
        r["method"]: r["word"]
        for r in queries
        if r["query"] == "king - man + woman" and r["rank"] == "1"
    }
    assert first == {"3CosAdd": "queen", "3CosMul": "queen", "lab": "king"}
    unknown = [r for r in queries if r["query"].endswith("unknownword")]
    assert len(unknown) == 3 and all(r["note"] == "not in vocabulary: unknownword" for r in unknown)

    google = {r["section"]: r for r in read_tsv(workdir / "results/analogy/glove.tiny/google.tsv")}
    assert len(google) == 17 and google["total"]["questions"] == "19544"
    assert int(google["total"]["seen"]) == sum(int(google[s]["seen"]) for s in list(google)[:14])
    assert (workdir / "results/analogy/glove.tiny/google.png").read_bytes()[:4] == b"\x89PNG"
    similarity = read_tsv(workdir / "results/similarity/glove.tiny.tsv")
    assert [r["benchmark"] for r in similarity] == ["wordsim353", "simlex999"]
    assert all(0 < float(r["coverage"]) < 1 for r in similarity)

    # the image side: 10 digit classes x 4 images, random (untrained) VGG16, fc2
    images = workdir / "results/images/digits"
    with h5py.File(images / "embeddings.h5") as f:
        assert f["embeddings"].shape == (40, 4096)
        assert "untrained" in f.attrs["weights"]
    assert read_tsv(images / "skipped.tsv") == []
    for subset, n_classes in (("first", 3), ("all", 10)):
        kmeans = json.loads((images / f"analysis/{subset}/kmeans.json").read_text())
        svm = json.loads((images / f"analysis/{subset}/svm.json").read_text())
        tsne = json.loads((images / f"analysis/{subset}/tsne.json").read_text())
        assert kmeans["n_classes"] == n_classes == len(tsne["classes"])
        assert "untrained" in svm["note"] and "untrained" in kmeans["note"]
        assert (images / f"analysis/{subset}/tsne.png").read_bytes()[:4] == b"\x89PNG"


def strings(values: np.ndarray) -> np.ndarray:
    return np.array([v.decode() if isinstance(v, bytes) else str(v) for v in values])


@pytest.mark.parametrize("subset", ["first", "all"])
def test_image_scores_equal_an_independent_scikit_learn_computation(
    tiny_finished: Path, subset: str
) -> None:
    """KMeans NMI/ARI and SVM accuracy, recomputed here from embeddings.h5 with scikit-learn and
    the parameters of the tiny config (the schema's defaults where it sets none)."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import (
        adjusted_rand_score,
        balanced_accuracy_score,
        confusion_matrix,
        normalized_mutual_info_score,
    )
    from sklearn.preprocessing import normalize
    from sklearn.svm import LinearSVC

    images = tiny_finished / "results/images/digits"
    with h5py.File(images / "embeddings.h5", "r") as f:
        x = f["embeddings"][()].astype(np.float64)
        labels, split = strings(f["labels"][()]), strings(f["split"][()])
    classes = sorted(set(labels.tolist()))
    assert len(classes) == 10 and x.shape == (40, 4096)
    keep = np.isin(labels, classes[:3] if subset == "first" else classes)  # analysis.n_labels: 3
    x, labels, split = x[keep], labels[keep], split[keep]
    kmeans = json.loads((images / f"analysis/{subset}/kmeans.json").read_text())
    svm = json.loads((images / f"analysis/{subset}/svm.json").read_text())

    # KMeans (k = classes, 10 restarts, seed analysis.seed = 0) after PCA to
    # min(analysis.kmeans.pca_components = 100, N, D) components
    components = min(100, *x.shape)
    assert (kmeans["seed"], kmeans["pca_components"]) == (0, components)
    assert kmeans["n_samples"] == len(x) == (12 if subset == "first" else 40)
    reduced = PCA(n_components=components, random_state=0).fit_transform(x)
    clusters = KMeans(n_clusters=len(set(labels)), n_init=10, random_state=0).fit_predict(reduced)
    assert kmeans["nmi"] == pytest.approx(normalized_mutual_info_score(labels, clusters), abs=1e-9)
    assert kmeans["ari"] == pytest.approx(adjusted_rand_score(labels, clusters), abs=1e-9)

    # linear SVM (liblinear's problem) on L2-normalised features, C from analysis.svm.C_grid
    # (chosen by cross-validation), trained on the train split, scored on the test split
    train, test = split == "train", split == "test"
    assert svm["C"] in (0.1, 1.0, 10.0) and len(svm["cv"]) == 3
    model = LinearSVC(C=svm["C"], tol=1e-10, max_iter=1_000_000)
    predicted = model.fit(normalize(x[train]), labels[train]).predict(normalize(x[test]))
    assert svm["n_train"] == train.sum() and svm["n_test"] == test.sum()
    assert svm["accuracy"] == pytest.approx(np.mean(predicted == labels[test]), abs=1e-12)
    assert svm["mean_per_class_accuracy"] == pytest.approx(
        balanced_accuracy_score(labels[test], predicted), abs=1e-12
    )
    confusion = confusion_matrix(labels[test], predicted, labels=sorted(set(labels)))
    assert svm["confusion_matrix"] == confusion.tolist()


def test_bad_line_fails_the_job_and_leaves_no_store(workdir: Path) -> None:
    with open(workdir / "glove.tiny.txt", "a") as fh:
        fh.write("broken 1 2 3\n")
    # --keep-incomplete: Snakemake keeps what a failed job wrote, so only the job's own atomic
    # writing can keep a half-written store away
    target = "results/vectors/glove.tiny.h5"
    out = snakemake(workdir, target, "--keep-incomplete", check=False)
    assert out.returncode != 0
    log = (workdir / "logs/vectors/parse_vectors_glove.tiny.log").read_text()
    assert "glove.tiny.txt:3001: expected 50 values after the word, found 3" in log
    assert list((workdir / "results").rglob("*")) in ([], [workdir / "results/vectors"])
    config = workdir / "skip.yaml"
    skip = {"sources": [{"source": "glove.tiny.txt"}], "on_bad_line": "skip"}
    config.write_text(yaml.safe_dump({"vectors": skip}))
    snakemake(workdir, target, configfile=config)
    assert len(read_store(workdir / target)) == 3000
    assert [p.name for p in (workdir / "results/vectors").iterdir()] == ["glove.tiny.h5"]


def test_url_source_downloads_extracts_and_parses(tmp_path: Path, tiny_glove: Path) -> None:
    archive = tmp_path / "served.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(tiny_glove, "glove.test/glove.test.50d.txt")
    body = archive.read_bytes()
    work = tmp_path / "work"
    work.mkdir()
    with FileServer() as server:
        server.files["/glove.test.zip"] = Served(body, drop_after=len(body) // 2, drops_left=1)
        config = work / "url.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "vectors": {
                        "sources": [
                            {
                                "source": server.url("/glove.test.zip"),
                                "dims": [50],
                                "checksum": "md5:" + hashlib.md5(body).hexdigest(),
                            }
                        ]
                    }
                }
            )
        )
        out = snakemake(work, "results/vectors/glove.test.50d.h5", configfile=config)
    counts = job_counts(out.stdout + out.stderr)
    assert counts == {"download_vectors": 1, "extract_vectors": 1, "parse_vectors": 1}
    assert (work / "resources/vectors/glove.test.50d.txt").read_bytes() == tiny_glove.read_bytes()
    store = read_store(work / "results/vectors/glove.test.50d.h5")
    assert len(store) == 3000 and store.words[:2] == ["the", ","]
    log = work / "logs/vectors/download_vectors_glove.test.zip.log"
    assert "resuming" in log.read_text()


# a config file's problems, through Snakemake (every message: tests/common/test_config.py and
# tests/vectors/test_sources.py; --config values: tests/common/test_config.py)
@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"vectors": {"source": "bundled"}},
            "unknown key vectors.source (known: sources, on_bad_line)",
        ),
        ({"vectors": {"sources": [{"source": "x", "dims": "50"}]}}, "dims = '50': must be a list"),
        ({"vectors": {"sources": [{"source": "bundled", "dims": [100]}]}}, "only the 50d vectors"),
    ],
)
def test_bad_config_stops_before_any_job(tmp_path: Path, config: dict, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    out = snakemake(tmp_path, "--dry-run", configfile=path, check=False)
    assert out.returncode != 0
    assert message in out.stdout + out.stderr
    assert not (tmp_path / "results").exists()


def test_default_config_writes_the_published_file(published: Path) -> None:
    """What `make run` does first: the bundled vectors, written byte-identical and parsed
    exactly (tests/conftest.py: published; the rest of `make run` is timed by bench/)."""
    text = published / "resources/vectors/glove.6B.50d.txt"
    assert text.stat().st_size == 171_350_079
    published_sha256 = "d8f717f8dd4b545cb7f418ef9f3d0c3e6e68a6f48b97d32f8b7aae40cb31f96f"
    with open(text, "rb") as fh:  # hashed here, not taken from the code's table or attribute
        assert hashlib.file_digest(fh, "sha256").hexdigest() == published_sha256
    store = read_store(published / PUBLISHED_STORE)
    assert store.attrs["source_sha256"] == published_sha256
    assert store.vectors.shape == (400_000, 50)
    assert store.words[14798] == "nan" and np.isfinite(store.vectors).all()
    counts = job_counts((published.parent / "published.out").read_text())
    assert counts == {"write_bundled_glove": 1, "parse_vectors": 1}
