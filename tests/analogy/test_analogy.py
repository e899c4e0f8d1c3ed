"""Analogy queries, the Google benchmark and word similarity, on the real glove.6B.50d vectors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from embedlab.analogy.answers import (
    EXCLUDING,
    QuestionsError,
    Section,
    answer_query,
    data_file,
    evaluate_section,
    parse_query,
    read_questions,
    resolve_query,
    summary_rows,
    unit_rows,
)
from embedlab.analogy.similarity import benchmark_file, evaluate, read_pairs
from tests.helpers import bundled_arrays


@pytest.fixture(scope="module")
def glove():
    words, vectors = bundled_arrays()
    vectors = np.asarray(vectors)
    return words, vectors, unit_rows(vectors), {w: i for i, w in enumerate(words)}


# SHA-256 of the files as shipped in gensim 4.4's test data (gensim/test/test_data/)
PUBLISHED = {
    "questions-words.txt": "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36",
    "wordsim353.tsv": "f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d",
    "simlex999.txt": "d5e0501971478a511430ee880bd0121e94ac701ba86d90544d83e6d2ba3db05d",
}


def test_shipped_files_are_the_published_ones() -> None:
    for name, digest in PUBLISHED.items():
        assert hashlib.sha256(data_file(name).read_bytes()).hexdigest() == digest, name
    sections = read_questions()
    assert len(sections) == 14
    assert sum(len(s.questions) for s in sections) == 19_544
    assert sum(len(s.questions) for s in sections[:5]) == 8_869
    assert sections[0].questions[0] == ("athens", "greece", "baghdad", "iraq")
    assert len(read_pairs(benchmark_file("wordsim353"))) == 353
    assert len(read_pairs(benchmark_file("simlex999"))) == 999


@pytest.mark.slow  # the full 400,000 x 50 vectors
def test_whole_vocabulary_benchmark_matches_stanford_protocol_figures(glove) -> None:
    """Whole vocabulary, all 19,544 questions seen: 48.46 / 44.36 / 46.22 %, under the protocol of
    Stanford GloVe's eval/python/evaluate.py (https://github.com/stanfordnlp/GloVe): 3CosAdd on
    unit vectors over the whole vocabulary, the three question words excluded, a question counted
    when all four words are in the vocabulary. Reproduced by
    `python bench/analogy.py --restrict-vocab 400000`."""
    words, _, unit, index = glove
    results = [evaluate_section(s, index, unit, words, None, 2) for s in read_questions()]
    rows = {r["section"]: r for r in summary_rows(results)}
    assert (rows["total"]["seen"], rows["total"]["correct"]) == (19_544, 9_033)
    assert round(100 * rows["semantic"]["accuracy"], 2) == 48.46
    assert round(100 * rows["syntactic"]["accuracy"], 2) == 44.36
    assert round(100 * rows["total"]["accuracy"], 2) == 46.22


@pytest.mark.slow  # the full 400,000 x 50 vectors
def test_section_answers_equal_a_direct_argmax(glove) -> None:
    """The P-row shortcut answers as argmax W.(b - a + c) computed question by question does."""
    words, _, unit, index = glove
    section = read_questions()[4]  # family
    result = evaluate_section(section, index, unit, words)
    rng = np.random.default_rng(0)
    for q in rng.choice(len(section.questions), 60, replace=False):
        a, b, c, _ = (index[w] for w in section.questions[q])
        scores = unit @ (unit[b] - unit[a] + unit[c])
        scores[[a, b, c]] = -np.inf
        assert result.predictions[q] == words[int(np.argmax(scores))]


@pytest.mark.slow  # the full 400,000 x 50 vectors
def test_restrict_vocab_matches_gensim_per_section(glove, tmp_path: Path) -> None:
    from gensim.models import KeyedVectors

    words, vectors, unit, index = glove
    keep = [s for s in read_questions(lowercase=False) if s.name in ("currency", "family")]
    path = tmp_path / "q.txt"
    # every third question of each (gensim answers one at a time: all 1,372 take 15 s)
    path.write_text(
        "".join(
            f": {s.name}\n" + "".join(" ".join(q) + "\n" for q in s.questions[::3]) for s in keep
        )
    )
    kv = KeyedVectors(50)
    kv.add_vectors(words, vectors)
    _, gensim_sections = kv.evaluate_word_analogies(
        str(path), restrict_vocab=300_000, case_insensitive=True
    )
    ours = [evaluate_section(s, index, unit, words, 300_000, 2) for s in read_questions(path)]
    for section, result in zip(gensim_sections, ours, strict=False):
        assert section["section"] == result.name
        assert len(section["correct"]) == result.correct
        assert len(section["correct"]) + len(section["incorrect"]) == result.seen
    assert ours[0].seen < ours[0].questions  # currency has questions outside the 300k words


@pytest.mark.slow  # the full 400,000 x 50 vectors
def test_queries_match_gensim(glove) -> None:
    from gensim.models import KeyedVectors

    words, vectors, unit, index = glove
    kv = KeyedVectors(50)
    kv.add_vectors(words, vectors)
    add, mul, lab = answer_query("king - man + woman", words, index, vectors, unit, k=10)
    expected = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=10)
    assert add.words == [w for w, _ in expected]
    np.testing.assert_allclose(add.scores, [s for _, s in expected], atol=1e-5)
    assert add.words[0] == "queen" and round(add.scores[0], 4) == 0.8524
    expected = kv.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=10)
    assert mul.words == [w for w, _ in expected]
    np.testing.assert_allclose(mul.scores, [s for _, s in expected], atol=1e-5)
    assert lab.words[:2] == ["king", "queen"]  # the lab's method does not exclude query words
    target = vectors[index["king"]] - vectors[index["man"]] + vectors[index["woman"]]
    assert lab.scores[0] == pytest.approx(float(np.linalg.norm(vectors[index["king"]] - target)))


@pytest.mark.slow  # the full 400,000 x 50 vectors
def test_unknown_words_are_reported_not_raised(glove) -> None:
    words, vectors, unit, index = glove
    answers = answer_query("paris - france + qwertyuiopx", words, index, vectors, unit)
    assert [a.missing for a in answers] == [["qwertyuiopx"]] * 3
    assert all(a.words == [] for a in answers)


VOCABULARY = {"king", "man", "woman", "e-mail", "mail", "-lrb-", "a", "b", "-", "+"}


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("king - man + woman", [(1, "king"), (-1, "man"), (1, "woman")]),
        ("king-man+woman", [(1, "king"), (-1, "man"), (1, "woman")]),
        ("King -man +Woman", [(1, "King"), (-1, "man"), (1, "Woman")]),
        ("-a + b", [(-1, "a"), (1, "b")]),
        ("e-mail - mail + -lrb-", [(1, "e-mail"), (-1, "mail"), (1, "-lrb-")]),
        ("E-Mail -mail +-lrb-", [(1, "E-Mail"), (-1, "mail"), (1, "-lrb-")]),
        ("e-mail-mail", [(1, "e"), (-1, "mail"), (-1, "mail")]),  # spaces keep 'e-mail'
        ("x-y+z", [(1, "x"), (-1, "y"), (1, "z")]),  # unknown pieces are words too
    ],
)
def test_parse_query(query: str, terms) -> None:
    assert parse_query(query, VOCABULARY) == terms


@pytest.mark.parametrize("query", ["", " ", "-", "king man", "king - ", "a + - b", "king-+man"])
def test_parse_query_errors(query: str) -> None:
    with pytest.raises(ValueError, match="analogy query"):
        parse_query(query, VOCABULARY)


def test_resolve_query_prefers_the_exact_word() -> None:
    q = resolve_query("Paris - France + italy", {"Paris": 0, "paris": 1, "france": 2, "italy": 3})
    assert q.terms == [(1, "Paris"), (-1, "france"), (1, "italy")]
    assert q.notes == ["'France' is not in the vocabulary; using 'france'"]
    assert resolve_query("Rome - x", {"rome": 0}).missing == ["x"]


@pytest.mark.slow  # the full 400,000 x 50 vectors
def test_excluded_words_never_answer(glove) -> None:
    words, vectors, unit, index = glove
    n = len(words)
    add, mul = answer_query("king - king + queen", words, index, vectors, unit, n - 2, EXCLUDING)
    for answer in (add, mul):
        assert len(set(answer.words)) == n - 2
        assert not {"king", "queen"} & set(answer.words)
    with pytest.raises(ValueError, match=rf"k={n - 1} is outside 1..{n - 2}"):
        answer_query("king - king + queen", words, index, vectors, unit, n - 1)


def test_malformed_questions_file(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text(": s\na b c\n")
    with pytest.raises(QuestionsError, match=r"q.txt:2: expected 4 words, found 3"):
        read_questions(path)
    path.write_text("a b c d\n")
    with pytest.raises(QuestionsError, match="before the first"):
        read_questions(path)


def test_unseen_questions_are_not_counted() -> None:
    words = ["a", "b", "c", "d", "e"]
    unit = unit_rows(np.eye(5, dtype=np.float32) + 0.1)
    index = {w: i for i, w in enumerate(words)}
    section = Section("s", [("a", "b", "c", "d"), ("a", "b", "zz", "d")])
    result = evaluate_section(section, index, unit, words)
    assert (result.questions, result.seen) == (2, 1)
    assert result.predictions[1] is None


@pytest.mark.slow  # the full 400,000 x 50 vectors
def test_similarity_matches_gensim(glove) -> None:
    from gensim.models import KeyedVectors

    words, vectors, unit, index = glove
    kv = KeyedVectors(50)
    kv.add_vectors(words, vectors)
    for name in ("wordsim353", "simlex999"):
        ours = evaluate(name, read_pairs(benchmark_file(name)), index, unit)
        _, spearman, oov = kv.evaluate_word_pairs(
            str(benchmark_file(name)), restrict_vocab=400_000, case_insensitive=True
        )
        assert ours.spearman == pytest.approx(spearman.statistic, abs=1e-6)
        assert 100 * (1 - ours.coverage) == pytest.approx(oov, abs=1e-6)
        assert 0.2 < ours.spearman < 0.7
