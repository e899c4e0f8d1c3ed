"""Rule neighbors_merge: combine the chunks' partial lists into exact top-k neighbour lists,
one part at a time (memory holds two sets of lists, not all parts)."""

from embedlab.common.joblog import job_log
from embedlab.neighbors.jobs import merge_parts

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    merge_parts(
        snakemake.input.store,
        list(snakemake.input.parts),
        snakemake.output.h5,
        snakemake.output.tsv,
        p.k,
        p.metric,
        p.max_words,
        log,
    )
