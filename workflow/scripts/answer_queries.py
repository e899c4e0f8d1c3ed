"""Rule answer_queries: each analogy query by 3CosAdd, 3CosMul and the lab's method."""

from embedlab.analogy import answer_query
from embedlab.vectors import unit_rows
from embedlab.joblog import job_log
from embedlab.store import read_store
from embedlab.tables import write_tsv

with job_log(snakemake.log[0]) as log:
    store = read_store(snakemake.input.store)
    unit = unit_rows(store.vectors)
    rows = []
    for query in snakemake.params.queries:
        for answer in answer_query(
            query, store.words, store.index, store.vectors, unit, snakemake.params.k
        ):
            if answer.missing:
                note = "not in vocabulary: " + ", ".join(answer.missing)
                rows.append([query, answer.method, "", "", "", note])
                log.warning("%s: %s", query, note)
                continue
            for rank, (word, score) in enumerate(zip(answer.words, answer.scores, strict=True), 1):
                rows.append([query, answer.method, rank, word, score, ""])
    write_tsv(snakemake.output.tsv, ["query", "method", "rank", "word", "score", "note"], rows)
