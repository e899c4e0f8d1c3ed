"""The package mirrors the workflow: one folder of src/embedlab/ and of tests/ per
workflow/rules/<stage>.smk, `common/` beside them, and imports that only go from a stage to an
earlier one (or to common), never in a cycle; and no test module imports another. Read from the
source (lazy imports inside functions count too), so nothing has to be imported to check it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import ROOT

PACKAGE = ROOT / "src/embedlab"
# the stages in the order the data flows through them (Snakefile's includes)
STAGES = ("vectors", "neighbors", "analogy", "images", "explore")
TOP_LEVEL = {"__init__", "__main__", "cli"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(source: str) -> Iterator[str]:
    """Every module name `source` imports, anywhere in it, as written: `import a.b` gives a.b;
    `from a import b, c` gives a, a.b and a.c (b and c may be modules); a relative import keeps
    its dots (`from . import b`: ., .b)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            yield module
            prefix = module if module.endswith(".") else f"{module}."
            yield from (prefix + a.name for a in node.names)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that `path` imports, anywhere in it."""
    return set(imported_names(path.read_text())) & modules


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imports_of(path, set(files)) - {name} for name, path in files.items()}


def folder(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else None


def test_one_folder_per_stage_and_only_the_command_line_at_the_top() -> None:
    rules = {p.stem for p in (ROOT / "workflow/rules").glob("*.smk")}
    assert rules == {*STAGES, "common"}
    for stage in rules:
        assert (PACKAGE / stage / "__init__.py").is_file(), stage
        assert list((ROOT / "tests" / stage).glob("test_*.py")), f"no tests/{stage}/"
    assert {p.stem for p in PACKAGE.glob("*.py")} <= TOP_LEVEL
    assert not list(PACKAGE.glob("*.c")), "a C extension lives beside the Python that calls it"


def test_no_import_cycle() -> None:
    graph = import_graph()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        for dep in sorted(graph[module]):
            assert dep not in path, "import cycle: " + " -> ".join([*path, dep])
            if dep not in done:
                visit(dep, [*path, dep])
        done.add(module)

    for module in sorted(graph):
        visit(module, [module])


def test_imports_go_to_common_or_an_earlier_stage() -> None:
    order = {"common": -1, **{stage: i for i, stage in enumerate(STAGES)}}
    wrong = [
        f"{module} imports {dep}"
        for module, deps in import_graph().items()
        if folder(module) in order
        for dep in deps
        if folder(dep) in order and order[folder(dep)] > order[folder(module)]
    ]
    assert wrong == []


def imported_test_modules(source: str) -> list[str]:
    """The test modules (test_*.py, conftest) that Python `source` imports, anywhere in it and in
    any form (imported_names), each named once, up to the test module itself (`import
    tests.test_a.b` names tests.test_a); not a name in a string (importlib, pytest_plugins)."""
    found: dict[str, None] = {}
    for name in imported_names(source):
        parts = name.split(".")
        for i, part in enumerate(parts):
            if part.startswith("test_") or part == "conftest":
                found[".".join(parts[: i + 1])] = None
                break
    return list(found)


def test_no_test_module_imports_another() -> None:
    """What several test modules share lives in a helper module of tests/ (helpers.py and its
    kin) or in a fixture of conftest.py, not in a test module that others import."""
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for module in imported_test_modules(path.read_text(encoding="utf-8"))
    ]
    assert wrong == []
    lazy = "def f():\n    from tests.workflow import test_docs, helpers"
    for source, imported in (
        ("from tests.workflow.test_paths import covers", ["tests.workflow.test_paths"]),
        ("import tests.test_cli as cli", ["tests.test_cli"]),
        (lazy, ["tests.workflow.test_docs"]),
        ("from .test_jobs import job", [".test_jobs"]),
        ("from . import conftest", [".conftest"]),
        ("from .. import test_cli, helpers", ["..test_cli"]),
        ("from . import helpers", []),
        ("import tests.test_cli.x", ["tests.test_cli"]),
        ("from tests.helpers import snakemake\nimport testing_tools", []),
    ):
        assert imported_test_modules(source) == imported, source
