"""Every command line shown in README.md and config/README.md, checked against the real tools, so
the documentation cannot drift from behaviour.

Commands are read from the files each time the tests are collected: lines of fenced ```bash
blocks (`\\` continuations joined, comments stripped; a comment that says "add --flag ..." gives
the preceding command with those flags as one more case) and inline `code` spans that start with
one of INLINE_PREFIXES. Each command is one test case, its text the id. A kind of command this
file does not know fails until it is taught here. What each kind gets:

- `snakemake ...`: a dry run (-n) with the venv's Snakemake and the repository's Snakefile, in a
  fresh working directory laid out like the repository root (config/, profiles/ linked);
  placeholders get test values (PLACEHOLDERS, /data/... files and folders, LOCAL_FILES). No
  network: every Python process Snakemake starts refuses sockets and name lookups (sitecustomize),
  and a dry run must not write anything outside .snakemake/. `--report FILE`: Snakemake's own
  parser must bind FILE to --report (not to a target), and the command without it must dry-run.
- `embedlab ...`: run for real in a directory holding results/vectors/glove.6B.50d.h5 converted
  from the full bundled GloVe text; CLAIMS ties what the docs say a command prints to its output.
- `make X`: `make -n X` succeeds and the Makefile declares X.
- `pip install ...`: the requirements parse and pin what pyproject.toml pins.
- `python bench/X.py ARGS`: `ARGS --help` exits 0 (so the values type-check) and every flag of
  ARGS is in the help text.
- `. .venv/bin/activate`: exists, and puts the venv's snakemake and embedlab on PATH.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pytest

from tests.helpers import ROOT, SNAKEFILE, snakemake

DOCS = ("README.md", "config/README.md")
INLINE_PREFIXES = (
    "snakemake ",
    "embedlab ",
    "make ",
    "python bench/",
    "pip ",
    ". .venv/bin/activate",
)
BIN = Path(sys.executable).parent
STORE = "results/vectors/glove.6B.50d.h5"


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


def doc_commands(text: str) -> list[str]:
    commands = []
    for lang, body in FENCE.findall(text):
        if lang in ("bash", "sh", "shell", "console"):
            commands.extend(block_commands(body))
    for span in SPAN.findall(FENCE.sub("", text)):
        span = " ".join(span.split())
        if span.startswith(INLINE_PREFIXES):
            commands.append(span)
    return commands


def all_commands() -> dict[str, list[str]]:
    """Every documented command (deduplicated, in order of first appearance) -> its files."""
    found: dict[str, list[str]] = {}
    for doc in DOCS:
        for command in doc_commands((ROOT / doc).read_text(encoding="utf-8")):
            found.setdefault(command, [])
            if doc not in found[command]:
                found[command].append(doc)
    return found


COMMANDS = all_commands()


def flat(text: str) -> str:
    return " ".join(text.split())


def docs_text() -> str:
    return flat(" ".join((ROOT / doc).read_text(encoding="utf-8") for doc in DOCS))


def kind(command: str) -> str:
    if command == ". .venv/bin/activate":
        return "activate"
    for prefix, name in (
        ("snakemake ", "snakemake"),
        ("embedlab ", "embedlab"),
        ("make ", "make"),
        ("python bench/", "bench"),
        ("pip ", "pip"),
    ):
        if command.startswith(prefix):
            return name
    return "unknown"


# --- claims: what the docs say a command does, parsed from the docs' own words -------------------


def listed_words(claim: str) -> list[str]:
    return [w.strip(" .") for w in claim.split("→", 1)[1].split(",")]


def check_neighbors(claim: str, out: subprocess.CompletedProcess[str]) -> None:
    got = [line.split("\t")[1] for line in out.stdout.splitlines()[1:]]
    assert got == listed_words(claim), out.stdout


def check_analogy(claim: str, out: subprocess.CompletedProcess[str]) -> None:
    first: dict[str, tuple[str, str]] = {}
    for line in out.stdout.splitlines()[1:]:
        method, rank, word, score = line.split("\t")
        if rank == "1":
            first[method] = (word, score)
    expected = re.findall(r"(\w+) \((\d+\.\d+)\) by (\w+)", claim)
    assert len(expected) == 2, claim
    for word, score, method in expected:
        assert first[method] == (word, score), out.stdout
    lab = re.search(r"`(\w+)` first by the lab's method", claim)
    assert lab, claim
    assert first["lab"][0] == lab.group(1), out.stdout


def check_store_fields(claim: str, out: subprocess.CompletedProcess[str]) -> None:
    """The store layout of the output path table, against what `embedlab info` lists."""
    datasets = re.findall(r"`(\w+)` (?:float32|\(UTF-8\))", claim)
    attributes = re.findall(r"`(\w+)`", claim.split("attributes", 1)[1])
    assert datasets == ["vectors", "words"] and attributes, claim
    assert "  vectors: float32 (400000, 50)" in out.stdout, out.stdout
    assert "  words: " in out.stdout, out.stdout
    for name in attributes:
        assert re.search(rf"^  {name} = ", out.stdout, re.MULTILINE), (name, out.stdout)


def check_config_error(claim: str, out: subprocess.CompletedProcess[str]) -> None:
    message = re.search(r'"([^"]+)"', claim)
    assert message, claim
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert message.group(1) in text, text
    assert "Job stats" not in text, text  # "before any job"


def check_default_profile(claim: str, out: subprocess.CompletedProcess[str]) -> None:
    assert "profiles/default is picked up" in claim
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"Using workflow specific profile \S*profiles/default\b", out.stderr), (
        out.stderr
    )


def check_make_report(claim: str, out: subprocess.CompletedProcess[str]) -> None:
    path = re.search(r"writes `([^`]+)`", claim)
    assert path, claim
    assert re.search(rf"snakemake .*--report {re.escape(path.group(1))}\b", out.stdout), out.stdout


@dataclass(frozen=True)
class Claim:
    text: str  # as it stands in the docs (whitespace aside)
    check: Callable[[str, subprocess.CompletedProcess[str]], None]


SPACED = 'embedlab analogy results/vectors/glove.6B.50d.h5 "king - man + woman"'
CLAIMS: dict[str, Claim] = {
    "embedlab neighbors results/vectors/glove.6B.50d.h5 frog -k 5": Claim(
        "`embedlab neighbors results/vectors/glove.6B.50d.h5 frog -k 5` → snake, ape, toad, "
        "monkey, "
        "spider.",
        check_neighbors,
    ),
    SPACED: Claim(
        "→ queen (0.8524) by 3CosAdd, queen (0.9289) by 3CosMul, and `king` first by the lab's "
        "method",
        check_analogy,
    ),
    "embedlab analogy results/vectors/glove.6B.50d.h5 king-man+woman": Claim(
        "`embedlab analogy results/vectors/glove.6B.50d.h5 king-man+woman` gives the same",
        lambda claim, out: check_analogy(CLAIMS[SPACED].text, out),
    ),
    "embedlab info results/vectors/glove.6B.50d.h5": Claim(
        "HDF5 store: `vectors` float32 [N, d] (contiguous, file order), `words` (UTF-8), "
        "attributes `source`, `source_sha256`, `dim`, `n_words`, `n_skipped`",
        check_store_fields,
    ),
    "snakemake -n --config neighbors='{k: -3}'": Claim(
        '# a mistake stops before any job: "Invalid configuration: neighbors.k = -3: minimum is 1"',
        check_config_error,
    ),
    "snakemake --cores all": Claim(
        "snakemake --cores all # profiles/default is picked up automatically",
        check_default_profile,
    ),
    "make report": Claim("`make report` writes `results/report.html`", check_make_report),
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


def check_snakemake(command: str, snakemakes: Snakemakes) -> None:
    prepared, results = snakemakes.result(command)
    out = results[-1]
    text = out.stdout + out.stderr
    netlog = prepared.netlog.read_text() if prepared.netlog.exists() else ""
    assert "loaded" in netlog, "the no-network guard did not load in Snakemake's process"
    assert "refused" not in netlog, f"a dry run tried the network:\n{netlog}\n{text}"
    written = files_of(prepared.work) - prepared.before
    assert not written, f"a dry run wrote {sorted(map(str, written))}"
    if command in CLAIMS:
        CLAIMS[command].check(CLAIMS[command].text, out)
        if CLAIMS[command].check is check_config_error:
            return
    assert out.returncode == 0, f"{' '.join(prepared.argv)}\n{text}"
    if prepared.lock is not None:
        assert "Unlocked working directory" in text, text
        assert not prepared.lock.exists(), "the stale lock is still there"
        return
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


# --- the other kinds ----------------------------------------------------------------------------


EMBEDLAB_FILES = {"GLOVE.txt": "bundled", "OUT.h5": "output"}


def check_embedlab(command: str, store_dir: Path, bundled_text: Path, tmp_path: Path) -> None:
    argv = shlex.split(command)
    if len(argv) == 2:  # a subcommand named in prose
        out = subprocess.run(
            [str(BIN / "embedlab"), argv[1], "--help"], capture_output=True, text=True, check=False
        )
        assert out.returncode == 0, out.stderr
        return
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
    if command in CLAIMS:
        CLAIMS[command].check(CLAIMS[command].text, out)
    assert out.returncode == 0, out.stderr
    for path in outputs:  # `embedlab convert GLOVE.txt OUT.h5` makes the store parse_vectors makes
        with h5py.File(path) as new, h5py.File(store_dir / STORE) as old:
            assert np.array_equal(new["vectors"][:], old["vectors"][:])
            assert np.array_equal(new["words"][:], old["words"][:])


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([\w.-]+)\s*:(?!=)", text, re.MULTILINE))


def check_make(command: str) -> None:
    targets = shlex.split(command)[1:]
    assert targets, command
    for target in targets:
        assert target in makefile_targets(), f"the Makefile has no rule {target!r}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    out = subprocess.run(
        ["make", "-n", *targets], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stdout + out.stderr
    if command in CLAIMS:
        CLAIMS[command].check(CLAIMS[command].text, out)


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
    if what == "snakemake":
        check_snakemake(command, request.getfixturevalue("snakemakes"))
    elif what == "embedlab":
        published = request.getfixturevalue("published")  # results/vectors/glove.6B.50d.h5
        check_embedlab(command, published, request.getfixturevalue("bundled_text"), tmp_path)
    elif what == "make":
        check_make(command)
    elif what == "pip":
        check_pip(command)
    elif what == "bench":
        check_bench(command)
    elif what == "activate":
        check_activate(command)
    else:
        pytest.fail(
            f"{command!r} ({', '.join(COMMANDS[command])}) is a kind of command "
            "tests/workflow/test_docs.py does not know how to check: teach it"
        )


def test_every_claim_is_in_the_docs_next_to_its_command() -> None:
    text = docs_text()
    for command, claim in CLAIMS.items():
        assert command in COMMANDS, f"{command!r} is no longer documented; update CLAIMS"
        assert flat(claim.text) in text, f"the docs no longer say: {claim.text}"


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
    kinds = {kind(c) for c in COMMANDS}
    assert {"snakemake", "embedlab", "make", "pip", "bench", "activate"} <= kinds, kinds
    assert kind("rm -rf results") == "unknown"
