"""Faults: retried jobs, jobs that keep failing, and a Snakemake process killed mid-run.

Faults are injected through environment variables that only embedlab.joblog reads (see there).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from embedlab.joblog import FAIL_ALWAYS, FAIL_ONCE, SLOW
from tests.conftest import ROOT
from tests.test_workflow import SNAKEMAKE, job_counts, snakemake

pytestmark = pytest.mark.slow
NEIGHBOR_FILES = [
    "results/neighbors/glove.tiny.h5",
    "results/neighbors/glove.tiny.tsv",
    "results/neighbors/glove.tiny.sample.tsv",
    *(f"results/neighbors/glove.tiny/chunk_{i}.h5" for i in range(3)),
]


@pytest.fixture
def copy(tiny_finished: Path, tmp_path: Path) -> Path:
    work = tmp_path / "work"
    shutil.copytree(tiny_finished, work, symlinks=True)
    return work


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def with_env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def command(work: Path, *args: str) -> list[str]:
    config = str(ROOT / ".test/config/config.yaml")
    return [SNAKEMAKE, "--snakefile", str(ROOT / "Snakefile"), "--directory", str(work),
            "--configfile", config, "--cores", "2", *args]  # fmt: skip


def run(work: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cmd = command(work, *args)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)


def test_a_job_that_fails_once_is_retried(copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "failed-once"
    env = with_env(**{FAIL_ONCE: f"answer_queries:{marker}"})
    out = run(copy, "--forcerun", "answer_queries", "--retries", "1", env=env)
    assert out.returncode == 0, out.stderr
    assert marker.exists()  # the first attempt did fail
    assert "InjectedFault" in out.stdout + out.stderr
    assert (copy / "results/analogy/glove.tiny/queries.tsv").exists()


def test_a_job_that_keeps_failing_stops_the_run(copy: Path) -> None:
    env = with_env(**{FAIL_ALWAYS: "neighbors_merge"})
    out = run(copy, "--forcerun", "neighbors_merge", "--retries", "1", env=env)
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert "logs/neighbors/neighbors_merge_glove.tiny.log" in text
    assert "InjectedFault" in (copy / "logs/neighbors/neighbors_merge_glove.tiny.log").read_text()
    assert not (copy / "results/neighbors/glove.tiny.h5").exists()  # no output left looking done
    # the next run redoes the merge and everything after it
    counts = job_counts(snakemake(copy, "--dry-run").stdout)
    assert counts == {"all": 1, "neighbors_merge": 1, "sample_neighbors": 1}


def test_killed_run_finishes_on_rerun_with_identical_results(
    copy: Path, tiny_finished: Path
) -> None:
    for name in NEIGHBOR_FILES:
        (copy / name).unlink()
    env = with_env(**{SLOW: "neighbors_chunk:6"})
    proc = subprocess.Popen(
        command(copy),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    logs = copy / "logs/neighbors"
    deadline = time.monotonic() + 120
    while not list(logs.glob("neighbors_chunk_*.log")) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    os.killpg(proc.pid, signal.SIGKILL)  # Snakemake and its running jobs die at once
    proc.wait()
    assert not (copy / "results/neighbors/glove.tiny.h5").exists()
    assert run(copy, "--unlock", env=with_env()).returncode == 0
    out = run(copy, env=with_env())
    assert out.returncode == 0, out.stderr
    for name in NEIGHBOR_FILES:
        assert sha256(copy / name) == sha256(tiny_finished / name), name
