"""Logging for rule scripts: all a job prints (tqdm bars included) goes to its `log:` file."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def job_log(path: str) -> Iterator[logging.Logger]:
    """Send stderr and the `logging` records of this job to `path`; errors are logged, then
    re-raised so Snakemake marks the job failed and shows the log path."""
    with open(path, "w", buffering=1, encoding="utf-8") as fh:
        old_stderr = sys.stderr
        sys.stderr = fh
        handler = logging.StreamHandler(fh)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        try:
            yield logging.getLogger("embedlab.job")
        except BaseException as error:
            logging.getLogger("embedlab.job").error("%s: %s", type(error).__name__, error)
            old_stderr.write(f"{type(error).__name__}: {error}\n")
            raise
        finally:
            root.removeHandler(handler)
            sys.stderr = old_stderr
