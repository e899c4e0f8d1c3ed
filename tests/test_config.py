"""The configuration: one schema, typed --config values, one-line errors, a generated README."""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from embedlab.config import check_config, coerce, load_schema
from embedlab.config_docs import main as config_docs_main
from embedlab.config_docs import render
from embedlab.sources import ConfigError
from tests.conftest import ROOT
from tests.test_workflow import snakemake

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
        "config/README.md is stale: run `python -m embedlab.config_docs > config/README.md`"
    )


def test_readme_lists_every_key_with_its_default(tmp_path: Path) -> None:
    out = tmp_path / "README.md"
    assert config_docs_main(["--schema", str(SCHEMA_PATH), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([\w.]+)` \| [^|]+ \| `([^`]*)` \|", text, flags=re.M))
    assert rows["k"] == "10" and rows["shards"] == "2" and rows["svm.C"] == "1.0"
    sections = re.findall(r"^## `(\w+)`", text, flags=re.M)
    assert sections == list(SCHEMA["properties"])
    assert len(rows) == len({p.split(".", 1)[1] for p in schema_leaves(SCHEMA)})


def test_config_yaml_repeats_only_defaults_or_documented_overrides() -> None:
    repeated = leaves(yaml.safe_load((ROOT / "config/config.yaml").read_text()))
    defaults = leaves(DEFAULTS)
    assert set(OFFLINE_OVERRIDES) <= set(repeated)
    for path, value in repeated.items():
        assert path in defaults, f"config/config.yaml: {path} is not in the schema"
        if path not in OFFLINE_OVERRIDES:
            assert value == defaults[path], f"config/config.yaml: {path} differs from the default"


# --- typing of --config strings ------------------------------------------------------------------


def test_strings_get_the_type_the_schema_asks_for() -> None:
    raw = {  # what `snakemake --config` hands over: YAML read without types
        "glove": {"source": "123", "dims": ["50", "300"], "checksum": "null", "timeout_s": "1e1"},
        "neighbors": {"k": "20", "max_words": "~", "sample_words": ["true", "null", "7"]},
        "images": {"folder": "photos", "mixed_precision": "yes", "test_fraction": "0.25"},
        "analysis": "{svm: {C: 0.5}, tsne: {perplexity: 5}}",
    }
    assert coerce(raw, SCHEMA) == {
        "glove": {"source": "123", "dims": [50, 300], "checksum": None, "timeout_s": 10.0},
        "neighbors": {"k": 20, "max_words": None, "sample_words": ["true", "null", "7"]},
        "images": {"folder": "photos", "mixed_precision": True, "test_fraction": 0.25},
        "analysis": {"svm": {"C": 0.5}, "tsne": {"perplexity": 5}},
    }


def test_strings_of_the_wrong_kind_stay_strings_and_fail() -> None:
    assert coerce({"neighbors": {"k": "abc"}}, SCHEMA) == {"neighbors": {"k": "abc"}}
    assert coerce({"glove": {"dims": "50"}}, SCHEMA) == {"glove": {"dims": "50"}}
    assert coerce({"neighbors": {"k": "2.5"}}, SCHEMA) == {"neighbors": {"k": "2.5"}}


def test_defaults_are_filled_in_as_copies() -> None:
    config = check_config({"neighbors": {"k": 3}}, SCHEMA)
    assert config["neighbors"]["k"] == 3 and config["neighbors"]["metric"] == "cosine"
    assert config["glove"]["dims"] == [50] and config["images"]["mit67"]["archive_md5"] is None
    config["glove"]["dims"].append(300)
    assert check_config({}, SCHEMA)["glove"]["dims"] == [50]


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
            "unknown key neighbors.kk (known: k, metric, max_words, chunks, threads, sample_words)",
        ),
        (
            {"extra": 1},
            "unknown key extra (known: glove, neighbors, analogy, similarity, images, analysis)",
        ),
        ({"glove": {"on_bad_line": "ignore"}}, "glove.on_bad_line = 'ignore': must be one of "),
        ({"glove": {"dims": "50"}}, "glove.dims = '50': must be a list"),
        ({"glove": {"dims": [50, 60]}}, "glove.dims[1] = 60: must be one of 25, 50, 100"),
        ({"glove": {"dims": []}}, "glove.dims = []: needs at least 1 item"),
        ({"glove": {"dims": [50, 50]}}, "glove.dims = [50, 50]: items must not repeat"),
        ({"glove": {"source": ""}}, "glove.source = '': must not be empty"),
        ({"glove": {"checksum": 5}}, "glove.checksum = 5: must be a string or null"),
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
        "glove={source: 'https://nlp.stanford.edu/data/glove.6B.zip', dims: [50, 300],"
        " checksum: null}",
        "neighbors={k: 20}",
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    counts = re.findall(r"^(download_glove|extract_glove|parse_glove)\s+(\d+)$", text, re.M)
    assert dict(counts) == {"download_glove": "1", "extract_glove": "2", "parse_glove": "2"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("override", "line"),
    [
        ("neighbors={k: -3}", "Invalid configuration: neighbors.k = -3: minimum is 1"),
        ("neighbors={k: abc}", "Invalid configuration: neighbors.k = 'abc': must be an integer"),
        (
            "neighbors={kk: 3}",
            "Invalid configuration: unknown key neighbors.kk "
            "(known: k, metric, max_words, chunks, threads, sample_words)",
        ),
        (
            "glove={dims: [100]}",
            "Invalid configuration: glove.source 'bundled' holds only the 50d vectors, but "
            "glove.dims is [100]; set glove.dims: [50] or point glove.source at glove.6B.zip "
            "(URL or local path).",
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
