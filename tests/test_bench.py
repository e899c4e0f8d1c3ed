"""The benchmark scripts in the environment of `make run`, which lacks the dev extra (gensim,
FAISS, pandas): they say which extra to install, not a bare ImportError or CalledProcessError.
The peers are hidden from the scripts by a sitecustomize on their PYTHONPATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

HINT = "pip install -e '.[dev]' (or make setup-test)"
BLOCKER = """
import sys

class HidePeers:  # as if the dev extra were not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("gensim", "faiss", "pandas"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, HidePeers())
"""


@pytest.fixture
def run_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path}


def bench(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *map(str, args)], capture_output=True, text=True, env=env, check=False
    )


@pytest.mark.parametrize(
    ("args", "package"),
    [
        (["bench/analogy.py"], "gensim"),
        (["bench/parse_glove.py", "--methods", "ours", "pandas"], "pandas"),
        (["bench/parse_vectors.py", "--cases", "binary"], "gensim"),
        (["bench/neighbors.py", "--words", "10"], "faiss-cpu"),
    ],
)
def test_a_missing_peer_names_the_extra_before_any_work(
    run_env: dict[str, str], args: list[str], package: str
) -> None:
    out = bench(run_env, ROOT / args[0], *args[1:])
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.splitlines() == [
        f"{Path(args[0]).name} compares against {package}, not installed in this environment "
        f"(the dev extra; `make run` installs only the workflow's): {HINT}"
    ]


def test_a_child_that_misses_a_peer_says_which_extra(run_env: dict[str, str]) -> None:
    """The shared way every script starts its children: a child's ImportError becomes the hint,
    any other failure its last lines, never a CalledProcessError."""
    code = (
        "import sys; sys.path.insert(0, 'bench'); from shared import child_output; "
        "child_output([sys.executable, '-c', sys.argv[1]], what='the child')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "import faiss"],
        capture_output=True,
        text=True,
        env=run_env,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("the child failed: it needs faiss-cpu, not installed in this")
    assert out.stderr.rstrip().endswith(HINT)
    failing = subprocess.run(
        [sys.executable, "-c", code, "import sys; print('why', file=sys.stderr); sys.exit(3)"],
        capture_output=True,
        text=True,
        env=run_env,
        cwd=ROOT,
        check=False,
    )
    assert failing.stderr.splitlines() == ["the child failed (exit status 3):", "why"]
