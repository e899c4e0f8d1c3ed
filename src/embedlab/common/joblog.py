"""Logging for rule scripts: all a job prints goes to its `log:` file, and long jobs say on the
console how far they are.

`job_log` sends Python's stderr, the `logging` records and everything written to file
descriptor 2 (TensorFlow's and other C libraries' start-up chatter) to the job's log file. The
console (Snakemake's terminal) gets only what `Progress` writes: one short line at most every
`every` seconds, so a run is never silent for long and never noisy.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from typing import TextIO

_console: TextIO | None = None  # the terminal of the running job, while job_log is active


@contextlib.contextmanager
def job_log(path: str) -> Iterator[logging.Logger]:
    """Send stderr (Python's and the file descriptor) and the `logging` records of this job to
    `path`; errors are logged and written to the console in one line, then re-raised so
    Snakemake marks the job failed and shows the log path. An error of embedlab's own (its
    message says what to fix: ConfigError, DatasetError, ...) ends the job with that line alone
    (exit status 1, no traceback); any other error keeps Python's traceback."""
    global _console
    with open(path, "w", buffering=1, encoding="utf-8") as fh:
        sys.stderr.flush()
        saved_fd = os.dup(2)
        console = os.fdopen(os.dup(saved_fd), "w", buffering=1, encoding="utf-8")
        os.dup2(fh.fileno(), 2)
        old_stderr, sys.stderr = sys.stderr, fh
        handler = logging.StreamHandler(fh)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        _console = console
        try:
            yield logging.getLogger("embedlab.job")
        except BaseException as error:
            logging.getLogger("embedlab.job").error("%s: %s", type(error).__name__, error)
            console.write(f"{type(error).__name__}: {error}\n")
            if _explained(error):
                raise SystemExit(1) from None
            raise
        finally:
            _console = None
            root.removeHandler(handler)
            sys.stderr = old_stderr
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            console.close()


def _explained(error: BaseException) -> bool:
    """An error class of embedlab's own, whose message names what to fix."""
    return isinstance(error, Exception) and type(error).__module__.startswith("embedlab.")


class Progress:
    """Counts work done; logs it, and tells the console at most every `every` seconds (and at
    the end), e.g. "    neighbors_chunk 2/4: 61/122 block pairs (50 %), 14 s"."""

    def __init__(self, what: str, total: int, unit: str, every: float = 15.0) -> None:
        self.what, self.total, self.unit, self.every = what, total, unit, every
        self.done = 0
        self.start = self.last = time.monotonic()
        self.log = logging.getLogger("embedlab.progress")

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every or self.done >= self.total:
            self.last = now
            share = 100 * self.done / self.total if self.total else 100.0
            line = (
                f"{self.what}: {self.done}/{self.total} {self.unit} ({share:.0f} %), "
                f"{now - self.start:.0f} s"
            )
            self.log.info(line)
            if _console is not None:
                _console.write(f"    {line}\n")
