"""Rule neighbors_chunk: partial top-k lists from this chunk's share of the block pairs.

On the C kernel, or with TensorFlow when `neighbors.device` is `gpu` or the job was given a GPU
(a `gpu` resource, e.g. from the profile's set-resources); only then is TensorFlow imported."""

from embedlab.common.joblog import Progress, job_log
from embedlab.neighbors.blocks import chunk_pairs
from embedlab.neighbors.jobs import check_neighbors_k, run_chunk

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    # first: a neighbors.k the vocabulary cannot give stops here, in one line naming the key
    n = check_neighbors_k(p.k, snakemake.input.store, p.max_words)
    chunk = int(snakemake.wildcards.chunk)
    gpus = int(snakemake.resources.get("gpu", 0) or 0)
    device = "gpu" if p.device == "gpu" or gpus > 0 else "cpu"
    bar = Progress(
        f"neighbors_chunk {chunk + 1}/{p.chunks}",
        len(chunk_pairs(n, p.chunks, chunk)),
        "block pairs",
    )
    run_chunk(
        snakemake.input.store,
        snakemake.output.part,
        chunk,
        p.chunks,
        p.k,
        p.metric,
        p.max_words,
        snakemake.threads,
        device,
        bar.update,
        log,
    )
