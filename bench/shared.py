"""What the benchmark scripts share: the peers they compare against, the child processes they
time (Snakemake among them: snakemake_command), and the machine line they print.

The peers (gensim, FAISS, pandas) are the `dev` extra of pyproject.toml, which `make run`'s
environment lacks: a script checks for the ones it will use before it starts (`require_peers`),
and a child process that fails (`child_output`) is reported in a few lines, saying which extra to
install when a module is missing, instead of a bare CalledProcessError or ImportError.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# import name -> the package of the dev extra that provides it
PEERS = {"gensim": "gensim", "faiss": "faiss-cpu", "pandas": "pandas"}
INSTALL = "pip install -e '.[dev]' (or make setup-test)"
MISSING_MODULE = re.compile(r"No module named '([^']+)'")


def missing_peers(*modules: str) -> list[str]:
    """Those of `modules` that cannot be imported here."""
    missing = []
    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(module)
    return missing


def install_hint(modules: Sequence[str]) -> str:
    """'<packages>, not installed ...: <how to install them>'."""
    packages = ", ".join(PEERS.get(m.split(".")[0], m) for m in modules)
    return (
        f"{packages}, not installed in this environment (the dev extra; `make run` installs "
        f"only the workflow's): {INSTALL}"
    )


def require_peers(*modules: str) -> None:
    """Stop with the install hint when a peer this run will use is missing."""
    missing = missing_peers(*modules)
    if missing:
        raise SystemExit(f"{Path(sys.argv[0]).name} compares against {install_hint(missing)}")


def snakemake_command(work: Path, *configfiles: Path) -> list[str]:
    """This environment's `snakemake` with the repository's Snakefile, run in `work` with
    `configfiles`, on 2 cores; the caller appends its options and targets."""
    return [
        str(Path(sys.executable).parent / "snakemake"),
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(work),
        "--configfile",
        *(str(f) for f in configfiles),
        "--cores",
        "2",
    ]


def child_output(
    command: Sequence[str], *, env: Mapping[str, str] | None = None, what: str | None = None
) -> str:
    """Run a child process (a measured run, a generator, Snakemake) and return its stdout; if
    it fails, stop with its last lines of output, and the install hint if a module is missing."""
    out = subprocess.run(
        list(command),
        capture_output=True,
        text=True,
        check=False,
        env=None if env is None else dict(env),
    )
    if out.returncode == 0:
        return out.stdout
    raise SystemExit(child_failure(what or " ".join(command[:4]), out.returncode, out.stderr))


def child_failure(what: str, returncode: int, stderr: str) -> str:
    """The message for a child that failed: the missing module's extra, or its last lines."""
    missing = MISSING_MODULE.findall(stderr)
    if missing and missing[-1].split(".")[0] in PEERS:
        return f"{what} failed: it needs {install_hint([missing[-1]])}"
    if missing:
        return (
            f"{what} failed: no module named {missing[-1]!r} here; install the project with its "
            "extras: pip install -e '.[workflow,dev]' (or make setup-test)"
        )
    tail = "\n".join(stderr.strip().splitlines()[-40:])
    return f"{what} failed (exit status {returncode}):\n{tail}"


def cpu_line() -> str:
    """lscpu's model name and which of the kernel's instruction sets the CPU has."""
    flags: set[str] = set()
    model = platform.processor() or "unknown CPU"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "Model name":
                model = value.strip()
            elif key.strip() == "Flags":
                flags = set(value.split())
    except (OSError, subprocess.CalledProcessError):
        pass
    have = [f for f in ("avx2", "fma", "avx512f", "avx512bw", "avx512vl") if f in flags]
    return f"{model}, {os.cpu_count()} CPUs, flags: {' '.join(have) or 'none of avx2/avx512'}"


def load_line() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())
