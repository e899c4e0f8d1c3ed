"""Rule score_similarity: Spearman rho on WordSim353 / SimLex-999, and every pair's cosine."""

from embedlab.analogy.answers import unit_rows
from embedlab.analogy.similarity import PAIR_HEADER, evaluate, pair_rows, read_pairs
from embedlab.common.html_tables import tsv_to_html
from embedlab.common.joblog import job_log
from embedlab.common.tables import write_tsv
from embedlab.vectors.store import read_store

with job_log(snakemake.log[0]) as log:
    store = read_store(snakemake.input.store)
    unit = unit_rows(store.vectors)
    rows, per_pair = [], []
    for name, path in zip(snakemake.params.benchmarks, snakemake.input.pairs, strict=True):
        pairs = read_pairs(path)
        r = evaluate(name, pairs, store.index, unit)
        rows.append([r.benchmark, r.pairs, r.covered, r.coverage, r.spearman])
        per_pair.extend(pair_rows(r, pairs))
        log.info("%s: rho %.4f on %d of %d pairs", name, r.spearman, r.covered, r.pairs)
    write_tsv(snakemake.output.tsv, ["benchmark", "pairs", "covered", "coverage", "spearman"], rows)
    write_tsv(snakemake.output.pairs, PAIR_HEADER, per_pair)
    tsv_to_html(snakemake.output.tsv, snakemake.output.html, "Word similarity (Spearman's rho)")
