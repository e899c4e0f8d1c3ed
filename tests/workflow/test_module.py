"""embedlab used as a Snakemake module from another project, as `snakedeploy deploy-workflow`
sets it up: the project has its own config/config.yaml and a Snakefile with `module embedlab:
snakefile: <this checkout's Snakefile> config: config` and `use rule * from embedlab`; the
package is installed in the environment (here: the test's own venv). The project is the
session's run of the mini config (.test/config/mini.yaml: every rule, small inputs;
tests/conftest.py: mini_finished), which tests/workflow/test_slurm.py also compares with a SLURM
run of that config, file by file."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from tests.helpers import CONDA_NOTICE, ROOT, job_counts, snakemake

pytestmark = pytest.mark.slow

# the rules for inputs the mini config does not have (downloads, bundled text, digits)
OTHER_INPUTS = {
    "download_vectors",
    "extract_vectors",
    "write_bundled_glove",
    "write_digits",
    "get_mit67",
}


def rules_of_the_workflow() -> set[str]:
    files = [ROOT / "Snakefile", *(ROOT / "workflow/rules").glob("*.smk")]
    return {rule for f in files for rule in re.findall(r"^\s*rule (\w+):", f.read_text(), re.M)}


def test_mini_run_as_a_module_of_another_project(mini_finished: Path, tmp_path: Path) -> None:
    project = mini_finished  # read only
    # the project sits beside the checkout's parent, not inside it, and names it relatively
    assert not project.is_relative_to(ROOT)
    assert '"../' in (project / "Snakefile").read_text()
    log = (project.parent / "snakemake.out").read_text()
    assert re.search(r"\d+ of \d+ steps \(100%\) done", log), log
    # every rule ran (so every script, schema, report caption and data file of the module was
    # found from the deployment), once per store, shard and chunk it has
    rules = rules_of_the_workflow()
    assert rules > OTHER_INPUTS
    assert set(job_counts(log)) == rules - OTHER_INPUTS
    # everything lands in the project (the results: tests/workflow/test_slurm.py), nothing in the
    # checkout
    assert (project / "logs").is_dir() and (project / "benchmarks").is_dir()
    assert not any((project / "results").rglob(".*.tmp"))

    # lint in the deployment: only the per-rule conda/container notice (no absolute paths,
    # no other finding)
    lint = snakemake(None, "--lint", configfile=None, cores=None, cwd=project, check=False)
    titles = re.findall(r"^\s+\* (.+?):?$", lint.stdout + lint.stderr, flags=re.M)
    assert titles and set(titles) == {CONDA_NOTICE}, lint.stdout + lint.stderr

    # the report of the deployment, as a zip (the form for large reports): every item of the
    # module is in it, each with labels (the report's menu shows them, not bare file names)
    report = tmp_path / "report.zip"
    snakemake(None, "--report", str(report), configfile=None, cores=None, cwd=project)
    with zipfile.ZipFile(report) as archive:
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
