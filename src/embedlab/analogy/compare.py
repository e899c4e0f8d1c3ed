"""The word-vector models of one run side by side, on equal footing: one table of sizes and
benchmark scores, two figures, and the analogy queries' answers of every model next to each other.

Models with different vocabularies cover different Google questions and similarity pairs, and an
accuracy over each model's own questions rewards a small vocabulary that sees only the easy ones.
So every score is also given on the questions (pairs) that EVERY model of the run covers, and the
analogy accuracy over ALL questions, a question with an unknown word counted as wrong (gensim's
`evaluate_word_analogies(..., dummy4unknown=True)`); coverage stands beside each.

Read from the per-store outputs the earlier rules wrote: results/vectors/<name>.h5 (words and
dimension), results/analogy/<name>/google_answers.tsv (every question with the model's answer,
empty where a word is outside the vocabulary searched, under the run's `analogy.restrict_vocab`
and `analogy.lowercase`), results/similarity/<name>.tsv and <name>_pairs.tsv (rho, and every
pair's cosine, empty where a word is unknown), results/analogy/<name>/queries.tsv. No model is
queried again.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from embedlab.analogy.answers import pool
from embedlab.analogy.similarity import spearman
from embedlab.common.atomic import atomic_output
from embedlab.common.plots import figure
from embedlab.common.tables import read_tsv
from embedlab.vectors.store import store_shape

POOLED = ("semantic", "syntactic", "total")
SIMILARITY = ("wordsim353", "simlex999")
NOT_SCORED = "not scored"


class ComparisonError(ValueError):
    """The models' benchmark files do not list the same questions or pairs (a stale output)."""


@dataclass(frozen=True)
class ModelFiles:
    """The outputs of one store that the comparison reads."""

    name: str
    store: str | os.PathLike[str]
    answers: str | os.PathLike[str]  # results/analogy/<name>/google_answers.tsv
    similarity: str | os.PathLike[str]  # results/similarity/<name>.tsv
    pairs: str | os.PathLike[str]  # results/similarity/<name>_pairs.tsv
    queries: str | os.PathLike[str]


@dataclass(frozen=True)
class Tally:
    """One model's Google counts in one pool (semantic, syntactic or total)."""

    questions: int  # every question of the pool
    seen: int  # those whose four words the model has (in the vocabulary searched)
    correct: int  # answered right, of those seen
    common: int  # those every model of the run sees
    common_correct: int  # answered right, of those

    @property
    def seen_accuracy(self) -> float:
        """% right of the model's own questions (what google.tsv gives)."""
        return 100 * self.correct / self.seen if self.seen else math.nan

    @property
    def all_accuracy(self) -> float:
        """% right of all questions, one with an unknown word wrong (gensim's dummy4unknown)."""
        return 100 * self.correct / self.questions if self.questions else math.nan

    @property
    def common_accuracy(self) -> float:
        """% right of the questions every model sees."""
        return 100 * self.common_correct / self.common if self.common else math.nan


@dataclass(frozen=True)
class PairTally:
    """One model's word-similarity figures on one benchmark."""

    pairs: int  # every pair of the benchmark
    covered: int  # those whose two words the model has
    common: int  # those every model that scored the benchmark covers
    common_rho: float  # Spearman's rho on those


def analogy_protocol(restrict_vocab: int | None, lowercase: bool) -> str:
    """How the Google benchmark was run, in words (the same for every model of a run)."""
    vocab = (
        "whole vocabulary (Stanford's protocol)"
        if restrict_vocab is None
        else f"first {restrict_vocab:,} words (gensim's restrict_vocab)"
    )
    case = "questions lower-cased" if lowercase else "questions as written"
    return f"3CosAdd, {vocab}, {case}"


def _same_rows(tables: Mapping[str, Sequence[Sequence[str]]], what: str) -> list[Sequence[str]]:
    """The rows' keys, checked equal (same items, same order) in every model's table."""
    names = list(tables)
    first = tables[names[0]]
    for name in names[1:]:
        if list(tables[name]) != list(first):
            raise ComparisonError(
                f"{what} of {name!r} and {names[0]!r} differ: rerun both models' benchmark jobs"
            )
    return list(first)


def analogy_tallies(
    answers: Mapping[str, Sequence[Mapping[str, str]]],
) -> dict[str, dict[str, Tally]]:
    """Model name -> pool -> Tally, from each model's google_answers.tsv rows (as read_tsv gives
    them; `correct` is empty for a question the model does not see). A question is common when
    every model sees it; with one model the common questions are its own."""
    if not answers:
        return {}
    keys = {
        name: [(r["section"], r["a"], r["b"], r["c"], r["expected"]) for r in rows]
        for name, rows in answers.items()
    }
    questions = _same_rows(keys, "the Google questions")
    common = [
        all(rows[i]["correct"] != "" for rows in answers.values()) for i in range(len(questions))
    ]
    tallies: dict[str, dict[str, Tally]] = {}
    for name, rows in answers.items():
        counts = {p: [0, 0, 0, 0, 0] for p in POOLED}
        for row, shared in zip(rows, common, strict=True):
            seen, right = row["correct"] != "", row["correct"] == "1"
            for p in (pool(row["section"]), "total"):
                for j, add in enumerate((True, seen, right, shared, shared and right)):
                    counts[p][j] += add
        tallies[name] = {p: Tally(*c) for p, c in counts.items()}
    return tallies


def similarity_tallies(
    pairs: Mapping[str, Sequence[Mapping[str, str]]],
) -> dict[str, dict[str, PairTally]]:
    """Model name -> benchmark -> PairTally, from each model's <name>_pairs.tsv rows
    (`similarity` empty for a pair with an unknown word). A pair is common when every model that
    scored the benchmark (all of them, in one run) covers it; rho is recomputed on those pairs
    from the written cosines, which rank as the model's own (see similarity.pair_rows)."""
    by_model: dict[str, dict[str, list[Mapping[str, str]]]] = {}
    for name, rows in pairs.items():
        by_model[name] = {}
        for row in rows:
            by_model[name].setdefault(row["benchmark"], []).append(row)
    benchmarks = list(dict.fromkeys(b for tables in by_model.values() for b in tables))
    tallies: dict[str, dict[str, PairTally]] = {name: {} for name in pairs}
    for benchmark in benchmarks:
        scored = {n: t[benchmark] for n, t in by_model.items() if benchmark in t}
        keys = {
            n: [(r["word1"], r["word2"], r["human"]) for r in rows] for n, rows in scored.items()
        }
        n_pairs = len(_same_rows(keys, f"the {benchmark} pairs"))
        common = [
            all(rows[i]["similarity"] != "" for rows in scored.values()) for i in range(n_pairs)
        ]
        for name, rows in scored.items():
            shared = [r for r, c in zip(rows, common, strict=True) if c]
            rho = spearman(
                [float(r["human"]) for r in shared], [float(r["similarity"]) for r in shared]
            )
            covered = sum(r["similarity"] != "" for r in rows)
            tallies[name][benchmark] = PairTally(n_pairs, covered, len(shared), rho)
    return tallies


def model_row(
    name: str,
    shape: tuple[int, int],
    analogy: Mapping[str, Tally],
    similarity: Mapping[str, PairTally],
    own: Sequence[Mapping[str, str]],
    protocol: str,
) -> dict[str, Any]:
    """One model's line of the comparison table (`shape`: words and dimension; `own`: the rows of
    its results/similarity/<name>.tsv): per pool, the accuracy on the common questions and how
    many they are, the accuracy over all questions and how many the model sees, and its accuracy
    on those; per similarity benchmark, rho on the common pairs and how many they are, and rho on
    the model's own pairs with its coverage."""
    words, dim = shape
    row: dict[str, Any] = {"model": name, "words": words, "dim": dim}
    for p in POOLED:
        t = analogy[p]
        row[f"{p} % common"] = t.common_accuracy
        row[f"{p} common"] = f"{t.common}/{t.questions}"
        row[f"{p} % all"] = t.all_accuracy
        row[f"{p} seen"] = f"{t.seen}/{t.questions}"
        row[f"{p} % seen"] = t.seen_accuracy
    row["analogy protocol"] = protocol
    scored = {r["benchmark"]: r for r in own}
    for bench in SIMILARITY:
        s, r = similarity.get(bench), scored.get(bench)
        row[f"{bench} rho common"] = s.common_rho if s else math.nan
        row[f"{bench} common"] = f"{s.common}/{s.pairs}" if s else NOT_SCORED
        row[f"{bench} rho own"] = float(r["spearman"]) if r else math.nan
        row[f"{bench} coverage"] = f"{r['covered']}/{r['pairs']}" if r else NOT_SCORED
    return row


def comparison_rows(models: Sequence[ModelFiles], protocol: str) -> list[dict[str, Any]]:
    """The comparison table's rows, one per model, in the order given, from the models' files."""
    analogy = analogy_tallies({m.name: read_tsv(m.answers) for m in models})
    similarity = similarity_tallies({m.name: read_tsv(m.pairs) for m in models})
    return [
        model_row(
            m.name,
            store_shape(m.store),
            analogy[m.name],
            similarity[m.name],
            read_tsv(m.similarity),
            protocol,
        )
        for m in models
    ]


def answers_side_by_side(models: Sequence[ModelFiles]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: each analogy query and method, then each model's best answer (word and
    score), or why it has none (a word not in its vocabulary)."""
    answers: dict[tuple[str, str], dict[str, str]] = {}
    for model in models:
        for r in read_tsv(model.queries):
            if r["rank"] not in ("1", ""):
                continue
            text = f"{r['word']} ({float(r['score']):.4f})" if r["word"] else r["note"]
            answers.setdefault((r["query"], r["method"]), {})[model.name] = text
    header = ["query", "method", *(m.name for m in models)]
    rows = [
        [query, method, *(by_model.get(m.name, "") for m in models)]
        for (query, method), by_model in answers.items()
    ]
    return header, rows


# --- figures -------------------------------------------------------------------------------------


def _count(fraction: str) -> str:
    """'631/8869' -> '631/8,869' (a table cell of counts, for a figure's label)."""
    return "/".join(f"{int(part):,}" for part in fraction.split("/"))


def _grouped_bars(
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    ylabel: str,
    title: str,
    path: str | os.PathLike[str],
) -> None:
    """One group of bars per score, one bar per model (n/a and no bar for NaN), the value above
    each bar, the legend (each model's label) under the axes."""
    plt = figure()
    n = len(series)
    width = 0.8 / max(n, 1)
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(groups)), 4), dpi=100)
    for i, (label, values) in enumerate(series):
        shown = [0.0 if math.isnan(v) else v for v in values]
        xs = [x + (i - (n - 1) / 2) * width for x in range(len(groups))]
        bars = ax.bar(xs, shown, width, label=label)
        for bar, value in zip(bars, values, strict=True):
            ax.text(
                bar.get_x() + bar.get_width() / 2,
                max(bar.get_height(), 0) + 1,
                "n/a" if math.isnan(value) else f"{value:.1f}",
                ha="center",
                va="bottom",
                fontsize=7,
            )
    ax.set_xticks(range(len(groups)), groups, fontsize=8)
    bottom = min([0.0, *(b.get_height() for b in ax.patches)])
    ax.set_ylim(bottom - 5 if bottom < 0 else 0, 105)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1, frameon=False)
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)


def _shared(rows: Sequence[Mapping[str, Any]], column: str) -> str:
    """A column every row holds alike, for a group's label: '631/8,869 common' (questions or
    pairs); 'not scored' where no model scored it."""
    scored = [str(r[column]) for r in rows if r[column] != NOT_SCORED]
    return f"{_count(scored[0])} common" if scored else NOT_SCORED


def _model_label(row: Mapping[str, Any]) -> str:
    """A model's name and size, as the figures' legends begin."""
    return f"{row['model']} ({row['words']:,}×{row['dim']})"


def _own_coverage(row: Mapping[str, Any]) -> str:
    """A model's legend entry beside the common scores: its size and its own coverage."""
    pairs = [
        f"{_count(row[f'{s} coverage'])} {s}"
        for s in SIMILARITY
        if row[f"{s} coverage"] != NOT_SCORED
    ]
    covered = [f"questions seen {_count(row['total seen'])}"]
    if pairs:
        covered.append(f"pairs covered {', '.join(pairs)}")
    return f"{_model_label(row)}: {'; '.join(covered)}"


def comparison_figure(rows: Sequence[Mapping[str, Any]], path: str | os.PathLike[str]) -> None:
    """Grouped bars per model on equal footing: Google analogy accuracy (%) on the questions every
    model sees, semantic/syntactic/total, and the word-similarity rho (x 100) on the pairs every
    model covers; the groups say how many those are, the legend each model's own coverage."""
    groups = [f"analogy {p}\n{_shared(rows, f'{p} common')}" for p in POOLED]
    groups += [f"{s} rho×100\n{_shared(rows, f'{s} common')}" for s in SIMILARITY]
    series = [
        (
            _own_coverage(row),
            [
                *(float(row[f"{p} % common"]) for p in POOLED),
                *(100 * float(row[f"{s} rho common"]) for s in SIMILARITY),
            ],
        )
        for row in rows
    ]
    _grouped_bars(
        groups,
        series,
        "% correct (analogy) or Spearman rho × 100",
        "Word-vector models on the questions and pairs every model covers",
        path,
    )


def all_questions_figure(rows: Sequence[Mapping[str, Any]], path: str | os.PathLike[str]) -> None:
    """Grouped bars per model: Google analogy accuracy (%) over all questions, a question with a
    word the model lacks counted as wrong; the legend gives the questions each model sees."""
    total = {p: _count(str(rows[0][f"{p} seen"]).split("/")[1]) for p in POOLED}
    groups = [f"{p}\n{total[p]} questions" for p in POOLED]
    series = [
        (
            f"{_model_label(row)}: questions seen "
            + ", ".join(f"{_count(row[f'{p} seen'])} {p}" for p in POOLED),
            [float(row[f"{p} % all"]) for p in POOLED],
        )
        for row in rows
    ]
    _grouped_bars(
        groups,
        series,
        "% correct of all questions",
        "Google analogy accuracy over all questions (an unknown word counts as wrong)",
        path,
    )
