"""config/README.md, generated from workflow/schemas/config.schema.yaml (the single source of every
key's type, default and description).

    python -m embedlab.common.config_docs > config/README.md
    python -m embedlab.common.config_docs \
        --schema workflow/schemas/config.schema.yaml -o config/README.md
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from embedlab.common.config import ConfigError, load_schema, schema_types

SCHEMA = Path("workflow/schemas/config.schema.yaml")

INTRO = """\
# Configuration

<!-- Generated from workflow/schemas/config.schema.yaml by
     python -m embedlab.common.config_docs > config/README.md
     Edit the schema, then run that command
     (tests/common/test_config.py fails while this is stale). -->

`config/config.yaml` is the offline default that `make run` uses; it repeats only the keys you
are most likely to change, and every other key takes the default below.
`workflow/schemas/config.schema.yaml` types, describes and defaults every key; this page is
generated from it. A value of the wrong type, out of range, or an unknown key stops the run
before any job starts, with one line naming the key, the value and the rule, such as
`neighbors.k = -3: minimum is 1`. `.test/config/config.yaml` is the tiny configuration the tests
run end to end.

## Overrides

Use your own file (`snakemake --configfile my.yaml`: the keys it does not set take the defaults
below), or override values with `--config KEY=YAML`. A mapping given with `--config` is merged
into the configuration, so the keys it does not name keep their values; each value is typed as
the schema says (`20` becomes a number where a number is wanted, `null` a null). From the
repository root, with the environment activated (`. .venv/bin/activate`); `-n` shows what would
run without running it:

```bash
snakemake -n --config neighbors='{k: 20}'
snakemake -n --config neighbors='{k: 20, metric: euclidean, max_words: 10000}'
# Stanford's glove.6B.zip, two of its members (862 MB download; size and MD5 checked)
snakemake -n --config \\
    vectors="{sources: [{source: 'https://nlp.stanford.edu/data/glove.6B.zip', dims: [50, 300]}]}"
# any vector file you have, here the one `make run` wrote (checksum: null checks the digest
# known for its name; a file of another name is parsed unchecked), beside the bundled vectors
snakemake -n --config \\
    vectors="{sources: [{source: bundled}, {source: resources/vectors/glove.6B.50d.txt, name: my}]}"
snakemake -n --config images="{dataset: mit67, weights: imagenet}" analysis="{svm: {C: 0.5}}"
```

A mistake stops the run before any job, with one line naming the key and the value:

```console
$ snakemake -n --config neighbors='{k: -3}'
...
Invalid configuration: neighbors.k = -3: minimum is 1
Fix it in the --configfile or --config; config/README.md describes every key.
...
```
"""


def cell(text: str) -> str:
    """Text fit for one Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def flow(value: object) -> str:
    """A value as YAML flow text, as a user would type it in config.yaml or --config."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False)
    return text.strip().removesuffix("...").strip()


def constraint(schema: Mapping[str, Any]) -> str:
    """The type and range of a key in words: 'integer ≥ 1', 'one of cosine, euclidean'."""
    if "enum" in schema:
        return "one of " + ", ".join(flow(v) for v in schema["enum"])
    types = schema_types(schema)
    parts = []
    for kind in ("integer", "number", "string", "boolean", "array", "object"):
        if kind not in types:
            continue
        text = {"boolean": "true or false", "array": "list", "object": "mapping"}.get(kind, kind)
        if kind == "string" and schema.get("minLength") == 1:
            text = "non-empty string"
        bounds = [
            f"{sign} {schema[key]}"
            for key, sign in (
                ("minimum", "≥"),
                ("exclusiveMinimum", ">"),
                ("maximum", "≤"),
                ("exclusiveMaximum", "<"),
            )
            if key in schema
        ]
        if bounds:
            text += " " + ", ".join(bounds)
        if kind == "array":
            items = schema.get("items", {})
            if "enum" in items:
                text = "list from " + ", ".join(flow(v) for v in items["enum"])
            else:
                text = f"list of {constraint(items)}s"
            if schema.get("uniqueItems"):
                text += ", no repeats"
            if schema.get("minItems"):
                text += f", at least {schema['minItems']}"
        parts.append(text)
    if "null" in types:
        parts.append("null")
    return " or ".join(parts)


def leaves(schema: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every key that holds a value, with its dotted path below the section."""
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        if "object" in schema_types(sub) and "properties" in sub:
            yield from leaves(sub, path + ".")
        else:
            yield path, sub
            items = sub.get("items", {})
            if "array" in schema_types(sub) and "properties" in items:  # a list of mappings
                yield from leaves(items, path + "[].")


def section(name: str, schema: Mapping[str, Any]) -> str:
    rows = [
        f"## `{name}`",
        "",
        cell(schema.get("description", "")),
        "",
        "| key | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for path, sub in leaves(schema):
        default = f"`{cell(flow(sub['default']))}`" if "default" in sub else ""
        meaning = cell(sub.get("description", ""))
        rows.append(f"| `{path}` | {cell(constraint(sub))} | {default} | {meaning} |")
    return "\n".join(rows) + "\n"


def render(schema: Mapping[str, Any]) -> str:
    """The whole config/README.md."""
    sections = [section(name, sub) for name, sub in schema.get("properties", {}).items()]
    return "\n".join([INTRO, *sections])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m embedlab.common.config_docs",
        description="Write config/README.md from the configuration schema.",
    )
    parser.add_argument("--schema", type=Path, default=SCHEMA, help=f"default: {SCHEMA}")
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    args = parser.parse_args(argv)
    if not args.schema.is_file():
        parser.error(f"{args.schema} not found; run from the repository root or pass --schema")
    try:
        text = render(load_schema(args.schema))
    except ConfigError as error:
        parser.error(str(error))
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
