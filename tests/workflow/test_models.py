"""Several word-vector models in one run: the tiny config's two stores, their comparison table,
figure and side-by-side answers, reruns limited to the changed store, and the report section."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest
import yaml

from embedlab.analogy.compare import (
    NOT_SCORED,
    POOLED,
    ModelFiles,
    all_questions_figure,
    analogy_protocol,
    answers_side_by_side,
    comparison_figure,
    comparison_rows,
)
from embedlab.analogy.similarity import spearman
from embedlab.common.tables import read_tsv
from embedlab.vectors.store import read_store
from tests.helpers import SECOND_MODEL, TINY_CONFIG, TINY_STORES, snakemake, write_second_model

pytestmark = pytest.mark.slow
TINY = yaml.safe_load(TINY_CONFIG.read_text())
SYNTAX = {True: "syntactic", False: "semantic"}  # the pool of a section, by its gram* name


def files_of(work: Path, name: str) -> ModelFiles:
    return ModelFiles(
        name,
        work / f"results/vectors/{name}.h5",
        work / f"results/analogy/{name}/google_answers.tsv",
        work / f"results/similarity/{name}.tsv",
        work / f"results/similarity/{name}_pairs.tsv",
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
            f"results/similarity/{name}_pairs.tsv",
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
    """Each model's own figures as its per-model tables give them, and its accuracy over all
    questions (an unknown word wrong), beside its coverage."""
    rows = read_tsv(tiny_finished / "results/comparison/models.tsv")
    assert [r["model"] for r in rows] == TINY_STORES  # config order
    for row in rows:
        name = row["model"]
        store = read_store(tiny_finished / f"results/vectors/{name}.h5")
        assert (int(row["words"]), int(row["dim"])) == (len(store), store.dim)
        google = {
            r["section"]: r for r in read_tsv(tiny_finished / f"results/analogy/{name}/google.tsv")
        }
        for pooled in POOLED:
            g = google[pooled]
            assert row[f"{pooled} seen"] == f"{g['seen']}/{g['questions']}"
            expected = 100 * int(g["correct"]) / int(g["seen"])
            assert float(row[f"{pooled} % seen"]) == pytest.approx(expected, abs=1e-3)
            expected = 100 * int(g["correct"]) / int(g["questions"])
            assert float(row[f"{pooled} % all"]) == pytest.approx(expected, abs=1e-3)
        assert row["total seen"].endswith("/19544")
        # the tiny config leaves analogy.restrict_vocab and lowercase at their defaults
        assert row["analogy protocol"] == analogy_protocol(None, True)
        assert "whole vocabulary" in row["analogy protocol"]
        for r in read_tsv(tiny_finished / f"results/similarity/{name}.tsv"):
            assert float(row[f"{r['benchmark']} rho own"]) == pytest.approx(float(r["spearman"]))
            assert row[f"{r['benchmark']} coverage"] == f"{r['covered']}/{r['pairs']}"
    # fewer words and values: fewer questions seen, and a lower total over all of them
    by_name = {r["model"]: r for r in rows}
    seen = {n: int(r["total seen"].split("/")[0]) for n, r in by_name.items()}
    assert seen["tiny25"] < seen["glove.tiny"]
    assert float(by_name["tiny25"]["total % all"]) < float(by_name["glove.tiny"]["total % all"])
    for png in ("models.png", "models_all.png"):
        assert (tiny_finished / "results/comparison" / png).read_bytes()[:4] == b"\x89PNG"


def test_comparison_on_the_questions_and_pairs_every_model_covers(tiny_finished: Path) -> None:
    """The common columns, recomputed here from the per-model answers and pairs: the questions
    (pairs) both models cover, each model's accuracy (rho) on them. tiny25's words are the
    first 2,000 of glove.tiny's 3,000, so the common ones are tiny25's own."""
    rows = {r["model"]: r for r in read_tsv(tiny_finished / "results/comparison/models.tsv")}
    answers = {
        n: read_tsv(tiny_finished / f"results/analogy/{n}/google_answers.tsv") for n in TINY_STORES
    }
    common = [all(a[i]["correct"] for a in answers.values()) for i in range(len(answers["tiny25"]))]
    for name, rows_of in answers.items():
        for pooled in POOLED:
            shared = [
                r
                for r, c in zip(rows_of, common, strict=True)
                if c and pooled in ("total", SYNTAX[r["section"].startswith("gram")])
            ]
            assert rows[name][f"{pooled} common"].split("/")[0] == str(len(shared))
            correct = sum(r["correct"] == "1" for r in shared)
            assert float(rows[name][f"{pooled} % common"]) == pytest.approx(
                100 * correct / len(shared), abs=1e-3
            )
    for pooled in POOLED:
        assert rows["glove.tiny"][f"{pooled} common"] == rows["tiny25"][f"{pooled} common"]
        assert rows["tiny25"][f"{pooled} common"] == rows["tiny25"][f"{pooled} seen"]
        assert rows["tiny25"][f"{pooled} % common"] == rows["tiny25"][f"{pooled} % seen"]
    # word similarity: rho on the pairs both cover, recomputed from the written cosines
    pairs = {n: read_tsv(tiny_finished / f"results/similarity/{n}_pairs.tsv") for n in TINY_STORES}
    for bench in ("wordsim353", "simlex999"):
        by_model = {n: [r for r in p if r["benchmark"] == bench] for n, p in pairs.items()}
        both = [
            all(rs[i]["similarity"] for rs in by_model.values())
            for i in range(len(by_model["tiny25"]))
        ]
        for name, rs in by_model.items():
            shared = [r for r, c in zip(rs, both, strict=True) if c]
            rho = spearman(
                [float(r["human"]) for r in shared], [float(r["similarity"]) for r in shared]
            )
            assert float(rows[name][f"{bench} rho common"]) == pytest.approx(rho, abs=1e-5)
            assert rows[name][f"{bench} common"] == f"{len(shared)}/{len(rs)}"
        assert rows["tiny25"][f"{bench} common"] == rows["tiny25"][f"{bench} coverage"]
        assert rows["tiny25"][f"{bench} rho common"] == rows["tiny25"][f"{bench} rho own"]
        covered = int(rows["glove.tiny"][f"{bench} coverage"].split("/")[0])
        assert len([c for c in both if c]) < covered  # glove.tiny covers more on its own


def test_one_model_is_compared_on_its_own_coverage(tiny_finished: Path, tmp_path: Path) -> None:
    """With one model (the default config) the common questions and pairs are its own."""
    (row,) = comparison_rows([files_of(tiny_finished, "tiny25")], "p")
    for pooled in POOLED:
        assert row[f"{pooled} common"] == row[f"{pooled} seen"]
        assert row[f"{pooled} % common"] == row[f"{pooled} % seen"]
        assert row[f"{pooled} % all"] < row[f"{pooled} % seen"]
    for bench in ("wordsim353", "simlex999"):
        assert row[f"{bench} common"] == row[f"{bench} coverage"]
        assert row[f"{bench} rho common"] == pytest.approx(row[f"{bench} rho own"], abs=1e-5)
    for draw in (comparison_figure, all_questions_figure):
        draw([row], tmp_path / "one.png")
        assert (tmp_path / "one.png").read_bytes()[:4] == b"\x89PNG"


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
    """A run scored on one benchmark only (similarity.benchmarks) says so, and its figures
    still draw (n/a, no bar)."""
    models = []
    for name in TINY_STORES:
        files = files_of(tiny_finished, name)
        only, pairs = tmp_path / f"{name}.tsv", tmp_path / f"{name}_pairs.tsv"
        lines = Path(files.similarity).read_text().splitlines()
        only.write_text("\n".join(lines[:2]) + "\n")  # header and wordsim353
        lines = Path(files.pairs).read_text().splitlines()
        pairs.write_text("\n".join(line for line in lines if "simlex999" not in line) + "\n")
        models.append(ModelFiles(name, files.store, files.answers, only, pairs, files.queries))
    rows = comparison_rows(models, "p")
    for row in rows:
        assert row["simlex999 coverage"] == row["simlex999 common"] == NOT_SCORED
        assert math.isnan(row["simlex999 rho own"]) and math.isnan(row["simlex999 rho common"])
        assert not math.isnan(row["wordsim353 rho common"])
    for draw in (comparison_figure, all_questions_figure):
        draw(rows, tmp_path / "two.png")
        assert (tmp_path / "two.png").read_bytes()[:4] == b"\x89PNG"
    header, answers = answers_side_by_side(models[1:])
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


# The report's "Models compared" section (both models' numbers, the side-by-side answers and
# the figures, opened through its menus in Chromium): tests/workflow/test_report.py, on its walk
# through the tiny report.
