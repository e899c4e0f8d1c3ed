"""embedlab used as a Snakemake module from another project, as `snakedeploy deploy-workflow`
sets it up: the project has its own config/config.yaml and a Snakefile with `module embedlab:
snakefile: <this checkout's Snakefile> config: config` and `use rule * from embedlab`; the
package is installed in the environment (here: the test's own venv). The project runs the mini
config (.test/config/mini.yaml: every rule, small inputs), and its results are compared with
the session's own run of that config (tests/conftest.py: mini_finished)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.helpers import CONDA_NOTICE, MINI_CONFIG, ROOT, copy_mini_inputs, snakemake

pytestmark = pytest.mark.slow


def module_snakefile(checkout: str) -> str:
    """The deploying project's Snakefile, as the README shows it for a local checkout."""
    return f"""configfile: "config/config.yaml"


module embedlab:
    snakefile:
        "{checkout}"
    config:
        config


use rule * from embedlab
"""


def digests(results: Path) -> dict[str, str]:
    return {
        str(p.relative_to(results)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(results.rglob("*"))
        if p.is_file()
    }


def run(project: Path, *args: str) -> str:
    """Snakemake in the project, as its user types it: its own Snakefile and config."""
    out = snakemake(None, *args, configfile=None, cores=None, cwd=project)
    return out.stdout + out.stderr


def test_mini_run_as_a_module_of_another_project(
    tmp_path: Path, tiny_glove: Path, request: pytest.FixtureRequest
) -> None:
    # the project sits beside the checkout's parent, not inside it, and names it relatively
    project = tmp_path / "my-analysis"
    (project / "config").mkdir(parents=True)
    shutil.copy(MINI_CONFIG, project / "config/config.yaml")
    copy_mini_inputs(tiny_glove, project)
    checkout = os.path.relpath(ROOT / "Snakefile", project)
    (project / "Snakefile").write_text(module_snakefile(checkout))

    log = run(project, "--cores", "2")
    assert re.search(r"\d+ of \d+ steps \(100%\) done", log), log

    # everything lands in the project, nothing in the checkout's own results
    mini_finished: Path = request.getfixturevalue("mini_finished")
    ours, reference = digests(project / "results"), digests(mini_finished / "results")
    assert ours, "no results in the project directory"
    assert ours == reference
    assert (project / "logs").is_dir() and (project / "benchmarks").is_dir()

    # lint in the deployment: only the per-rule conda/container notice (no absolute paths,
    # no other finding)
    lint = snakemake(None, "--lint", configfile=None, cores=None, cwd=project, check=False)
    titles = re.findall(r"^\s+\* (.+?):?$", lint.stdout + lint.stderr, flags=re.M)
    assert titles and set(titles) == {CONDA_NOTICE}, lint.stdout + lint.stderr

    # the report of the deployment, as a zip (the form for large reports): every item of the
    # module is in it, each with labels (the report's menu shows them, not bare file names)
    run(project, "--report", "report.zip")
    with zipfile.ZipFile(project / "report.zip") as archive:
        page = archive.read("report/report.html").decode()
        names = archive.namelist()
    items = report_items(page)
    assert items, "no report items"
    unlabelled = [path for path, item in items.items() if not item.get("labels")]
    assert not unlabelled, unlabelled
    assert {item["filename"] for item in items.values()} <= {Path(n).name for n in names}
    assert "results/analogy/glove.mini/google.png" in items


def report_items(page: str) -> dict[str, dict]:
    """The `var results = {...}` table Snakemake's report page keeps its items in."""
    start = page.index('<script id="results">')
    start = page.index("var results = ", start) + len("var results = ")
    items, _ = json.JSONDecoder().raw_decode(page[start:])
    return items
