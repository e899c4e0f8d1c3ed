"""Logging for rule scripts: all a job prints (tqdm bars included) goes to its `log:` file."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

# Fault injection for the tests of retries and interrupted runs; nothing else sets these.
FAIL_ONCE = "EMBEDLAB_TEST_FAIL_ONCE"  # "<rule>:<marker file>": fail the first attempt only
FAIL_ALWAYS = "EMBEDLAB_TEST_FAIL_ALWAYS"  # "<rule>": fail every attempt
SLOW = "EMBEDLAB_TEST_SLOW"  # "<rule>:<seconds>": sleep before the work, to be killed mid-run


class InjectedFault(RuntimeError):
    """Raised only when a test asks for it through the environment."""


def _inject_faults(rule: str | None) -> None:
    if not rule:
        return
    once = os.environ.get(FAIL_ONCE, "")
    if once.partition(":")[0] == rule:
        marker = Path(once.partition(":")[2])
        if not marker.exists():
            marker.write_text("failed once\n")
            raise InjectedFault(f"{FAIL_ONCE}: first attempt of {rule} fails")
    if os.environ.get(FAIL_ALWAYS) == rule:
        raise InjectedFault(f"{FAIL_ALWAYS}: {rule} fails")
    slow = os.environ.get(SLOW, "")
    if slow.partition(":")[0] == rule:
        time.sleep(float(slow.partition(":")[2]))


@contextlib.contextmanager
def job_log(path: str, rule: str | None = None) -> Iterator[logging.Logger]:
    """Send stderr and the `logging` records of this job to `path`; errors are logged, then
    re-raised so Snakemake marks the job failed and shows the log path. `rule` lets the tests
    inject faults into one rule's jobs."""
    with open(path, "w", buffering=1, encoding="utf-8") as fh:
        old_stderr = sys.stderr
        sys.stderr = fh
        handler = logging.StreamHandler(fh)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        try:
            _inject_faults(rule)
            yield logging.getLogger("embedlab.job")
        except BaseException as error:
            logging.getLogger("embedlab.job").error("%s: %s", type(error).__name__, error)
            old_stderr.write(f"{type(error).__name__}: {error}\n")
            raise
        finally:
            root.removeHandler(handler)
            sys.stderr = old_stderr
