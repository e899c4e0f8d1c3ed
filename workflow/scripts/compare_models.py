"""Rule compare_models: every word-vector model of the run in one table (scores on the questions
and pairs every model covers, over all questions, and on each model's own), two figures, and the
analogy answers side by side."""

from embedlab.analogy.compare import (
    ModelFiles,
    all_questions_figure,
    analogy_protocol,
    answers_side_by_side,
    comparison_figure,
    comparison_rows,
)
from embedlab.common.html_tables import tsv_to_html
from embedlab.common.joblog import job_log
from embedlab.common.tables import write_tsv

with job_log(snakemake.log[0]) as log:
    p, i, o = snakemake.params, snakemake.input, snakemake.output
    models = [
        ModelFiles(*files)
        for files in zip(
            p.names, i.stores, i.answers, i.similarity, i.pairs, i.queries, strict=True
        )
    ]
    rows = comparison_rows(models, analogy_protocol(p.restrict_vocab, p.lowercase))
    header = list(rows[0])
    write_tsv(o.tsv, header, [[row[h] for h in header] for row in rows])
    tsv_to_html(o.tsv, o.html, "Word-vector models compared")
    comparison_figure(rows, o.png)
    all_questions_figure(rows, o.png_all)
    header, answers = answers_side_by_side(models)
    write_tsv(o.queries, header, answers)
    tsv_to_html(o.queries, o.queries_html, "Analogy answers of every model (best answer, score)")
    for row in rows:
        log.info("%s", row)
