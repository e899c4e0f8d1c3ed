"""Several word-vector models in one run: the tiny config's two stores, their comparison table,
figure and side-by-side answers, reruns limited to the changed store, and the report section."""

from __future__ import annotations

import base64
import math
import re
import shutil
from pathlib import Path

import pytest
import yaml

from embedlab.analogy.compare import (
    ModelFiles,
    analogy_protocol,
    answers_side_by_side,
    comparison_figure,
    model_row,
)
from embedlab.common.tables import read_tsv
from embedlab.vectors.store import read_store
from tests.browser import assert_drawn_like, open_item, shown_image, shown_table
from tests.helpers import SECOND_MODEL, TINY_CONFIG, TINY_STORES, snakemake, write_second_model

pytestmark = pytest.mark.slow
TINY = yaml.safe_load(TINY_CONFIG.read_text())


def files_of(work: Path, name: str) -> ModelFiles:
    return ModelFiles(
        name,
        work / f"results/vectors/{name}.h5",
        work / f"results/analogy/{name}/google.tsv",
        work / f"results/similarity/{name}.tsv",
        work / f"results/analogy/{name}/queries.tsv",
    )


def test_two_models_in_one_run_each_with_its_own_outputs(tiny_finished: Path) -> None:
    stores = {
        name: read_store(tiny_finished / f"results/vectors/{name}.h5") for name in TINY_STORES
    }
    assert [(len(s), s.dim) for s in stores.values()] == [(3000, 50), (2000, 25)]
    assert stores["tiny25"].attrs["source"] == SECOND_MODEL
    # the second model is another format: read as such, from its compressed bytes
    assert stores["tiny25"].attrs["source_format"] == "word2vec-binary"
    assert stores["tiny25"].attrs["source_gzip"]
    assert stores["glove.tiny"].attrs["source_format"] == "glove"
    for name in TINY_STORES:  # every word-side output exists once per store
        for path in (
            f"results/neighbors/{name}.h5",
            f"results/neighbors/{name}.sample.tsv",
            f"results/analogy/{name}/queries.tsv",
            f"results/analogy/{name}/google_answers.tsv",
            f"results/similarity/{name}.tsv",
        ):
            assert (tiny_finished / path).is_file(), path
    # the second model is not a copy of the first: its own neighbours, from 25 values a word
    first = read_tsv(tiny_finished / "results/neighbors/glove.tiny.sample.tsv")
    second = read_tsv(tiny_finished / "results/neighbors/tiny25.sample.tsv")
    assert [r["word"] for r in first] == ["king", "queen", "the"]
    assert [r["word"] for r in second] == ["king", "the"]  # queen is not in its 2,000 words
    assert first[0]["neighbor_1"] == "prince"
    assert first[0] != second[0]  # same word, other vectors: other scores (and lists)


def test_comparison_table_holds_each_models_scores(tiny_finished: Path) -> None:
    rows = read_tsv(tiny_finished / "results/comparison/models.tsv")
    assert [r["model"] for r in rows] == TINY_STORES  # config order
    for row in rows:
        name = row["model"]
        store = read_store(tiny_finished / f"results/vectors/{name}.h5")
        assert (int(row["words"]), int(row["dim"])) == (len(store), store.dim)
        google = {
            r["section"]: r for r in read_tsv(tiny_finished / f"results/analogy/{name}/google.tsv")
        }
        for pooled in ("semantic", "syntactic", "total"):
            g = google[pooled]
            assert row[f"{pooled} seen"] == f"{g['seen']}/{g['questions']}"
            expected = 100 * int(g["correct"]) / int(g["seen"])
            assert float(row[f"{pooled} %"]) == pytest.approx(expected, abs=1e-3)
        assert row["total seen"].endswith("/19544")
        # the tiny config leaves analogy.restrict_vocab and lowercase at their defaults
        assert row["analogy protocol"] == analogy_protocol(None, True)
        assert "whole vocabulary" in row["analogy protocol"]
        for r in read_tsv(tiny_finished / f"results/similarity/{name}.tsv"):
            assert float(row[f"{r['benchmark']} rho"]) == pytest.approx(float(r["spearman"]))
            assert row[f"{r['benchmark']} coverage"] == f"{r['covered']}/{r['pairs']}"
    # fewer words and values: fewer questions seen, and a lower total
    by_name = {r["model"]: r for r in rows}
    seen = {n: int(r["total seen"].split("/")[0]) for n, r in by_name.items()}
    assert seen["tiny25"] < seen["glove.tiny"]
    assert (tiny_finished / "results/comparison/models.png").read_bytes()[:4] == b"\x89PNG"


def test_analogy_answers_side_by_side(tiny_finished: Path) -> None:
    rows = read_tsv(tiny_finished / "results/comparison/queries.tsv")
    assert list(rows[0]) == ["query", "method", *TINY_STORES]
    assert len(rows) == len(TINY["analogy"]["queries"]) * 3  # three methods per query
    for name in TINY_STORES:
        best = {
            (r["query"], r["method"]): f"{r['word']} ({float(r['score']):.4f})"
            for r in read_tsv(tiny_finished / f"results/analogy/{name}/queries.tsv")
            if r["rank"] == "1"
        }
        for row in rows:
            if (row["query"], row["method"]) in best:
                assert row[name] == best[(row["query"], row["method"])]
            else:
                assert row[name] == "not in vocabulary: unknownword"
    king = {r["method"]: r for r in rows if r["query"] == "king - man + woman"}
    assert king["3CosAdd"]["glove.tiny"].startswith("queen ")


def test_a_model_without_a_similarity_benchmark_is_shown_as_such(
    tiny_finished: Path, tmp_path: Path
) -> None:
    """A model scored on one benchmark only (similarity.benchmarks) says so, and its figure
    still draws (n/a, no bar)."""
    files = files_of(tiny_finished, "tiny25")
    only = tmp_path / "similarity.tsv"
    lines = (tiny_finished / "results/similarity/tiny25.tsv").read_text().splitlines()
    only.write_text("\n".join(lines[:2]) + "\n")  # header and wordsim353
    row = model_row(ModelFiles(*(files.name, files.store, files.google, only, files.queries)), "p")
    assert row["simlex999 coverage"] == "not scored" and math.isnan(row["simlex999 rho"])
    assert not math.isnan(row["wordsim353 rho"])
    comparison_figure([row], tmp_path / "one.png")
    assert (tmp_path / "one.png").read_bytes()[:4] == b"\x89PNG"
    header, answers = answers_side_by_side([files])
    assert header == ["query", "method", "tiny25"] and len(answers) == 6


def test_protocol_names_the_vocabulary_restriction() -> None:
    assert analogy_protocol(300000, False) == (
        "3CosAdd, first 300,000 words (gensim's restrict_vocab), questions as written"
    )


# --- reruns: one source changed --------------------------------------------------------------


@pytest.fixture
def copy(tiny_finished: Path, tmp_path: Path) -> Path:
    work = tmp_path / "work"
    shutil.copytree(tiny_finished, work, symlinks=True)  # keeps mtimes and .snakemake metadata
    return work


def dry_run_jobs(work: Path, config: dict) -> dict[str, set[str]]:
    """The jobs a dry run schedules: rule -> the store names in their wildcards ('' for a job
    without a store name)."""
    path = work / "changed.yaml"
    path.write_text(yaml.safe_dump(config))
    out = snakemake(work, "--dry-run", configfile=path)
    text = out.stdout + out.stderr
    if "Nothing to be done" in text:
        return {}
    jobs: dict[str, set[str]] = {}
    for block in re.split(r"^(?=(?:local)?rule \w+:$)", text, flags=re.M)[1:]:
        rule = re.match(r"(?:local)?rule (\w+):", block).group(1)  # type: ignore[union-attr]
        name = re.search(r"^\s+wildcards: (?:.*, )?name=([^,\s]+)", block, flags=re.M)
        jobs.setdefault(rule, set()).add(name.group(1) if name else "")
    return jobs


# every rule that reads a store, by the store's name (other stages may add more)
STORE_RULES = {
    "parse_vectors",
    "neighbors_chunk",
    "neighbors_merge",
    "sample_neighbors",
    "answer_queries",
    "evaluate_analogy_benchmark",
    "score_similarity",
}
ACROSS_STORES = {"compare_models": {""}, "all": {""}}


def assert_only_store_reruns(jobs: dict[str, set[str]], name: str) -> None:
    assert set(jobs) >= STORE_RULES, jobs
    assert {rule: names for rule, names in jobs.items() if rule not in ACROSS_STORES} == {
        rule: {name} for rule in jobs if rule not in ACROSS_STORES
    }
    assert {rule: jobs[rule] for rule in ACROSS_STORES} == ACROSS_STORES


def with_second_source(**changes: object) -> dict:
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["vectors"]["sources"][1].update(changes)
    return config


def test_changing_one_source_reruns_only_that_stores_jobs(copy: Path) -> None:
    assert dry_run_jobs(copy, TINY) == {}
    assert_only_store_reruns(dry_run_jobs(copy, with_second_source(limit=1500)), "tiny25")
    assert_only_store_reruns(dry_run_jobs(copy, with_second_source(format="glove")), "tiny25")
    # the same for a changed file of that source (a newer file with the same bytes is not a
    # change: Snakemake compares the checksum it recorded for small inputs)
    write_second_model(copy / SECOND_MODEL, n_words=1999)  # one word fewer
    assert_only_store_reruns(dry_run_jobs(copy, TINY), "tiny25")


def test_adding_a_source_runs_only_the_new_stores_jobs(copy: Path) -> None:
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["vectors"]["sources"].append({"source": SECOND_MODEL, "name": "third"})
    assert_only_store_reruns(dry_run_jobs(copy, config), "third")


# --- the report ----------------------------------------------------------------------------------


def test_comparison_section_renders_in_the_report(
    tiny_finished: Path, request: pytest.FixtureRequest
) -> None:
    """The report's "Models compared" section, opened through its menus in a real browser, shows
    the comparison table with both models' numbers, the side-by-side answers, and the figure
    (the pipeline's file, drawn on the screen)."""

    # tests/conftest.py's fixtures: the tiny run's report, and headless Chromium
    page_file, driver = request.getfixturevalue("report"), request.getfixturevalue("browser")

    results = tiny_finished / "results/comparison"
    rows = read_tsv(results / "models.tsv")
    answers = read_tsv(results / "queries.tsv")
    for cells, values in (
        (("all models", "scores"), [r["model"] for r in rows] + [r["total seen"] for r in rows]),
        (("all models", "analogy answers"), [answers[0]["glove.tiny"], answers[0]["tiny25"]]),
    ):
        open_item(driver, page_file, "Word space", "Models compared", cells)
        page, _ = shown_table(driver)
        for value in values:
            assert value in page, f"{cells}: {value!r} not in {page!r}"

    open_item(driver, page_file, "Word space", "Models compared", ("all models", "scores (plot)"))
    image = shown_image(driver)
    shown = base64.b64decode(image.get_attribute("src").split("base64,", 1)[1])
    assert shown == (results / "models.png").read_bytes()
    assert_drawn_like(image.screenshot_as_png, image.rect, results / "models.png", "models.png")
