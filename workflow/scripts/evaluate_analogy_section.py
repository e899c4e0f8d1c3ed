"""Rule evaluate_analogy_section: one section of the Google analogy benchmark."""

from embedlab.analogy import evaluate_section, read_questions
from embedlab.vectors import unit_rows
from embedlab.joblog import job_log
from embedlab.store import read_store
from embedlab.tables import write_tsv

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    name = snakemake.wildcards.section
    sections = {s.name: s for s in read_questions(snakemake.input.questions, p.lowercase)}
    section = sections[name]
    store = read_store(snakemake.input.store)
    result = evaluate_section(
        section, store.index, unit_rows(store.vectors), store.words, p.restrict_vocab,
        snakemake.threads,
    )  # fmt: skip
    rows = [
        [*quad, predicted or "", "" if predicted is None else int(predicted == quad[3])]
        for quad, predicted in zip(section.questions, result.predictions, strict=True)
    ]
    write_tsv(snakemake.output.tsv, ["a", "b", "c", "expected", "predicted", "correct"], rows)
    log.info("%s: %d questions, %d seen, %d correct", name, result.questions, result.seen,
             result.correct)  # fmt: skip
