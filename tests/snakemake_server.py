"""Snakemake, imported once per test worker: every run of the tests is a fork of that process.

Each `snakemake` the tests start would import Snakemake and its plugins again (about 2.5 CPU-s,
more than a dry run of this workflow takes). So each test process starts this program once
(tests/helpers.py: snakemake, start_snakemake); it imports Snakemake and PRELOADED, then, for
each request, forks a child that takes the run's directory, environment (PYTHONPATH's
`sitecustomize` included, which Python would have loaded at start-up), niceness, output files
and arguments and calls `snakemake.cli.main()`, the function the `snakemake` command calls. From
there on the run is the command's own; its jobs are the processes it starts, as ever.

Protocol, over a Unix socket, one connection per run: the client sends one JSON line (argv, cwd,
env, pythonpath, stdout, stderr, nice); the server answers the child's pid (also its process
group: the child starts a session), and once the child has exited, its exit code as
subprocess reports it (negative: killed by that signal). The server exits when the process
that started it is gone.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import selectors
import socket
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

# What each run of this workflow imports beyond Snakemake's command line, about 0.45 CPU-s a run:
# Snakemake's own later imports (report() outputs, its source cache, notebook support) and the
# libraries the Snakefile's helpers use. Other packages only: each run imports embedlab itself,
# as the command would.
PRELOADED = ("snakemake.report", "smart_open", "nbformat", "jsonschema", "h5py")


def _load_sitecustomize(pythonpath: list[str]) -> None:
    """What Python's `site` does at start-up: import the first sitecustomize on the path."""
    for folder in pythonpath:
        path = Path(folder, "sitecustomize.py")
        if path.is_file():
            spec = importlib.util.spec_from_file_location("sitecustomize", path)
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            sys.modules["sitecustomize"] = module
            spec.loader.exec_module(module)
            return


def _prioritize(nice: int) -> None:
    """This process, and all it starts, at niceness `nice` where it may (a negative one needs
    root: CAP_SYS_NICE; otherwise the usual priority). Where the kernel groups processes by
    session for the scheduler (autogroup, /proc/sys/kernel/sched_autogroup_enabled), a
    process's niceness only ranks it among its own session's, and each session gets an equal
    share of the CPU: so the session this process has just started takes the niceness too,
    through /proc/self/autogroup (the processes the run starts stay in it)."""
    with contextlib.suppress(PermissionError):
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    # no such file: no autogroup; EPERM: not root; EAGAIN: another write in the last 0.1 s
    # without CAP_SYS_ADMIN. Each leaves the usual share.
    with contextlib.suppress(OSError):
        Path("/proc/self/autogroup").write_text(f"{nice}\n")


def _child(request: dict, main: Callable[[], None]) -> None:
    """The forked process: becomes `snakemake ARGS` run in the request's setting; never returns."""
    code = 1
    try:
        for fd, name in ((1, "stdout"), (2, "stderr")):
            out = os.open(request[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, fd)
            os.close(out)
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        os.close(stdin)
        os.setsid()
        if request["nice"]:
            _prioritize(request["nice"])
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path[:0] = request["pythonpath"]
        sys.argv = request["argv"]
        _load_sitecustomize(request["pythonpath"])
        main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(address: str) -> None:
    import snakemake.cli

    snakemake.cli.get_argument_parser()  # the plugins and their settings, loaded once
    for name in PRELOADED:
        importlib.import_module(name)
    parent = os.getppid()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(16)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    waiting: dict[int, socket.socket] = {}
    print("ready", flush=True)
    while os.getppid() == parent:
        for key, _ in selector.select(timeout=0.05):
            conn, _ = key.fileobj.accept()  # type: ignore[union-attr]
            with conn.makefile("rb") as lines:
                request = json.loads(lines.readline())
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                listener.close()
                conn.close()
                for other in waiting.values():
                    other.close()
                _child(request, snakemake.cli.main)
            conn.sendall(f"{pid}\n".encode())
            waiting[pid] = conn
        while waiting:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            conn = waiting.pop(pid, None)
            if conn is not None:
                with contextlib.suppress(OSError):  # the client gave up on it
                    conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
                conn.close()


if __name__ == "__main__":
    serve(sys.argv[1])
