"""Rule score_similarity: Spearman rho on WordSim353 / SimLex-999."""

from embedlab.html_tables import tsv_to_html
from embedlab.joblog import job_log
from embedlab.similarity import evaluate, read_pairs
from embedlab.store import read_store
from embedlab.tables import write_tsv
from embedlab.vectors import unit_rows

with job_log(snakemake.log[0]) as log:
    store = read_store(snakemake.input.store)
    unit = unit_rows(store.vectors)
    rows = []
    for name, path in zip(snakemake.params.benchmarks, snakemake.input.pairs, strict=True):
        r = evaluate(name, read_pairs(path), store.index, unit)
        rows.append([r.benchmark, r.pairs, r.covered, r.coverage, r.spearman])
        log.info("%s: rho %.4f on %d of %d pairs", name, r.spearman, r.covered, r.pairs)
    write_tsv(snakemake.output.tsv, ["benchmark", "pairs", "covered", "coverage", "spearman"], rows)
    tsv_to_html(snakemake.output.tsv, snakemake.output.html, "Word similarity (Spearman's rho)")
