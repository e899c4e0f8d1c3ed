"""Rule neighbors_chunk: partial top-k lists from this chunk's share of the block pairs."""

import h5py

from embedlab.joblog import Progress, job_log
from embedlab.neighbors import BLOCK, chunk_pairs, partial_topk, prepare
from embedlab.store import write_neighbors

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    chunk = int(snakemake.wildcards.chunk)
    with h5py.File(snakemake.input.store, "r") as f:
        vectors = f["vectors"][: p.max_words or None]
    prep = prepare(vectors, p.metric)
    pairs = chunk_pairs(prep.n, p.chunks, chunk)
    log.info("chunk %d of %d: %d block pairs of %d words", chunk, p.chunks, len(pairs), prep.n)
    bar = Progress(f"neighbors_chunk {chunk + 1}/{p.chunks}", len(pairs), "block pairs")
    keys, index = partial_topk(prep, p.k, pairs, threads=snakemake.threads, progress=bar.update)
    write_neighbors(
        snakemake.output.part,
        index,
        keys,
        {"chunk": chunk, "chunks": p.chunks, "k": p.k, "metric": p.metric, "block": BLOCK,
         "n_words": prep.n, "scores": "keys"},
    )  # fmt: skip
