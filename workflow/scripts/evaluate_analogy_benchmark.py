"""Rule evaluate_analogy_benchmark: the Google analogy benchmark, every section in one job."""

from embedlab.analogy.answers import (
    ANSWER_HEADER,
    answer_rows,
    evaluate_section,
    read_questions,
    summary_rows,
    unit_rows,
)
from embedlab.common.html_tables import tsv_to_html
from embedlab.common.joblog import job_log
from embedlab.common.plots import accuracy_bars
from embedlab.common.tables import write_tsv
from embedlab.vectors.store import read_store

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    store = read_store(snakemake.input.store)
    unit = unit_rows(store.vectors)
    results, answers = [], []
    for section in read_questions(snakemake.input.questions, p.lowercase):
        result = evaluate_section(
            section, store.index, unit, store.words, p.restrict_vocab, snakemake.threads
        )
        results.append(result)
        answers.extend(answer_rows(section, result))
        log.info(
            "%s: %d questions, %d seen, %d correct",
            section.name,
            result.questions,
            result.seen,
            result.correct,
        )
    write_tsv(snakemake.output.answers, ANSWER_HEADER, answers)
    summary = summary_rows(results)
    header = ["section", "questions", "seen", "correct", "accuracy"]
    write_tsv(snakemake.output.tsv, header, [[row[h] for h in header] for row in summary])
    tsv_to_html(snakemake.output.tsv, snakemake.output.html, "Google analogy benchmark")
    accuracy_bars(summary, snakemake.output.png)
    log.info("total: %s", summary[-1])
