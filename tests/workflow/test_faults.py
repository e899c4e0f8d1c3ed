"""Faults: a retried job, a job that keeps failing, and Snakemake killed inside an output write,
on copies of the session's run of the tiny config (tests/conftest.py: tiny_finished).

The faults are injected from the test side only: tests/faults/sitecustomize.py, put on the
PYTHONPATH of the Snakemake process (and so of every job it starts), intercepts the rename with
which embedlab.common.atomic publishes a finished output, in the job of one rule (see its
docstring).
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

from tests.helpers import (
    FAULTS,
    dry_run_counts,
    job_counts,
    snakemake,
    start_snakemake,
    tree_digests,
)

pytestmark = pytest.mark.slow
NEIGHBOR_FILES = [
    "results/neighbors/glove.tiny.h5",
    "results/neighbors/glove.tiny.tsv",
    "results/neighbors/glove.tiny.sample.tsv",
    *(f"results/neighbors/glove.tiny/chunk_{i}.h5" for i in range(3)),
]
KILL_TIMEOUT_S = 240


@pytest.fixture
def copy(tiny_finished: Path, tmp_path: Path) -> Path:
    work = tmp_path / "work"
    shutil.copytree(tiny_finished, work, symlinks=True)  # keeps mtimes and .snakemake metadata
    return work


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(work: Path, *args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    """The tiny config in `work`; with `fault`, tests/faults is on the PYTHONPATH and the fault
    in EMBEDLAB_FAULT."""
    faulty = {"env": {"EMBEDLAB_FAULT": fault}, "pythonpath": (FAULTS,)} if fault else {}
    return snakemake(work, *args, check=False, **faulty)


def temporary_files(work: Path) -> list[Path]:
    """Files of embedlab.common.atomic's naming scheme (hidden `.<name>.tmp`) under results/."""
    return sorted((work / "results").rglob(".*.tmp"))


def test_a_job_that_fails_once_is_retried(copy: Path, tiny_finished: Path, tmp_path: Path) -> None:
    """Jobs whose outputs nothing else reads (the Projector folders of both models), so that the
    retry is all that runs again; the first attempt to reach its write fails."""
    marker = tmp_path / "failed-once"
    folder = "results/projector/words"
    out = run(
        copy,
        "--forcerun",
        "export_projector_words",
        "--retries",
        "1",
        fault=f"fail-once:export_projector_words:{marker}",
    )
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    # the first attempt failed inside its write, after the data had reached the temporary file
    assert "tensors.bytes" in marker.read_text() and " 0 bytes" not in marker.read_text()
    assert "InjectedFault" in text and "Trying to restart job" in text
    assert job_counts(text) == {"all": 1, "export_projector_words": 2}
    assert tree_digests(copy / folder) == tree_digests(tiny_finished / folder)
    assert temporary_files(copy) == []


def test_a_job_that_keeps_failing_stops_the_run(copy: Path) -> None:
    # --keep-incomplete: Snakemake keeps whatever a failed job left, so only the job's own atomic
    # writing keeps a half-written output away
    out = run(
        copy,
        "--forcerun",
        "neighbors_merge",
        "--retries",
        "1",
        "--keep-incomplete",
        fault="fail:neighbors_merge",
    )
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "logs/neighbors/neighbors_merge_glove.tiny.log" in text
    log = (copy / "logs/neighbors/neighbors_merge_glove.tiny.log").read_text()
    # both attempts got as far as publishing the finished temporary file, and were refused
    assert "InjectedFault: rule neighbors_merge: rename of" in log
    # both stores of the tiny config, each tried twice
    assert text.count("Error in rule neighbors_merge:") == 4, text
    assert not (copy / "results/neighbors/glove.tiny.h5").exists()  # no output left looking done
    assert not (copy / "results/neighbors/glove.tiny.tsv").exists()
    assert temporary_files(copy) == []
    # the next run redoes both stores' merges and what follows them, and nothing else
    assert dry_run_counts(copy) == {"all": 1, "neighbors_merge": 2, "sample_neighbors": 2}


def test_killed_inside_a_write_finishes_on_rerun_with_identical_results(
    copy: Path, tiny_finished: Path, tmp_path: Path
) -> None:
    """Snakemake and its jobs are SIGKILLed while neighbors_merge is writing its output: the
    chunk jobs have finished and are kept, the merge is redone, and the results are identical
    to an uninterrupted run."""
    for name in NEIGHBOR_FILES:
        (copy / name).unlink()
    reached = tmp_path / "reached"
    proc = start_snakemake(  # its own process group: Snakemake and every job it started
        copy,
        env={"EMBEDLAB_FAULT": f"block:neighbors_merge:{reached}"},
        pythonpath=(FAULTS,),
    )
    try:
        deadline = time.monotonic() + KILL_TIMEOUT_S
        while not reached.exists():
            assert proc.poll() is None, f"snakemake exited ({proc.returncode}) before the write"
            assert time.monotonic() < deadline, "neighbors_merge never reached its write"
            time.sleep(0.1)
        _pid, temporary, size = reached.read_text().splitlines()
        # the job is inside its write: the temporary file holds data, the output does not exist
        assert (copy / temporary).stat().st_size == int(size) > 0
        assert not (copy / "results/neighbors/glove.tiny.h5").exists()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # Snakemake and its running jobs die at once
        proc.wait()
    assert not (copy / "results/neighbors/glove.tiny.h5").exists()
    assert (copy / ".snakemake/locks").exists() and any((copy / ".snakemake/locks").iterdir())

    unlock = run(copy, "--unlock")
    assert unlock.returncode == 0, unlock.stderr
    # finished jobs are kept (the three chunks), the interrupted one and what follows are redone
    assert dry_run_counts(copy) == {"all": 1, "neighbors_merge": 1, "sample_neighbors": 1}
    out = run(copy)
    assert out.returncode == 0, out.stdout + out.stderr
    assert job_counts(out.stdout + out.stderr) == {
        "all": 1,
        "neighbors_merge": 1,
        "sample_neighbors": 1,
    }
    for name in NEIGHBOR_FILES:
        assert sha256(copy / name) == sha256(tiny_finished / name), name
    assert temporary_files(copy) == []
    assert dry_run_counts(copy) == {}
