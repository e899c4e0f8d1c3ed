"""Job logs: everything a job writes to stderr (Python's or the file descriptor's) is in its log;
the console gets only the progress lines and, on failure, the error."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

JOB = textwrap.dedent(
    """
    import os, sys, logging
    from embedlab.common.joblog import Progress, job_log
    with job_log(sys.argv[1]) as log:
        os.write(2, b"C library chatter on fd 2\\n")
        print("python stderr", file=sys.stderr)
        log.info("a log record")
        bar = Progress("demo", 4, "items", every=0)
        for _ in range(4):
            bar.update()
        if sys.argv[2:] == ["fail"]:
            raise ValueError("bad input: say what to do")
        if sys.argv[2:] == ["config"]:
            from embedlab.common.config import ConfigError
            raise ConfigError("neighbors.k = 9: set neighbors.k to at most 4")
    """
)


def run_job(tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], str]:
    log = tmp_path / "job.log"
    out = subprocess.run(
        [sys.executable, "-c", JOB, str(log), *extra], capture_output=True, text=True, check=False
    )
    return out, log.read_text()


def test_chatter_goes_to_the_log_and_progress_to_the_console(tmp_path: Path) -> None:
    out, log = run_job(tmp_path)
    assert out.returncode == 0
    for text in ("C library chatter on fd 2", "python stderr", "a log record", "demo: 4/4 items"):
        assert text in log
    assert out.stderr.splitlines() == [
        f"    demo: {i}/4 items ({25 * i} %), 0 s" for i in range(1, 5)
    ]


def test_a_failing_job_names_the_error_on_the_console(tmp_path: Path) -> None:
    out, log = run_job(tmp_path, "fail")
    assert out.returncode == 1
    assert "ValueError: bad input: say what to do" in out.stderr
    assert "C library chatter" not in out.stderr
    assert "ValueError: bad input" in log


def test_an_error_of_embedlab_is_one_line_without_traceback(tmp_path: Path) -> None:
    """ConfigError (and every error class of embedlab's own, whose message says what to fix):
    that one line on the console and in the log; a bare ValueError keeps its traceback."""
    out, log = run_job(tmp_path, "config")
    assert out.returncode == 1
    line = "ConfigError: neighbors.k = 9: set neighbors.k to at most 4"
    assert out.stderr.splitlines()[-1] == line and "Traceback" not in out.stderr
    assert [text for text in out.stderr.splitlines() if not text.startswith("    demo")] == [line]
    assert line in log and "Traceback" not in log
    out, _ = run_job(tmp_path, "fail")
    assert "Traceback" in out.stderr
