"""Write-then-rename helpers: a crash or an error never leaves a file that looks complete."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def temp_path_for(path: str | os.PathLike[str]) -> Path:
    """A hidden sibling of `path` (same file system, so the final rename is atomic). The name is
    fixed, not per process: a write killed half-way (SIGKILL, a lost node) leaves it behind, and
    the next write of the same output, which Snakemake schedules on the rerun, replaces it."""
    path = Path(path)
    return path.with_name(f".{path.name}.tmp")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; rename it to `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(path)
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
