"""The configuration: one schema, typed --config values, one-line errors, a generated README."""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from embedlab.common.config import ConfigError, check_config, coerce, load_schema
from embedlab.common.config_docs import main as config_docs_main
from embedlab.common.config_docs import render
from tests.helpers import ROOT, snakemake

SCHEMA_PATH = ROOT / "workflow/schemas/config.schema.yaml"
SCHEMA = load_schema(SCHEMA_PATH)

# Keys config/config.yaml may set to something else than the schema default, each with its reason.
# Empty: the schema's defaults are the offline defaults.
OFFLINE_OVERRIDES: dict[str, str] = {}


def leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """{'neighbors.k': 10, ...} for every non-mapping value of a nested mapping."""
    if not isinstance(value, dict) or not value:
        return {prefix: value}
    out: dict[str, Any] = {}
    for key, sub in value.items():
        out.update(leaves(sub, f"{prefix}.{key}" if prefix else key))
    return out


def schema_leaves(schema: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    out = {}
    for key, sub in schema.get("properties", {}).items():
        path = f"{prefix}.{key}" if prefix else key
        out.update(schema_leaves(sub, path) if "properties" in sub else {path: sub})
    return out


DEFAULTS = check_config({}, SCHEMA)


def src(**item: object) -> dict[str, Any]:
    """A config whose one vectors.sources item is `item` (with source x.txt unless given)."""
    return {"vectors": {"sources": [{"source": "x.txt", **item}]}}


def error_of(config: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        check_config(config, SCHEMA)
    return str(info.value)


# --- the schema is the single source -------------------------------------------------------------


def test_every_key_has_type_default_and_description() -> None:
    for path, sub in schema_leaves(SCHEMA).items():
        assert {"type", "default", "description"} <= set(sub), path


def test_readme_is_generated_from_the_schema() -> None:
    committed = (ROOT / "config/README.md").read_text(encoding="utf-8")
    assert committed == render(SCHEMA), (
        "config/README.md is stale: run `python -m embedlab.common.config_docs > config/README.md`"
    )


def test_readme_lists_every_key_with_its_default(tmp_path: Path) -> None:
    out = tmp_path / "README.md"
    assert config_docs_main(["--schema", str(SCHEMA_PATH), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([\w.]+)` \| [^|]+ \| `([^`]*)` \|", text, flags=re.M))
    assert rows["k"] == "10" and rows["shards"] == "2" and rows["svm.C"] == "null"
    sections = re.findall(r"^## `(\w+)`", text, flags=re.M)
    assert sections == list(SCHEMA["properties"])
    assert len(rows) == len({p.split(".", 1)[1] for p in schema_leaves(SCHEMA)})


def test_config_yaml_repeats_only_defaults_or_documented_overrides() -> None:
    raw = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    repeated = leaves(raw)
    checked = leaves(check_config(raw, SCHEMA))  # list items (vectors.sources) get defaults too
    defaults = leaves(DEFAULTS)
    assert set(OFFLINE_OVERRIDES) <= set(repeated)
    for path in repeated:
        assert path in defaults, f"config/config.yaml: {path} is not in the schema"
        if path not in OFFLINE_OVERRIDES:
            assert checked[path] == defaults[path], f"config/config.yaml: {path} is not the default"


# --- typing of --config strings ------------------------------------------------------------------


def test_strings_get_the_type_the_schema_asks_for() -> None:
    raw = {  # what `snakemake --config` hands over: YAML read without types
        "vectors": {
            "sources": [{"source": "123", "dims": ["50", "300"], "checksum": "null", "limit": "9"}],
        },
        "downloads": {"timeout_s": "1e1"},
        "neighbors": {"k": "20", "max_words": "~", "sample_words": ["true", "null", "7"]},
        "images": {"folder": "photos", "mixed_precision": "yes", "test_fraction": "0.25"},
        "analysis": "{svm: {C: 0.5}, tsne: {perplexity: 5}}",
    }
    assert coerce(raw, SCHEMA) == {
        "vectors": {
            "sources": [{"source": "123", "dims": [50, 300], "checksum": None, "limit": 9}],
        },
        "downloads": {"timeout_s": 10.0},
        "neighbors": {"k": 20, "max_words": None, "sample_words": ["true", "null", "7"]},
        "images": {"folder": "photos", "mixed_precision": True, "test_fraction": 0.25},
        "analysis": {"svm": {"C": 0.5}, "tsne": {"perplexity": 5}},
    }


def test_strings_of_the_wrong_kind_stay_strings_and_fail() -> None:
    assert coerce({"neighbors": {"k": "abc"}}, SCHEMA) == {"neighbors": {"k": "abc"}}
    assert coerce({"vectors": {"sources": "50"}}, SCHEMA) == {"vectors": {"sources": "50"}}
    assert coerce({"neighbors": {"k": "2.5"}}, SCHEMA) == {"neighbors": {"k": "2.5"}}


def test_an_empty_string_is_null_only_where_no_string_is_allowed() -> None:
    """`name: ''` stays '' (and fails: names nothing) instead of turning into `name: null`."""
    assert coerce(src(name="", checksum=" "), SCHEMA) == src(name="", checksum=" ")
    assert coerce({"neighbors": {"max_words": ""}}, SCHEMA) == {"neighbors": {"max_words": None}}


def test_defaults_are_filled_in_as_copies() -> None:
    config = check_config({"neighbors": {"k": 3}}, SCHEMA)
    assert config["neighbors"]["k"] == 3 and config["neighbors"]["metric"] == "cosine"
    sources = config["vectors"]["sources"]
    assert sources[0]["dims"] == [50] and config["images"]["mit67"]["archive_md5"] is None
    sources[0]["dims"].append(300)
    sources.append({"source": "x.txt"})
    assert check_config({}, SCHEMA)["vectors"]["sources"] == [
        {**sources[0], "dims": [50]}  # neither the list nor the item's list were shared
    ]


def test_the_input_is_not_changed() -> None:
    raw = {"neighbors": {"k": "20"}}
    before = copy.deepcopy(raw)
    check_config(raw, SCHEMA)
    assert raw == before


# --- one line per problem ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "line"),
    [
        ({"neighbors": {"k": -3}}, "neighbors.k = -3: minimum is 1"),
        ({"neighbors": {"k": "abc"}}, "neighbors.k = 'abc': must be an integer"),
        (
            {"neighbors": {"kk": 3}},
            "unknown key neighbors.kk "
            "(known: k, metric, max_words, chunks, threads, device, sample_words)",
        ),
        (
            {"extra": 1},
            "unknown key extra (known: vectors, downloads, neighbors, analogy, similarity, images, "
            "analysis, explore)",
        ),
        ({"vectors": {"on_bad_line": "ignore"}}, "vectors.on_bad_line = 'ignore': must be one of "),
        ({"vectors": {"sources": "x.txt"}}, "vectors.sources = 'x.txt': must be a list"),
        ({"vectors": {"sources": []}}, "vectors.sources = []: needs at least 1 item"),
        (src(dims=[50, 60]), "vectors.sources[0].dims[1] = 60: must be one of 25, 50, 100"),
        (src(dims=[]), "vectors.sources[0].dims = []: needs at least 1 item"),
        (src(dims=[50, 50]), "vectors.sources[0].dims = [50, 50]: items must not repeat"),
        (src(source=""), "vectors.sources[0].source = '': must not be empty"),
        (src(name=""), "vectors.sources[0].name = '': must not be empty"),
        (src(checksum=5), "vectors.sources[0].checksum = 5: must be a string or null"),
        (src(format="bin"), "vectors.sources[0].format = 'bin': must be one of 'auto', "),
        (src(limit=0), "vectors.sources[0].limit = 0: minimum is 1"),
        (src(unicode_errors="x"), "vectors.sources[0].unicode_errors = 'x': must be one of "),
        (src(sizes=[1]), "unknown key vectors.sources[0].sizes (known: source, name, format, "),
        ({"vectors": {"sources": [{"name": "a"}]}}, "vectors.sources[0]: key source is required"),
        ({"analysis": {"svm": {"C": 0}}}, "analysis.svm.C = 0: must be greater than 0"),
        ({"images": {"test_fraction": 1}}, "images.test_fraction = 1: must be less than 1"),
        ({"neighbors": 5}, "neighbors = 5: must be a mapping"),
    ],
)
def test_each_problem_is_one_line(config: dict[str, Any], line: str) -> None:
    first, advice = error_of(config).splitlines()
    assert first.startswith(line)
    assert "config/README.md" in advice


def test_many_problems_are_counted_not_listed() -> None:
    lines = error_of({"neighbors": {"k": 0, "chunks": 0, "threads": 0}}).splitlines()
    assert lines == [
        "neighbors.chunks = 0: minimum is 1",
        "neighbors.k = 0: minimum is 1 (and 1 more)",
        lines[-1],
    ]


def test_old_keys_stop_with_one_line_naming_the_new_ones() -> None:
    """A config of an earlier embedlab: every moved key in one line, before any schema problem."""
    message = error_of({"vectors": {"download_retries": 2, "timeout_s": 9}, "neighbors": {"k": 0}})
    assert message == (
        "`vectors.download_retries` is now `downloads.retries`; `vectors.timeout_s` is now "
        "`downloads.timeout_s` (config/README.md describes every key)"
    )


# --- real Snakemake runs -------------------------------------------------------------------------


def dry_run(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Snakemake on the offline default config (bundled source: no download in a dry run)."""
    return snakemake(workdir, *args, configfile=ROOT / "config/config.yaml", check=False)


@pytest.mark.slow
def test_brief_overrides_reach_the_jobs(tmp_path: Path) -> None:
    out = dry_run(
        tmp_path,
        "-n",
        "--config",
        "vectors={sources: [{source: 'https://nlp.stanford.edu/data/glove.6B.zip', "
        "dims: [50, 300], checksum: null}]}",
        "neighbors={k: 20}",
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    counts = re.findall(r"^(download_vectors|extract_vectors|parse_vectors)\s+(\d+)$", text, re.M)
    assert dict(counts) == {"download_vectors": "1", "extract_vectors": "2", "parse_vectors": "2"}


# Through Snakemake, one case of each path a message takes to the user: a --config value typed
# by the schema, a store check across list items given on the command line, an old section.
# Every message itself is checked above (check_config) and in tests/vectors/test_sources.py; the
# documented `--config neighbors='{k: -3}'` runs in tests/workflow/test_docs.py.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("override", "line"),
    [
        ("neighbors={k: abc}", "Invalid configuration: neighbors.k = 'abc': must be an integer"),
        (
            "glove={source: bundled}",
            "Invalid configuration: the `glove:` section is now `vectors:` (its `source` goes "
            "into a list, `vectors: {sources: [{source: ...}]}`; config/README.md describes "
            "every key)",
        ),
        (
            "vectors={sources: [{source: bundled}, {source: a/glove.6B.50d.txt}]}",
            "Invalid configuration: vectors.sources[1]: store name 'glove.6B.50d' is also the "
            "name of vectors.sources[0]; set a different vectors.sources[1].name "
            "(results/vectors/<name>.h5).",
        ),
    ],
)
def test_bad_overrides_stop_with_one_short_message(
    tmp_path: Path, override: str, line: str
) -> None:
    out = dry_run(tmp_path, "-n", "--config", override)
    text = (out.stdout + out.stderr).strip()
    assert out.returncode != 0
    assert line in text.splitlines(), text
    assert len(text.splitlines()) <= 5, text
    assert "Failed validating" not in text and "Traceback" not in text
    assert not (tmp_path / "results").exists()
