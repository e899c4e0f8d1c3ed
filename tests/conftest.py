"""Fixtures: the test data, and what several tests read that is built once per test session —
also when pytest-xdist runs the session in several workers (`make test` does): the first worker
to need one builds it under a file lock in the session's shared temporary folder, the others
wait for it and reuse it.

- `published`: `make run`'s first step, the default config's store of the bundled GloVe 6B 50d
  (the published text file is written on the way: `bundled_text`);
- `tiny_finished`: a complete run of the tiny config (.test/config/config.yaml), the results
  the report, exploration, model and rerun tests read;
- `mini_finished`: a complete run of the mini config (.test/config/mini.yaml), every rule on the
  smallest inputs, by a project that uses the workflow as a module (the module test checks
  it; the SLURM test runs the same config through SLURM and compares);
- `report`, `zip_report`: the tiny run's report, both forms; `mini_report`: the mini run's;
  `browser`: headless Chromium.

The tiers: `make check` runs the tests not marked `slow`: no Snakemake run, root, browser,
TensorBoard, SLURM cluster, TensorFlow (Keras' VGG16) or full-size data; about a minute.
`make test` runs them first, then the slow ones.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import start_chromium
from tests.helpers import (
    BIN,
    DEFAULT_CONFIG,
    MINI_CONFIG,
    MINI_WORDS,
    NO_CLUSTER_CONF,
    PUBLISHED_STORE,
    SECOND_MODEL,
    TINY_CONFIG,
    cluster,
    copy_mini_inputs,
    copy_tiny_models,
    deploy_as_module,
    selects_slow_tests,
    shared,
    snakemake,
    write_photos,
    write_second_model,
    write_tiny_glove,
)


@pytest.fixture(scope="session")
def tiny_glove(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """glove.tiny.txt, with the other inputs of the tiny and mini configs beside it: the tiny
    config's second model (copy_tiny_models), glove.mini.txt and photos/ (copy_mini_inputs)."""

    def build(folder: Path) -> None:
        write_second_model(folder / SECOND_MODEL)
        write_tiny_glove(folder / "glove.mini.txt", n_words=MINI_WORDS)
        write_photos(folder / "photos")
        # an unreadable file: the listing leaves it out (with its reason) before the split, so
        # every later step sees 24 images (tests/workflow/test_small_data.py)
        (folder / "photos/class_0/unreadable.png").write_bytes(b"not an image")
        write_tiny_glove(folder / "glove.tiny.txt")

    return shared(tmp_path_factory, "inputs", build) / "glove.tiny.txt"


@pytest.fixture(scope="session")
def venv_bin() -> Path:
    return BIN


@pytest.fixture(scope="session")
def tiny_finished(tmp_path_factory: pytest.TempPathFactory, tiny_glove: Path) -> Path:
    """One complete run of the tiny config (.test/config/config.yaml), shared by every test that
    needs finished results. Use it read-only; copy it (shutil.copytree keeps mtimes and
    .snakemake) before running Snakemake on it or changing anything. What Snakemake printed is
    in the sibling file `snakemake.out` (tiny_finished.parent / "snakemake.out")."""

    def build(folder: Path) -> None:
        work = folder / "work"
        work.mkdir()
        copy_tiny_models(tiny_glove, work)
        out = snakemake(work, configfile=TINY_CONFIG, first=True)  # the most awaited
        (folder / "snakemake.out").write_text(out.stdout + out.stderr)

    return shared(tmp_path_factory, "tiny_finished", build) / "work"


@pytest.fixture(scope="session")
def mini_finished(tmp_path_factory: pytest.TempPathFactory, tiny_glove: Path) -> Path:
    """A complete run of the mini config (.test/config/mini.yaml) as another project runs it:
    a deployment (deploy_as_module) whose Snakefile uses this workflow as a module, run there
    with plain `snakemake --cores 2`. Read-only; tests/workflow/test_module.py checks the
    deployment, tests/workflow/test_slurm.py compares the SLURM run with it."""

    def build(folder: Path) -> None:
        project = folder / "my-analysis"
        deploy_as_module(project, MINI_CONFIG)
        copy_mini_inputs(tiny_glove, project)
        out = snakemake(None, "--cores", "2", configfile=None, cores=None, cwd=project)
        (folder / "snakemake.out").write_text(out.stdout + out.stderr)

    return shared(tmp_path_factory, "mini_finished", build) / "my-analysis"


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory where the default config's Snakemake wrote the bundled GloVe 6B 50d
    text (resources/vectors/glove.6B.50d.txt) and its store (results/vectors/glove.6B.50d.h5),
    as `make run` does first. Read-only."""

    def build(folder: Path) -> None:
        out = snakemake(folder, PUBLISHED_STORE, configfile=DEFAULT_CONFIG)
        (folder.parent / "published.out").write_text(out.stdout + out.stderr)

    return shared(tmp_path_factory, "published", build)


@pytest.fixture(scope="session")
def bundled_text(published: Path) -> Path:
    """The full glove.6B.50d.txt, written by the pipeline (its digest: test_workflow.py)."""
    return published / "resources/vectors/glove.6B.50d.txt"


@pytest.fixture(scope="session")
def report(tiny_finished: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny run's single-file report (`make report`); tiny_finished stays unchanged."""

    def build(folder: Path) -> None:
        out = snakemake(tiny_finished, "--report", str(folder / "report.html"), first=True)
        assert "Report created" in out.stdout + out.stderr

    return shared(tmp_path_factory, "report", build) / "report.html"


@pytest.fixture(scope="session")
def mini_report(mini_finished: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The single-file report of the mini run (one model and an image folder: the menus of the
    default config's report), made in its deployment; mini_finished stays unchanged."""

    def build(folder: Path) -> None:
        report = folder / "report.html"
        out = snakemake(
            None, "--report", str(report), configfile=None, cores=None, cwd=mini_finished
        )
        assert "Report created" in out.stdout + out.stderr

    return shared(tmp_path_factory, "mini_report", build) / "report.html"


@pytest.fixture(scope="session")
def zip_report(tiny_finished: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report as a zip (`make report-zip`), unpacked: report/report.html. In the zip each
    result is a file beside the page, whatever its size (the single-file report's data: URLs
    open only up to 2 MB in Chromium: test_every_report_item_fits_a_data_url)."""

    def build(folder: Path) -> None:
        out = snakemake(tiny_finished, "--report", str(folder / "report.zip"))
        assert "Report created" in out.stdout + out.stderr
        with zipfile.ZipFile(folder / "report.zip") as archive:
            archive.extractall(folder)

    return shared(tmp_path_factory, "zip_report", build) / "report/report.html"


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Headless Chromium, one per worker (`browser` lends it to a test)."""
    driver = start_chromium(tmp_path_factory.mktemp("chromium"))
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium) -> Iterator:
    """The worker's Chromium for one test, left on a blank page after it: a page the test opened
    would otherwise go on running beside the tests that follow (TensorBoard's Projector draws
    without pause, about 1.6 CPU-s per second on a 2-core machine, until the page is closed)."""
    yield chromium
    chromium.get("about:blank")


# --- the SLURM test cluster, up for the whole session ------------------------------------------
# snakemake-executor-plugin-slurm runs `scontrol show config` whenever Snakemake starts; where
# SLURM is installed but no controller answers, that costs each of the suite's Snakemake runs
# about 10 s. So the session (the xdist controller, or the single process) starts the test
# cluster first when it can and the session runs slow tests, and stops it at the end if it
# started it.
_STARTED = pytest.StashKey[bool]()


def runs_slow_tests(config: pytest.Config) -> bool:
    return selects_slow_tests(config.getoption("markexpr"))


def pytest_configure(config: pytest.Config) -> None:
    # `make check` starts no cluster: its processes (and the xdist workers, started later, with
    # this environment) find none at once, instead of waiting as above. A session that runs
    # slow tests uses the test cluster, also when started from such a process.
    if not runs_slow_tests(config):
        os.environ["SLURM_CONF"] = str(NO_CLUSTER_CONF)
    elif os.environ.get("SLURM_CONF") == str(NO_CLUSTER_CONF):
        del os.environ["SLURM_CONF"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput") or os.geteuid() != 0:
        return
    if not runs_slow_tests(session.config):
        return  # `make check`: no Snakemake run in it
    if not shutil.which("slurmctld", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin"):
        return  # tests/workflow/test_slurm.py says what to install
    if cluster("status").returncode != 0:
        session.config.stash[_STARTED] = cluster("start").returncode == 0


def pytest_sessionfinish(session: pytest.Session) -> None:
    if session.config.stash.get(_STARTED, False):
        cluster("stop")


# The longest chains start first, each on its own xdist worker (`make test` runs four, and its
# --dist loadgroup hands them one test, or one group of tests, at a time, in this order, until
# each has two): the SLURM run, the tiny run and its report (for the browser tests), the mini
# run as a module, and the mini run's report in the browser (its worker waits for the mini
# run; left to collection order, this minute-long walk started last and ended the run alone).
FIRST = (
    "test_slurm.py::test_workflow_runs_through_slurm_and_matches_a_local_run",
    "test_report.py::test_every_page_and_item_of_the_tiny_report_with_its_figures_and_numbers",
    "test_module.py::test_mini_run_as_a_module_of_another_project",
    "test_report.py::test_every_page_and_item_of_the_mini_report_opens",
)
# Then the documented commands: their first case starts all 18 documented Snakemake dry runs
# (two at a time) and the published store, which the other cases wait for. Left to collection
# order (tests/workflow/ comes last), they were the tail of the run: 520 s, not 386 s.
NEXT = ("test_docs.py",)


@pytest.hookimpl(trylast=True)  # after -m has deselected
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def name(item: pytest.Item) -> str:
        return f"{item.path.name}::{item.name}"

    first = sorted((i for i in items if name(i) in FIRST), key=lambda i: FIRST.index(name(i)))
    rest = [i for i in items if name(i) not in FIRST]
    items[:] = first + sorted(rest, key=lambda i: i.path.name not in NEXT)  # stable
