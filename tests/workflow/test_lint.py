"""`snakemake --lint` stays clean apart from the per-rule conda-environment notice.

The pipeline runs from one virtual environment (`make setup`) instead of per-rule conda
environments, so that notice is expected; any other lint fails this test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import CONDA_NOTICE, ROOT, snakemake

pytestmark = pytest.mark.slow  # a Snakemake process each


def lint_titles(configfile: Path) -> list[str]:
    out = snakemake(None, "--lint", configfile=configfile, cores=None, cwd=ROOT, check=False)
    text = out.stdout + out.stderr
    assert "Lints for" in text or out.returncode == 0, text
    return re.findall(r"^\s+\* (.+?):?$", text, flags=re.M)


@pytest.mark.parametrize("config", ["config/config.yaml", ".test/config/config.yaml"])
def test_only_the_conda_notice_remains(config: str) -> None:
    titles = lint_titles(ROOT / config)
    assert titles, "expected at least the conda notice"
    assert set(titles) == {CONDA_NOTICE}, titles
