"""The "Output path scheme" table of docs/outputs.md and the rules name the same paths, in both
directions.

The rules' paths are read from the workflow as Snakemake parses it (no DAG, no run), for two
configs that between them define every conditional rule. A wildcard `{name}` is compared as the
table writes it, `<name>`; a placeholder of the table also stands for a fixed name in a rule's
path (`resources/vectors/<name>.txt` covers write_bundled_glove's `glove.6B.50d.txt`). A log or
benchmark named `<stage>/<rule>_<its wildcards>` is covered by the table's generic row.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import DEFAULT_CONFIG, parsed_workflow
from tests.output_table import TABLE_DOC, covers, table_paths

# bundled, downloaded and extracted vectors, and the digits; then MIT-67 (get_mit67)
ZIP = {"source": "https://nlp.stanford.edu/data/glove.6B.zip", "dims": [100]}
CONFIGS = ({"vectors": {"sources": [{"source": "bundled"}, ZIP]}}, {"images": {"dataset": "mit67"}})
# written by `snakemake --report` (make report), not by a rule
REPORTS = {"results/report.html", "results/report.zip"}


def placeholders(path: str) -> str:
    """A rule's path with each wildcard `{name}` (or `{name,constraint}`) written `<name>`."""
    return re.sub(r"\{(\w+)(?:,[^{}]*)?\}", r"<\1>", path)


def rule_paths(workdir: Path) -> dict[str, set[str]]:
    """Every path a rule writes (outputs, log, benchmark) -> the forms the table may give it:
    itself, and the generic row for a log or benchmark named after its rule and wildcards."""
    paths: dict[str, set[str]] = {}
    for config in CONFIGS:
        with parsed_workflow(workdir, DEFAULT_CONFIG, config) as workflow:
            for rule in workflow.rules:
                if not rule.output:
                    continue  # all
                outputs = [placeholders(path) for path in rule.output]
                paths.update((path, {path}) for path in outputs)
                # `_<dataset>_<subset>`: the rule's wildcards in the order its outputs name them
                names = dict.fromkeys(re.findall(r"<\w+>", " ".join(outputs)))
                own = rf"^(\w+)/\w+/{rule.name}{''.join(f'_{n}' for n in names)}\.(\w+)$"
                for path in map(placeholders, [*rule.log, rule.benchmark]):
                    paths[path] = {path, re.sub(own, r"\1/<stage>/<rule>_<wildcards>.\2", path)}
    return paths


def test_output_table_and_rules_name_the_same_paths(tmp_path: Path) -> None:
    paths = rule_paths(tmp_path)
    forms = set().union(*paths.values())
    table = table_paths()
    missing = [
        path for path, own in paths.items() if not any(covers(r, f) for r in table for f in own)
    ]
    assert not missing, f"rule paths missing from the table of {TABLE_DOC}: {missing}"
    unwritten = [r for r in table if r not in REPORTS and not any(covers(r, f) for f in forms)]
    assert not unwritten, f"the table of {TABLE_DOC} names paths no rule writes: {unwritten}"
