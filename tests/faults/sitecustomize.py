"""Faults injected into the pipeline's jobs from the test side; the shipped code has no hooks.

How it gets into a job: the tests put this directory first on PYTHONPATH in the environment of
the Snakemake process. Every process Snakemake starts inherits that environment, among them the
rule scripts, which it runs with its own interpreter as
``python .snakemake/scripts/tmpXXXX.<script>.py`` (in the same process group). At start-up,
``site`` imports the first ``sitecustomize`` on sys.path, which is this file. Snakemake itself
imports it too; nothing fires there (see below). tests/workflow/test_faults.py checks that each
fault did fire, so a Python that ignored this file would fail the tests, not pass them.

Where it strikes: inside the real output write. ``embedlab.common.atomic.atomic_output`` writes each
output under a temporary name and renames it with ``os.replace`` once the block that wrote it
has finished. This module wraps ``os.replace``; the wrapper acts only on a rename whose source is
``embedlab.common.atomic.temp_path_for(destination)``, i.e. an atomic output being published,
and only when that temporary file is non-empty (the data has reached it). Any other rename
passes through.

How a job knows its rule: nothing is decided at import time. Snakemake writes a temporary copy
of the rule's script whose preamble binds ``snakemake`` (a ``snakemake.script.Snakemake`` with
``.rule``) in ``__main__`` before the script's own code runs; the wrapper reads
``__main__.snakemake.rule`` when the rename happens. This does not depend on the script's file
name or on how Snakemake names its copy, and in processes that are not rule scripts (Snakemake
itself, its job processes) there is no ``snakemake`` object, so nothing fires there.

Control: one environment variable, read only here and by the tests,

    EMBEDLAB_FAULT=<mode>:<rule>[:<path>]

    fail:<rule>                every attempt of <rule> raises InjectedFault instead of renaming
    fail-once:<rule>:<path>    the first attempt raises (and creates <path>); later ones pass
    block:<rule>:<path>        the job writes <path> (its pid, the temporary file and its size)
                               and then blocks before the rename until it is killed; as a guard
                               against an orphan it gives up with InjectedFault after
                               BLOCK_GUARD_S seconds

<path> may contain ':'; <rule> may not.
"""

from __future__ import annotations

import os
import sys
import time

VARIABLE = "EMBEDLAB_FAULT"
BLOCK_GUARD_S = 600


class InjectedFault(RuntimeError):
    """The failure this module injects (its name appears in job logs)."""


def _rule() -> str | None:
    snakemake = getattr(sys.modules.get("__main__"), "snakemake", None)
    return getattr(snakemake, "rule", None)


def _install(spec: str) -> None:
    mode, _, rest = spec.partition(":")
    rule, _, path = rest.partition(":")
    if mode not in ("fail", "fail-once", "block") or not rule or (mode != "fail") != bool(path):
        raise SystemExit(
            f"{VARIABLE}={spec!r}: expected fail:RULE, fail-once:RULE:PATH, or block:RULE:PATH"
        )
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        if _rule() == rule and _publishing(src, dst):
            size = os.path.getsize(src)
            if size > 0:
                strike(src, dst, size)
        return real_replace(src, dst, *args, **kwargs)

    def strike(src: object, dst: object, size: int) -> None:
        what = f"rule {rule}: rename of {src} ({size} bytes) to {dst}"
        if mode == "fail":
            raise InjectedFault(what)
        if mode == "fail-once":
            if os.path.exists(path):
                return
            with open(path, "w") as fh:
                fh.write(what + "\n")
            raise InjectedFault(what)
        # block: announce (atomically, so the test never reads half a marker), then wait
        try:
            fd = os.open(path + f".{os.getpid()}", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            os.write(fd, f"{os.getpid()}\n{src}\n{size}\n".encode())
            os.close(fd)
            os.link(path + f".{os.getpid()}", path)  # the first job to arrive names the marker
        except FileExistsError:
            pass
        deadline = time.monotonic() + BLOCK_GUARD_S
        while time.monotonic() < deadline:
            time.sleep(0.5)
        raise InjectedFault(f"{what}: blocked for {BLOCK_GUARD_S} s and never killed")

    os.replace = replace


def _publishing(src: object, dst: object) -> bool:
    """Whether this rename publishes an atomic output (its source is the temporary name)."""
    atomic = sys.modules.get("embedlab.common.atomic")
    if atomic is None:
        return False
    try:
        return os.fspath(atomic.temp_path_for(dst)) == os.fspath(src)
    except TypeError:
        return False


if os.environ.get(VARIABLE):
    _install(os.environ[VARIABLE])
