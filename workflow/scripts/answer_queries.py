"""Rule answer_queries: each analogy query by 3CosAdd, 3CosMul and the lab's method."""

from embedlab.analogy.answers import answer_query, resolve_query, unit_rows
from embedlab.common.html_tables import tsv_to_html
from embedlab.common.joblog import job_log
from embedlab.common.tables import write_tsv
from embedlab.vectors.store import read_store

with job_log(snakemake.log[0]) as log:
    store = read_store(snakemake.input.store)
    unit = unit_rows(store.vectors)
    rows = []
    for text in snakemake.params.queries:
        query = resolve_query(text, store.index)  # the CLI's case rule: exact, else lower case
        for note in query.notes:
            log.warning("%s: %s", text, note)
        for answer in answer_query(
            query, store.words, store.index, store.vectors, unit, snakemake.params.k
        ):
            if answer.missing:
                note = "not in vocabulary: " + ", ".join(answer.missing)
                rows.append([text, answer.method, "", "", "", note])
                log.warning("%s: %s", text, note)
                continue
            note = "; ".join(query.notes)
            for rank, (word, score) in enumerate(zip(answer.words, answer.scores, strict=True), 1):
                rows.append([text, answer.method, rank, word, score, note])
    write_tsv(snakemake.output.tsv, ["query", "method", "rank", "word", "score", "note"], rows)
    tsv_to_html(snakemake.output.tsv, snakemake.output.html, "Analogy queries")
