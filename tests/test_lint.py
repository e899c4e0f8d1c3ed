"""`snakemake --lint` stays clean apart from the per-rule conda-environment notice.

The pipeline runs from one virtual environment (`make setup`) instead of per-rule conda
environments, so that notice is expected; any other lint fails this test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

CONDA_NOTICE = "Specify a conda environment or container for each rule."


def lint_titles(configfile: Path) -> list[str]:
    out = subprocess.run(
        [str(Path(sys.executable).parent / "snakemake"), "--lint", "--configfile", str(configfile)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    text = out.stdout + out.stderr
    assert "Lints for" in text or out.returncode == 0, text
    return re.findall(r"^\s+\* (.+?):?$", text, flags=re.M)


@pytest.mark.parametrize("config", ["config/config.yaml", ".test/config/config.yaml"])
def test_only_the_conda_notice_remains(config: str) -> None:
    titles = lint_titles(ROOT / config)
    assert titles, "expected at least the conda notice"
    assert set(titles) == {CONDA_NOTICE}, titles
