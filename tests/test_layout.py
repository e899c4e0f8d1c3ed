"""The package mirrors the workflow: one folder of src/embedlab/ and of tests/ per
workflow/rules/<stage>.smk, `common/` beside them, and imports that only go from a stage to an
earlier one (or to common), never in a cycle. Read from the source (lazy imports inside functions
count too), so nothing has to be imported to check it."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT

PACKAGE = ROOT / "src/embedlab"
# the stages in the order the data flows through them (Snakefile's includes)
STAGES = ("vectors", "neighbors", "analogy", "images", "explore")
TOP_LEVEL = {"__init__", "__main__", "cli"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that `path` imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module in modules:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found & modules


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
