"""Reruns redo only what changed: config values, scripts, or nothing at all.

One complete run of the tiny config is shared (copied before each change); each change is
checked as job counts per rule from a dry run.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.helpers import IMAGE_SIDE, ROOT, TINY_CONFIG, dry_run_counts

pytestmark = pytest.mark.slow
TINY = yaml.safe_load(TINY_CONFIG.read_text())


@pytest.fixture
def copy(tiny_finished: Path, tmp_path: Path) -> Path:
    work = tmp_path / "work"
    shutil.copytree(tiny_finished, work, symlinks=True)  # keeps mtimes and .snakemake metadata
    return work


def dry_run(work: Path, config: dict, *extra: str) -> dict[str, int]:
    path = work / "changed.yaml"
    path.write_text(yaml.safe_dump(config))
    return dry_run_counts(work, *extra, configfile=path)


# A setting decided from the data is checked and decided again, and every analysis job reads
# settings.json anew: it is one file for both subsets and the three analyses (issue 18). With
# settings.json as an ancient() input and each job's requested values as params, Snakemake 9
# would not rerun any of them: a job downstream of one that reruns is not checked for changed
# params when its only link to it is ancient (snakemake/dag.py, update_needrun's masking).
SETTINGS_DECIDED = {
    "check_analysis_settings": 1,
    "decide_analysis_settings": 1,
    "tsne_images": 2,
    "kmeans_images": 2,
    "svm_images": 2,
    "map_images": 1,
}


def changed(section: str, key: str, value: object) -> dict:
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config.setdefault(section, {})[key] = value
    return config


def test_second_run_has_nothing_to_do(copy: Path) -> None:
    assert dry_run(copy, TINY) == {}


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        # the tiny config has two word stores: word-side changes rerun both, and their comparison
        ("neighbors", "k", 4, {"neighbors_chunk": 6, "neighbors_merge": 2, "sample_neighbors": 2}),
        ("neighbors", "sample_words", ["king"], {"sample_neighbors": 2}),
        (
            "analogy",
            "queries",
            ["paris - france + italy"],
            {"answer_queries": 2, "compare_models": 1, "map_words": 2},
        ),
        ("analogy", "restrict_vocab", 2000, {"evaluate_analogy_benchmark": 2, "compare_models": 1}),
        ("similarity", "benchmarks", ["simlex999"], {"score_similarity": 2, "compare_models": 1}),
        ("analysis", "tsne", {"perplexity": 2}, SETTINGS_DECIDED),
        ("analysis", "n_labels", 4, SETTINGS_DECIDED),
        ("analysis", "kmeans", {"pca_components": 5}, SETTINGS_DECIDED),
        # C set instead of chosen by cross-validation: the folds are no longer decided
        ("analysis", "svm", {"C": 0.5}, SETTINGS_DECIDED),
        ("analysis", "svm", {"C_grid": [1.0, 10.0]}, {"svm_images": 2}),
        (
            "images",
            "layer",
            "fc1",
            # VGG16 and everything after it (not the images, their listing or its check)
            {
                rule: n
                for rule, n in IMAGE_SIDE.items()
                if rule not in ("write_digits", "list_images", "check_analysis_settings")
            },
        ),
        (
            "vectors",
            "on_bad_line",
            "skip",
            {
                "parse_vectors": 2,
                "neighbors_chunk": 6,
                "neighbors_merge": 2,
                "sample_neighbors": 2,
                "answer_queries": 2,
                "evaluate_analogy_benchmark": 2,
                "score_similarity": 2,
                "compare_models": 1,
                "map_words": 2,
                "export_projector_words": 2,
            },
        ),
    ],
)
def test_a_config_change_reruns_exactly_its_jobs(copy, section, key, value, expected) -> None:
    assert dry_run(copy, changed(section, key, value)) == {"all": 1, **expected}


def test_editing_a_script_reruns_that_rule_and_what_depends_on_it(
    copy: Path, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for part in ("Snakefile", "workflow", "config", "profiles"):
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, tree / part)
    assert dry_run(copy, TINY, "--snakefile", str(tree / "Snakefile")) == {}
    script = tree / "workflow/scripts/neighbors_merge.py"
    script.write_text(script.read_text() + "\n# edited\n")
    counts = dry_run(copy, TINY, "--snakefile", str(tree / "Snakefile"))
    assert counts == {"all": 1, "neighbors_merge": 2, "sample_neighbors": 2}


def test_scripts_read_config_only_through_params() -> None:
    """A job's config values must reach it as params (which Snakemake records and compares), or a
    changed value would not rerun it."""
    for script in (ROOT / "workflow/scripts").glob("*.py"):
        assert "snakemake.config" not in script.read_text(), script
    allowed = ("params:", "threads:", "resources:", "wildcard_constraints:")
    for rules in (ROOT / "workflow/rules").glob("*.smk"):
        if rules.name == "common.smk":
            continue
        section = None
        for lineno, line in enumerate(rules.read_text().splitlines(), 1):
            stripped = line.strip()
            if re.fullmatch(r"\w+:", stripped) or re.match(r"(threads|default_target):", stripped):
                section = stripped.split(":")[0] + ":"
            if line.startswith(("rule ", "if ")) or not line.strip():
                section = None if line.startswith(("rule ", "if ")) else section
            if "config[" in line and not line.startswith("if "):
                assert section in allowed, f"{rules.name}:{lineno}: config read in {section}"
