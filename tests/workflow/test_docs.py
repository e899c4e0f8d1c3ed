"""Every command line shown in README.md, docs/*.md and config/README.md, checked against the real
tools, so the documentation cannot drift from behaviour.

Commands are read from the files each time the tests are collected: lines of fenced ```bash
blocks (`\\` continuations joined, comments stripped; a comment that says "add --flag ..." gives
the preceding command with those flags as one more case), the `$ ` lines of ```console blocks, and
inline `code` spans that start with one of INLINE_PREFIXES. Each command is one test case, its
text the id. A kind of command this file does not know fails until it is taught here.

Commands, not sentences: the prose around a command is never parsed, so rewording it cannot fail
a test. What a command must print is shown in a console block, the command's `$ ` line followed
by its output (a line `...` stands for any number of lines; runs of blanks compare equal), and
the case compares that with what the command printed (stdout, then stderr). What else a command
must do is kept here, in CHECKS, which also runs against the real command. What each kind gets:

- `snakemake ...`: a dry run (-n) with the venv's Snakemake and the repository's Snakefile, in a
  fresh working directory laid out like the repository root (config/, profiles/ linked);
  placeholders get test values (PLACEHOLDERS, /data/... files and folders, LOCAL_FILES). No
  network: every Python process Snakemake starts refuses sockets and name lookups (sitecustomize),
  and a dry run must not write anything outside .snakemake/. `--report FILE`: Snakemake's own
  parser must bind FILE to --report (not to a target), and the command without it must dry-run.
- `embedlab ...`: run for real in a directory holding results/vectors/glove.6B.50d.h5 converted
  from the full bundled GloVe text.
- `make X`: `make -n X` succeeds and the Makefile declares X.
- `pip install ...`: the requirements parse and pin what pyproject.toml pins.
- `python bench/X.py ARGS`: `ARGS --help` exits 0 (so the values type-check) and every flag of
  ARGS is in the help text.
- `python docs/X.py ARGS`: the same, then run for real on the finished tiny run, its `--output`
  in a temporary folder (the committed picture stays as it is).
- `. .venv/bin/activate`: exists, and puts the venv's snakemake and embedlab on PATH.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

import h5py
import numpy as np
import pytest

from tests.helpers import ROOT, SNAKEFILE, makefile_rules, snakemake
from tests.output_table import covers, table_paths

# README.md first: it takes a newcomer to the first result, the pages of docs/ hold the rest
DOCS = (
    "README.md",
    *sorted(str(path.relative_to(ROOT)) for path in (ROOT / "docs").glob("*.md")),
    "config/README.md",
)
INLINE_PREFIXES = (
    "snakemake ",
    "embedlab ",
    "make ",
    "python bench/",
    "python docs/",
    "pip ",
    ". .venv/bin/activate",
)
BIN = Path(sys.executable).parent


# --- extraction ---------------------------------------------------------------------------------


def strip_comment(line: str) -> str:
    """`line` without a shell comment: a `#` at the start or after a blank, outside quotes."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


ADD_FLAGS = re.compile(r"\badd ((?:--[\w-]+)(?: [^#]*)?)$")


def block_commands(block: str) -> list[str]:
    """Command lines of one bash block: continuations joined, comments dropped; a comment line
    "... add --flag VALUE ..." right after a command also gives that command with those flags."""
    logical: list[str] = []
    pending = ""
    for raw in block.splitlines():
        line = raw.strip()
        if pending:
            line = f"{pending} {line}"
            pending = ""
        if line.endswith("\\"):
            pending = line[:-1].rstrip()
            continue
        logical.append(line)
    if pending:
        logical.append(pending)
    commands: list[str] = []
    previous = ""
    for line in logical:
        if line.startswith("#"):
            added = ADD_FLAGS.search(line)
            if added and previous:
                commands.append(f"{previous} {added.group(1).strip()}")
            continue
        command = " ".join(strip_comment(line).split())
        if command:
            commands.append(command)
            previous = command
    return commands


FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
SPAN = re.compile(r"(?<!`)`([^`]+)`(?!`)")


@dataclass(frozen=True)
class Shown:
    """A documented command, and the lines a console block shows after it (none: none shown)."""

    command: str
    output: tuple[str, ...] = ()


def console_commands(block: str) -> list[Shown]:
    """The `$ ` lines of a console block (`\\` continuations joined, comments dropped), each with
    the lines after it up to the next `$ ` line: what the command prints."""
    found: list[tuple[str, list[str]]] = []
    pending: str | None = None
    for raw in block.splitlines():
        if pending is not None:
            line = f"{pending} {raw.strip()}"
        elif raw.startswith("$ "):
            line = raw[2:].strip()
        else:
            if found:
                found[-1][1].append(raw)
            continue
        if line.endswith("\\"):
            pending = line[:-1].rstrip()
            continue
        pending = None
        found.append((" ".join(strip_comment(line).split()), []))
    return [Shown(command, tuple(output)) for command, output in found if command]


def doc_entries(text: str) -> list[Shown]:
    entries = []
    for lang, body in FENCE.findall(text):
        if lang in ("bash", "sh", "shell"):
            entries.extend(Shown(command) for command in block_commands(body))
        elif lang == "console":
            entries.extend(console_commands(body))
    for span in SPAN.findall(FENCE.sub("", text)):
        span = " ".join(span.split())
        if span.startswith(INLINE_PREFIXES):
            entries.append(Shown(span))
    return entries


def doc_commands(text: str) -> list[str]:
    return [entry.command for entry in doc_entries(text)]


def all_commands() -> tuple[dict[str, list[str]], dict[str, list[tuple[str, tuple[str, ...]]]]]:
    """Every documented command (deduplicated, in order of first appearance) -> its files; and
    every command shown with output -> (file, the lines shown) of each place."""
    found: dict[str, list[str]] = {}
    shown: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for doc in DOCS:
        for entry in doc_entries((ROOT / doc).read_text(encoding="utf-8")):
            found.setdefault(entry.command, [])
            if doc not in found[entry.command]:
                found[entry.command].append(doc)
            if any(line.strip() for line in entry.output):
                shown.setdefault(entry.command, []).append((doc, entry.output))
    return found, shown


COMMANDS, SHOWN = all_commands()


def normal(line: str) -> str:
    return " ".join(line.split())


def prints(shown: Sequence[str], printed: str) -> bool:
    """Whether `printed` is what a console block `shown` after its command: line for line, where
    a shown line `...` stands for any number of lines; runs of blanks compare equal (a tab may be
    shown as spaces), and blank lines at either end do not count."""

    def trimmed(lines: list[str]) -> list[str]:
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        return lines

    want = trimmed([normal(line) for line in shown])
    got = trimmed([normal(line) for line in printed.splitlines()])

    @cache
    def match(i: int, j: int) -> bool:  # want[i:] against got[j:]
        if i == len(want):
            return j == len(got)
        if want[i] == "...":
            return any(match(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and want[i] == got[j] and match(i + 1, j + 1)

    return match(0, 0)


def kind(command: str) -> str:
    if command == ". .venv/bin/activate":
        return "activate"
    for prefix, name in (
        ("snakemake ", "snakemake"),
        ("embedlab ", "embedlab"),
        ("make ", "make"),
        ("python bench/", "bench"),
        ("python docs/", "script"),
        ("pip ", "pip"),
    ):
        if command.startswith(prefix):
            return name
    return "unknown"


# --- checks: what a documented command must do, kept here rather than read from the docs' prose --


def check_neighbors(words: Sequence[str], out: subprocess.CompletedProcess[str]) -> None:
    got = [line.split("\t")[1] for line in out.stdout.splitlines()[1:]]
    assert got == list(words), out.stdout


def check_analogy(
    first: dict[str, tuple[str, str | None]], out: subprocess.CompletedProcess[str]
) -> None:
    """The first answer of each method (word, and score unless None)."""
    got: dict[str, tuple[str, str]] = {}
    for line in out.stdout.splitlines()[1:]:
        method, rank, word, score = line.split("\t")
        if rank == "1":
            got[method] = (word, score)
    assert set(got) == set(first), out.stdout
    for method, (word, score) in first.items():
        assert got[method][0] == word, out.stdout
        assert score is None or got[method][1] == score, out.stdout


def check_store_fields(
    datasets: dict[str, str], attributes: Sequence[str], out: subprocess.CompletedProcess[str]
) -> None:
    """The store layout docs/outputs.md describes, against what `embedlab info` lists."""
    for name, what in datasets.items():
        assert f"  {name}: {what}" in out.stdout, (name, out.stdout)
    for name in attributes:
        assert re.search(rf"^  {name} = ", out.stdout, re.MULTILINE), (name, out.stdout)


def check_config_error(message: str, out: subprocess.CompletedProcess[str]) -> None:
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert message in text, text
    assert "Job stats" not in text, text  # "before any job"


def check_default_profile(out: subprocess.CompletedProcess[str]) -> None:
    """profiles/default is picked up without --profile."""
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"Using workflow specific profile \S*profiles/default\b", out.stderr), (
        out.stderr
    )


def check_make_report(path: str, out: subprocess.CompletedProcess[str]) -> None:
    assert re.search(rf"snakemake .*--report {re.escape(path)}\b", out.stdout), out.stdout


@dataclass(frozen=True)
class Check:
    test: Callable[[subprocess.CompletedProcess[str]], None]  # on the real command's result
    fails: bool = False  # the command is documented to stop with an error


STORE = "results/vectors/glove.6B.50d.h5"
KING = {"3CosAdd": ("queen", "0.8524"), "3CosMul": ("queen", "0.9289"), "lab": ("king", None)}
CHECKS: dict[str, Check] = {
    f"embedlab neighbors {STORE} frog -k 5": Check(
        partial(check_neighbors, ["snake", "ape", "toad", "monkey", "spider"])
    ),
    f'embedlab analogy {STORE} "king - man + woman" -k 3': Check(partial(check_analogy, KING)),
    f"embedlab analogy {STORE} king-man+woman -k 3": Check(partial(check_analogy, KING)),
    f"embedlab info {STORE}": Check(
        partial(
            check_store_fields,
            {"vectors": "float32 (400000, 50)", "words": ""},
            ["source", "source_sha256", "dim", "n_words", "n_skipped"],
        )
    ),
    "snakemake -n --config neighbors='{k: -3}'": Check(
        partial(check_config_error, "Invalid configuration: neighbors.k = -3: minimum is 1"),
        fails=True,
    ),
    "snakemake --cores all": Check(check_default_profile),
    "make report": Check(partial(check_make_report, "results/report.html")),
}


# --- running Snakemake --------------------------------------------------------------------------

PLACEHOLDERS = {"<partition>": "testpartition", "<account>": "testaccount"}
DATA_PATH = re.compile(r"(?<![\w.])/data/[^\s'\",}]+")
URL = re.compile(r"https?://[^\s'\",}]+")

NO_NETWORK = '''\
"""tests/workflow/test_docs.py: this process may not use the network."""
import os
import socket

_LOG = os.environ["EMBEDLAB_DOCS_NETLOG"]


def _note(line):
    with open(_LOG, "a") as fh:
        fh.write(line + "\\n")


def _refuse(what):
    _note("refused " + what)
    raise OSError("network access refused by tests/workflow/test_docs.py: " + what)


_connect, _connect_ex, _getaddrinfo = (
    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
)


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _refuse("connect %r" % (address,))
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _refuse("connect %r" % (address,))
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if host not in (None, "localhost", "127.0.0.1", "::1"):
        _refuse("getaddrinfo %r" % (host,))
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = (
    connect, connect_ex, getaddrinfo
)
_note("loaded %d" % os.getpid())
'''


def write_pngs(folder: Path) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    for label in ("cats", "dogs"):
        (folder / label).mkdir(parents=True)
        for i in range(3):
            pixels = rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / label / f"{i}.png")


@dataclass
class Prepared:
    work: Path
    argv: list[str]  # what runs, after the test values went in
    netlog: Path
    before: set[Path]
    report: str | None = None  # the --report FILE of the command, if any
    lock: Path | None = None  # a stale lock, for --unlock


def files_of(work: Path) -> set[Path]:
    """Everything under `work` but .snakemake/, not following the links to the repository."""
    found = set()
    for top, dirs, files in os.walk(work):
        dirs[:] = [d for d in dirs if d != ".snakemake"]
        found.update(Path(top, name).relative_to(work) for name in dirs + files)
    return found


class Snakemakes:
    """Prepares and starts every documented snakemake command at once (two at a time), so the
    cases only wait for their own result."""

    def __init__(self, root: Path, tiny_glove: Path, bundled_text: Path) -> None:
        self.root, self.tiny_glove, self.bundled_text = root, tiny_glove, bundled_text
        self.guard = root / "guard"
        self.guard.mkdir()
        (self.guard / "sitecustomize.py").write_text(NO_NETWORK)
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.prepared: dict[str, Prepared | Exception] = {}
        self.futures: dict[str, Future[tuple[subprocess.CompletedProcess[str], ...]]] = {}
        for n, command in enumerate(c for c in COMMANDS if kind(c) == "snakemake"):
            try:
                prepared = self.prepare(command, root / f"cmd{n}")
            except Exception as error:  # reported by the command's own case
                self.prepared[command] = error
                continue
            self.prepared[command] = prepared
            self.futures[command] = self.pool.submit(self.run, prepared)

    def prepare(self, command: str, work: Path) -> Prepared:
        work.mkdir()
        (work / "config").symlink_to(ROOT / "config")
        (work / "profiles").symlink_to(ROOT / "profiles")
        text = command
        for placeholder, value in PLACEHOLDERS.items():
            text = text.replace(placeholder, value)
        for path in DATA_PATH.findall(text):
            local = work / path.lstrip("/")
            local.parent.mkdir(parents=True, exist_ok=True)
            if local.suffix == ".txt":
                shutil.copy(self.tiny_glove, local)
            elif not local.suffix:
                write_pngs(local)
            else:
                raise AssertionError(f"no test value for {path}: teach tests/workflow/test_docs.py")
            text = text.replace(path, str(local))
        unknown = re.findall(r"<[\w-]+>", text)
        assert not unknown, f"unknown placeholders {unknown}: teach PLACEHOLDERS"
        argv = shlex.split(text)
        if "--configfile" in argv:
            configfile = work / argv[argv.index("--configfile") + 1]
            if not configfile.exists():
                configfile.write_text("neighbors:\n  k: 20\n")
        if "resources/vectors/glove.6B.50d.txt" in text:  # "the one `make run` wrote"
            local = work / "resources/vectors/glove.6B.50d.txt"
            local.parent.mkdir(parents=True)
            local.symlink_to(self.bundled_text)
        lock = None
        if "--unlock" in argv:  # a crashed run's lock
            lock = work / ".snakemake/locks/0.output.lock"
            lock.parent.mkdir(parents=True)
            lock.write_text(str(work / "results/vectors/glove.6B.50d.h5") + "\n")
        report = None
        if "--report" in argv:
            i = argv.index("--report")
            report = argv[i + 1]
            assert not report.startswith("-"), "--report without FILE writes report.html"
        if not {"-n", "--dry-run", "--dryrun"} & set(argv):
            argv.insert(1, "-n")
        netlog = work.parent / f"{work.name}.netlog"
        return Prepared(work, argv, netlog, files_of(work), report, lock)

    def run(self, prepared: Prepared) -> tuple[subprocess.CompletedProcess[str], ...]:
        """The command as documented, run in its directory with the repository's Snakefile and
        the no-network guard (a --report command: its parse, then the command without it)."""
        args = prepared.argv[1:]
        results = []
        if prepared.report is not None:
            parse = (
                "import json, sys\nfrom snakemake.cli import parse_args\n"
                "_, a = parse_args(sys.argv[1:])\n"
                "print(json.dumps({'report': a.report and str(a.report), "
                "'targets': sorted(a.targets), 'cores': a.cores}))"
            )
            results.append(
                subprocess.run(
                    [sys.executable, "-c", parse, *args],
                    cwd=prepared.work,
                    capture_output=True,
                    text=True,
                    check=False,
                )
            )
            i = args.index("--report")
            args = args[:i] + args[i + 2 :]
        out = snakemake(
            None,
            "--snakefile",
            str(SNAKEFILE),
            *args,
            configfile=None,
            cores=None,
            check=False,
            cwd=prepared.work,
            env={"EMBEDLAB_DOCS_NETLOG": str(prepared.netlog)},
            pythonpath=(self.guard,),
        )
        results.append(out)
        return tuple(results)

    def result(self, command: str) -> tuple[Prepared, tuple[subprocess.CompletedProcess[str], ...]]:
        prepared = self.prepared[command]
        if isinstance(prepared, Exception):
            raise prepared
        return prepared, self.futures[command].result(timeout=300)


@pytest.fixture(scope="session")
def snakemakes(
    tmp_path_factory: pytest.TempPathFactory, tiny_glove: Path, bundled_text: Path
) -> Iterator[Snakemakes]:
    runs = Snakemakes(tmp_path_factory.mktemp("docs_snakemake"), tiny_glove, bundled_text)
    yield runs
    runs.pool.shutdown(wait=True, cancel_futures=True)


def check_snakemake(command: str, snakemakes: Snakemakes) -> subprocess.CompletedProcess[str]:
    prepared, results = snakemakes.result(command)
    out = results[-1]
    text = out.stdout + out.stderr
    netlog = prepared.netlog.read_text() if prepared.netlog.exists() else ""
    assert "loaded" in netlog, "the no-network guard did not load in Snakemake's process"
    assert "refused" not in netlog, f"a dry run tried the network:\n{netlog}\n{text}"
    written = files_of(prepared.work) - prepared.before
    assert not written, f"a dry run wrote {sorted(map(str, written))}"
    if command in CHECKS:
        CHECKS[command].test(out)
        if CHECKS[command].fails:
            return out
    assert out.returncode == 0, f"{' '.join(prepared.argv)}\n{text}"
    if prepared.lock is not None:
        assert "Unlocked working directory" in text, text
        assert not prepared.lock.exists(), "the stale lock is still there"
        return out
    assert "This was a dry-run" in text, text
    for url in URL.findall(command):  # planned, not fetched (the guard above refuses sockets)
        assert url.rsplit("/", 1)[-1] in text, f"no job downloads {url}:\n{text}"
    for path in DATA_PATH.findall(command):
        assert Path(path).stem in text, f"nothing planned for {path}:\n{text}"
    if prepared.report is not None:
        parsed = results[0]
        assert parsed.returncode == 0, parsed.stderr
        args = json.loads(parsed.stdout.strip().splitlines()[-1])
        assert args["report"] == prepared.report, args
        assert args["targets"] == [], f"a word of the command became a target: {args}"
        assert Path(prepared.report).suffix in (".html", ".zip"), prepared.report
    return out


# --- the other kinds ----------------------------------------------------------------------------


EMBEDLAB_FILES = {"GLOVE.txt": "bundled", "OUT.h5": "output"}


def check_embedlab(
    command: str, store_dir: Path, bundled_text: Path, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(command)
    if len(argv) == 2:  # a subcommand named in prose
        out = subprocess.run(
            [str(BIN / "embedlab"), argv[1], "--help"], capture_output=True, text=True, check=False
        )
        assert out.returncode == 0, out.stderr
        return out
    outputs = []
    for i, arg in enumerate(argv):
        if EMBEDLAB_FILES.get(arg) == "bundled":
            argv[i] = str(bundled_text)
        elif EMBEDLAB_FILES.get(arg) == "output":
            argv[i] = str(tmp_path / arg)
            outputs.append(tmp_path / arg)
    out = subprocess.run(
        [str(BIN / "embedlab"), *argv[1:]], cwd=store_dir, capture_output=True, text=True
    )
    if command in CHECKS:
        CHECKS[command].test(out)
    assert out.returncode == 0, out.stderr
    for path in outputs:  # `embedlab convert GLOVE.txt OUT.h5` makes the store parse_vectors makes
        with h5py.File(path) as new, h5py.File(store_dir / STORE) as old:
            assert np.array_equal(new["vectors"][:], old["vectors"][:])
            assert np.array_equal(new["words"][:], old["words"][:])
    return out


def check_make(command: str) -> subprocess.CompletedProcess[str]:
    targets = shlex.split(command)[1:]
    assert targets, command
    for target in targets:
        assert target in makefile_rules(), f"the Makefile has no rule {target!r}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    out = subprocess.run(
        ["make", "-n", *targets], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stdout + out.stderr
    if command in CHECKS:
        CHECKS[command].test(out)
    return out


def pinned() -> dict[str, str]:
    """Every dependency of pyproject.toml (extras included): canonical name -> requirement."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines.extend(extra)
    return {canonicalize_name(Requirement(line).name): line for line in lines}


def check_pip(command: str) -> None:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    argv = shlex.split(command)
    assert argv[1] == "install", f"unknown pip command: {command}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    known = pinned()
    specs = [a for a in argv[2:] if not a.startswith("-")]
    assert specs, command
    for spec in specs:
        if spec.startswith("."):  # the project itself, with extras
            extras = re.fullmatch(r"\.(?:\[([\w,-]+)\])?", spec)
            assert extras, spec
            for extra in filter(None, (extras.group(1) or "").split(",")):
                assert extra in project["optional-dependencies"], f"no extra {extra!r}"
            continue
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        # the same package, or its CPU/GPU build (tensorflow <-> tensorflow-cpu)
        ours = [
            Requirement(line)
            for dep, line in known.items()
            if re.sub(r"-(cpu|gpu)$", "", dep) == re.sub(r"-(cpu|gpu)$", "", name)
        ]
        assert ours, f"{req.name} is not a dependency in pyproject.toml"
        versions = [s.version for s in req.specifier if s.operator == "=="]
        assert versions, f"{spec}: pin a version (pyproject.toml pins {ours[0]})"
        for dep in ours:
            pins = [s.version for s in dep.specifier if s.operator == "=="]
            if pins:
                assert versions == pins, f"{spec} but pyproject.toml has {dep}"
            else:
                assert dep.specifier.contains(versions[0]), f"{spec} but pyproject.toml has {dep}"


def check_bench(command: str) -> None:
    """`python bench/X.py ARGS` (or docs/): ARGS type-check, and every flag is an option."""
    argv = shlex.split(command)
    script = ROOT / argv[1]
    assert script.is_file(), f"{argv[1]} does not exist"
    out = subprocess.run(
        [sys.executable, str(script), *argv[2:], "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr  # values of ARGS type-checked before --help
    for flag in (a for a in argv[2:] if a.startswith("-")):
        assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", out.stdout), (
            f"{flag} is not an option of {argv[1]}:\n{out.stdout}"
        )


OVERVIEW_MAX_BYTES = 300_000  # README's picture stays small


def check_script(command: str, finished: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`python docs/X.py ARGS`: as a bench script, then run for real in a finished run's folder,
    its picture written to `tmp_path` (--output)."""
    check_bench(command)
    argv = shlex.split(command)
    output = tmp_path / "overview.png"
    out = subprocess.run(
        [sys.executable, str(ROOT / argv[1]), *argv[2:], "--output", str(output)],
        cwd=finished,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert output.read_bytes().startswith(b"\x89PNG"), output
    assert output.stat().st_size < OVERVIEW_MAX_BYTES, output.stat().st_size
    return out


def check_activate(command: str) -> None:
    assert (ROOT / ".venv/bin/activate").is_file()
    out = subprocess.run(
        ["bash", "-c", f"{command} && command -v snakemake && command -v embedlab"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    venv = ROOT / ".venv/bin"
    assert out.stdout.split() == [str(venv / "snakemake"), str(venv / "embedlab")], out.stdout


# --- the cases ----------------------------------------------------------------------------------


@pytest.mark.slow  # Snakemake runs, and the full GloVe store
@pytest.mark.parametrize("command", list(COMMANDS), ids=list(COMMANDS))
def test_documented_command(command: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    what = kind(command)
    out: subprocess.CompletedProcess[str] | None = None
    if what == "snakemake":
        out = check_snakemake(command, request.getfixturevalue("snakemakes"))
    elif what == "embedlab":
        published = request.getfixturevalue("published")  # results/vectors/glove.6B.50d.h5
        out = check_embedlab(command, published, request.getfixturevalue("bundled_text"), tmp_path)
    elif what == "make":
        out = check_make(command)
    elif what == "pip":
        check_pip(command)
    elif what == "bench":
        check_bench(command)
    elif what == "script":
        out = check_script(command, request.getfixturevalue("tiny_finished"), tmp_path)
    elif what == "activate":
        check_activate(command)
    else:
        pytest.fail(
            f"{command!r} ({', '.join(COMMANDS[command])}) is a kind of command "
            "tests/workflow/test_docs.py does not know how to check: teach it"
        )
    for doc, shown in SHOWN.get(command, []):
        assert out is not None, f"{doc} shows output after {command!r}: teach {what} to compare it"
        printed = out.stdout + out.stderr
        assert prints(shown, printed), (
            f"{doc} shows after $ {command}:\n" + "\n".join(shown) + f"\nbut it printed:\n{printed}"
        )


def test_every_check_names_a_documented_command() -> None:
    """CHECKS keeps what a command must do; the docs must still show the command."""
    for command in CHECKS:
        assert command in COMMANDS, f"{command!r} is no longer documented; update CHECKS"


def test_console_blocks_begin_with_a_command() -> None:
    """A console block is `$ command` lines with what each prints; text before the first `$ `
    would be checked by nothing."""
    for doc in DOCS:
        for lang, body in FENCE.findall((ROOT / doc).read_text(encoding="utf-8")):
            if lang == "console":
                assert body.startswith("$ "), f"{doc}: a console block begins {body[:40]!r}"


def test_shown_output() -> None:
    printed = "rank\tword\n1\tsnake\n2\tape\n3\ttoad\n"
    assert prints(["rank word", "1 snake", "2 ape", "3  toad", ""], printed)
    assert prints(["rank\tword", "...", "3\ttoad"], printed)
    assert prints(["...", "2 ape", "..."], printed)
    assert prints(["...", "rank word", "1 snake", "...", "3 toad", "..."], printed)
    assert not prints(["rank word", "1 snake"], printed)  # the rest is not elided
    assert not prints(["...", "1 snake", "3 toad"], printed)  # lines apart are not adjacent
    assert not prints(["rank word", "2 ape", "..."], printed)
    assert not prints(["1 snake", "..."], printed)  # the first line is not elided
    assert not prints(["...", "4 monkey"], printed)


def test_the_readme_is_short_and_leads_to_every_page() -> None:
    """README.md takes a newcomer to the first result in at most 150 lines, with a picture of
    real results, and links every page of docs/."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150, "README.md: move the details to docs/"
    for page in (ROOT / "docs").glob("*.md"):
        assert f"(docs/{page.name})" in readme, f"README.md does not link docs/{page.name}"
    assert "(docs/overview.png)" in readme
    picture = ROOT / "docs/overview.png"
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert picture.stat().st_size < OVERVIEW_MAX_BYTES, picture.stat().st_size
    assert "python docs/make_overview.py results" in COMMANDS  # so the command is run


def write_png(path: Path) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (40, 30), (200, 100, 50)).save(path)


def test_overview_script_reads_only_paths_of_the_output_table(tmp_path: Path) -> None:
    """docs/make_overview.py on a results folder holding just the files it reads, each at a path
    of docs/outputs.md's table (which tests/workflow/test_paths.py checks against the rules)."""
    read = {
        "results/vectors/m.h5": None,
        "results/neighbors/m.sample.tsv": "word\tneighbor_1\tsimilarity_1\nfrog\ttoad\t0.79\n",
        "results/analogy/m/google.png": "png",
        "results/comparison/models.png": "png",
        "results/images/d/analysis/all/tsne.png": "png",
    }
    table = table_paths()
    for path, content in read.items():
        assert any(covers(row, path) for row in table), f"{path}: no row of docs/outputs.md"
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if content == "png":
            write_png(target)
        else:
            target.write_text(content or "")
    spec = importlib.util.spec_from_file_location("make_overview", ROOT / "docs/make_overview.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    output = tmp_path / "out/overview.png"
    script.main([str(tmp_path / "results"), "--output", str(output)])
    assert output.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(SystemExit, match="is the run finished"):
        script.main([str(tmp_path / "nothing"), "--output", str(output)])


def test_extraction() -> None:
    block = (
        "snakemake --profile p --cores 4 \\\n    --x=1 y='a # b'  # comment\n"
        "# a cluster without x: add --slurm-no-account --q v\n"
        "# just a comment\nmake run     # the rest\n"
    )
    assert block_commands(block) == [
        "snakemake --profile p --cores 4 --x=1 y='a # b'",
        "snakemake --profile p --cores 4 --x=1 y='a # b' --slurm-no-account --q v",
        "make run",
    ]
    text = "a `make\nreport` b `pip` `h5py.File(x)`\n```bash\nmake test\n```\n```\nmake no\n```\n"
    assert doc_commands(text) == ["make test", "make report"]
    console = (
        "$ embedlab neighbors s.h5 frog \\\n    -k 2  # two\nrank\tword\n1\ttoad\n\n$ make report\n"
    )
    assert console_commands(console) == [
        Shown("embedlab neighbors s.h5 frog -k 2", ("rank\tword", "1\ttoad", "")),
        Shown("make report"),
    ]
    assert doc_commands(f"```console\n{console}```\n") == [
        "embedlab neighbors s.h5 frog -k 2",
        "make report",
    ]
    kinds = {kind(c) for c in COMMANDS}
    assert {"snakemake", "embedlab", "make", "pip", "bench", "script", "activate"} <= kinds, kinds
    assert kind("rm -rf results") == "unknown"
