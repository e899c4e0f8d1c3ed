"""The comparison of models on equal footing: the questions and pairs every model covers, the
accuracy over all questions (gensim's dummy4unknown), and the table's rows and figures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from embedlab.analogy.answers import (
    ANSWER_HEADER,
    answer_rows,
    evaluate_section,
    pool,
    read_questions,
    unit_rows,
)
from embedlab.analogy.compare import (
    NOT_SCORED,
    POOLED,
    ComparisonError,
    all_questions_figure,
    analogy_tallies,
    comparison_figure,
    model_row,
    similarity_tallies,
)
from embedlab.analogy.similarity import (
    PAIR_HEADER,
    benchmark_file,
    evaluate,
    pair_rows,
    read_pairs,
)
from embedlab.common.tables import read_tsv, write_tsv
from tests.helpers import bundled_arrays

Row = dict[str, str]


def answer(section: str, quad: str, correct: str) -> Row:
    """A google_answers.tsv row: '1', '0', or '' (a word the model lacks)."""
    a, b, c, expected = quad.split()
    predicted = {"1": expected, "0": "other", "": ""}[correct]
    return dict(zip(ANSWER_HEADER, [section, a, b, c, expected, predicted, correct], strict=True))


QUADS = [("family", "a b c d"), ("family", "e f g h"), ("gram1-x", "i j k l")]
QUADS += [("gram1-x", "m n o p"), ("gram1-x", "q r s t")]


def answers(*correct: str) -> list[Row]:
    return [answer(s, q, c) for (s, q), c in zip(QUADS, correct, strict=True)]


def test_common_questions_are_those_every_model_sees() -> None:
    big = answers("1", "0", "1", "1", "0")  # sees every question
    small = answers("1", "", "1", "", "1")  # lacks a word of the 2nd and 4th
    tallies = analogy_tallies({"big": big, "small": small})
    b, s = tallies["big"], tallies["small"]
    # common: questions 1, 3, 5 (1 semantic, 2 syntactic)
    assert (b["semantic"].common, b["syntactic"].common, b["total"].common) == (1, 2, 3)
    assert [(t.common, t.questions) for t in s.values()] == [(1, 2), (2, 3), (3, 5)]
    assert b["total"].common_correct == 2 and s["total"].common_correct == 3
    assert b["total"].common_accuracy == pytest.approx(200 / 3)
    assert s["total"].common_accuracy == 100
    # the small model's own accuracy (3 of 3 seen) flatters it; over all questions it is 3 of 5
    assert s["total"].seen_accuracy == 100
    assert s["total"].all_accuracy == 60 and b["total"].all_accuracy == 60
    assert s["syntactic"].all_accuracy == pytest.approx(200 / 3)
    assert b["syntactic"].seen_accuracy == pytest.approx(200 / 3)


def test_with_one_model_the_common_questions_are_its_own() -> None:
    (tally,) = analogy_tallies({"only": answers("1", "", "0", "", "1")}).values()
    for t in tally.values():
        assert (t.common, t.common_correct) == (t.seen, t.correct)
        assert t.common_accuracy == t.seen_accuracy
    assert tally["total"].common_accuracy == pytest.approx(200 / 3)
    assert tally["total"].all_accuracy == 40


def test_a_question_no_model_sees_leaves_the_accuracy_undefined() -> None:
    tally = analogy_tallies(
        {"a": answers("", "", "1", "1", "1"), "b": answers("1", "1", "", "", "")}
    )
    assert tally["a"]["semantic"].common == 0 and math.isnan(tally["a"]["semantic"].common_accuracy)
    assert tally["b"]["semantic"].all_accuracy == 100  # but over all questions it is defined


def test_models_that_list_other_questions_are_refused() -> None:
    other = answers("1", "1", "1", "1", "1")
    other[2] = answer("gram1-x", "i j k z", "1")
    with pytest.raises(ComparisonError, match="Google questions of 'b' and 'a' differ"):
        analogy_tallies({"a": answers("1", "1", "1", "1", "1"), "b": other})


@pytest.fixture(scope="module")
def two_models() -> dict[str, tuple[list[str], np.ndarray]]:
    """Like the tiny config's two models: glove.6B.50d's first 3,000 words, and its first 2,000
    words cut to their first 25 values."""
    words, vectors = bundled_arrays()
    big = np.array(vectors[:3000], dtype=np.float32)
    return {
        "big": (words[:3000], big),
        "small": (words[:2000], np.ascontiguousarray(big[:2000, :25])),
    }


SECTIONS = ("capital-common-countries", "family", "gram2-opposite", "gram3-comparative")


@pytest.fixture(scope="module")
def questions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four sections of the Google set (two semantic, two syntactic), as written."""
    path = tmp_path_factory.mktemp("questions") / "questions.txt"
    keep = [s for s in read_questions(lowercase=False) if s.name in SECTIONS]
    path.write_text(
        "".join(f": {s.name}\n" + "".join(" ".join(q) + "\n" for q in s.questions) for s in keep)
    )
    return path


def google_answers(words: list[str], vectors: np.ndarray, questions: Path, tmp: Path) -> list[Row]:
    """The model's google_answers.tsv, as evaluate_analogy_benchmark writes it, read back."""
    unit, index = unit_rows(vectors), {w: i for i, w in enumerate(words)}
    rows = []
    for section in read_questions(questions):
        rows += answer_rows(section, evaluate_section(section, index, unit, words))
    write_tsv(tmp, ANSWER_HEADER, rows)
    return read_tsv(tmp)


def test_all_question_accuracy_is_gensims_dummy4unknown(two_models, questions, tmp_path) -> None:
    """Over all questions, a question with an unknown word wrong: per section, pooled and in
    total, the counts and score of gensim's evaluate_word_analogies(..., dummy4unknown=True)."""
    from gensim.models import KeyedVectors

    read = {
        name: google_answers(words, vectors, questions, tmp_path / f"{name}.tsv")
        for name, (words, vectors) in two_models.items()
    }
    tallies = analogy_tallies(read)
    for name, (words, vectors) in two_models.items():
        kv = KeyedVectors(vectors.shape[1])
        kv.add_vectors(words, vectors)
        score, sections = kv.evaluate_word_analogies(
            str(questions), restrict_vocab=len(words), case_insensitive=True, dummy4unknown=True
        )
        *per_section, total = sections
        assert total["section"] == "Total accuracy"
        assert [s["section"] for s in per_section] == list(SECTIONS)
        for p in POOLED:
            parts = [s for s in per_section if p == "total" or pool(s["section"]) == p]
            correct = sum(len(s["correct"]) for s in parts)
            asked = sum(len(s["correct"]) + len(s["incorrect"]) for s in parts)
            t = tallies[name][p]
            assert (t.correct, t.questions) == (correct, asked), (name, p)
            assert t.all_accuracy == pytest.approx(100 * correct / asked)
        assert tallies[name]["total"].all_accuracy == pytest.approx(100 * score)
    big, small = tallies["big"]["total"], tallies["small"]["total"]
    assert small.seen < big.seen < big.questions  # the small model sees fewer questions
    assert big.common == small.common == small.seen  # its words are a subset of the big one's
    assert small.all_accuracy < small.seen_accuracy


def pair(bench: str, words: str, human: float, similarity: str) -> Row:
    w1, w2 = words.split()
    return dict(zip(PAIR_HEADER, [bench, w1, w2, repr(human), similarity], strict=True))


def scored(bench: str, humans: list[float], similarities: list[str]) -> list[Row]:
    """Pairs w<i> v<i> with these human scores and model cosines ('' where a word is unknown)."""
    return [
        pair(bench, f"w{i} v{i}", human, sim)
        for i, (human, sim) in enumerate(zip(humans, similarities, strict=True))
    ]


def test_common_pairs_rho() -> None:
    humans = [1.0, 2.0, 3.0, 4.0, 5.0]
    big = scored("ws", humans, ["0.1", "0.2", "0.3", "0.5", "0.4"])
    small = scored("ws", humans, ["0.5", "", "0.4", "0.3", ""])
    tallies = similarity_tallies({"big": big, "small": small})
    b, s = tallies["big"]["ws"], tallies["small"]["ws"]
    assert (b.pairs, b.covered, b.common) == (5, 5, 3)  # pairs 1, 3 and 4
    assert (s.pairs, s.covered, s.common) == (5, 3, 3)
    assert b.common_rho == pytest.approx(spearmanr([1, 3, 4], [1, 3, 5]).statistic)  # 1.0
    assert s.common_rho == pytest.approx(spearmanr([1, 3, 4], [5, 4, 3]).statistic)  # -1.0
    (one,) = similarity_tallies({"small": small}).values()
    assert one["ws"].common == 3 and one["ws"].common_rho == pytest.approx(-1.0)


def test_a_benchmark_one_model_did_not_score_is_left_out_of_its_tally() -> None:
    ws = [pair("ws", "a b", 1.0, "0.5"), pair("ws", "c d", 2.0, "0.7")]
    tallies = similarity_tallies({"a": ws, "b": [*ws, pair("sl", "a b", 1.0, "0.1")]})
    assert set(tallies["a"]) == {"ws"} and set(tallies["b"]) == {"ws", "sl"}
    assert tallies["b"]["sl"].common == 1 and math.isnan(tallies["b"]["sl"].common_rho)
    with pytest.raises(ComparisonError, match="ws pairs"):
        similarity_tallies({"a": ws, "b": ws[::-1]})


def test_common_rho_of_one_model_is_its_own(two_models, tmp_path: Path) -> None:
    """The per-pair file written by score_similarity reads back into the model's own rho (the
    written cosines rank the pairs as the computed ones)."""
    words, vectors = two_models["small"]
    unit, index = unit_rows(vectors), {w: i for i, w in enumerate(words)}
    rows, own = [], {}
    for name in ("wordsim353", "simlex999"):
        pairs = read_pairs(benchmark_file(name))
        own[name] = evaluate(name, pairs, index, unit)
        rows += pair_rows(own[name], pairs)
    write_tsv(tmp_path / "pairs.tsv", PAIR_HEADER, rows)
    read = read_tsv(tmp_path / "pairs.tsv")
    assert len(read) == 353 + 999 and sum(r["similarity"] == "" for r in read) > 0
    tally = similarity_tallies({"small": read})["small"]
    for name, result in own.items():
        assert (tally[name].pairs, tally[name].covered) == (result.pairs, result.covered)
        assert tally[name].common == result.covered < result.pairs
        assert tally[name].common_rho == result.spearman  # the same ranks, the same rho


def test_rows_and_figures(tmp_path: Path) -> None:
    """A model scored on one similarity benchmark only shows 'not scored' and n/a; both figures
    draw, with one model and with two."""
    analogy = analogy_tallies(
        {"a": answers("1", "0", "1", "1", "0"), "b": answers("1", "", "1", "", "1")}
    )
    ws = [pair("wordsim353", "a b", 1.0, "0.5"), pair("wordsim353", "c d", 2.0, "0.7")]
    similarity = similarity_tallies({"a": ws, "b": ws})
    own = [{"benchmark": "wordsim353", "pairs": "2", "covered": "2", "spearman": "1"}]
    rows = [
        model_row(name, (5, 2), analogy[name], similarity[name], own, "protocol")
        for name in ("a", "b")
    ]
    assert rows[1]["total common"] == "3/5" and rows[1]["total seen"] == "3/5"
    assert rows[0]["total seen"] == "5/5" and rows[0]["total % all"] == 60
    assert rows[1]["total % common"] == 100 and rows[0]["total % common"] == pytest.approx(200 / 3)
    assert rows[0]["wordsim353 rho common"] == pytest.approx(1)
    assert rows[0]["wordsim353 common"] == "2/2"
    assert rows[0]["simlex999 common"] == rows[0]["simlex999 coverage"] == NOT_SCORED
    assert math.isnan(rows[0]["simlex999 rho common"]) and math.isnan(rows[0]["simlex999 rho own"])
    for drawn in (rows, rows[:1]):
        for draw in (comparison_figure, all_questions_figure):
            path = tmp_path / f"{draw.__name__}{len(drawn)}.png"
            draw(drawn, path)
            assert path.read_bytes()[:4] == b"\x89PNG"
    # deterministic: the same rows, the same bytes
    comparison_figure(rows, tmp_path / "again.png")
    assert (tmp_path / "again.png").read_bytes() == (
        tmp_path / "comparison_figure2.png"
    ).read_bytes()
