"""Rule neighbors_merge: combine the chunks' partial lists into exact top-k neighbour lists."""

from embedlab.joblog import job_log
from embedlab.neighbors import finish, merge_topk, prepare
from embedlab.store import read_neighbors, read_store, write_neighbors
from embedlab.tables import neighbor_header, neighbor_rows, write_tsv

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    store = read_store(snakemake.input.store)
    words = store.words[: p.max_words or None]
    prep = prepare(store.vectors, p.metric, p.max_words)
    keys, indices = [], []
    for part in snakemake.input.parts:
        index, key, attrs = read_neighbors(part)
        if (attrs["k"], attrs["metric"], attrs["n_words"]) != (p.k, p.metric, prep.n):
            raise ValueError(f"{part} was computed with other settings ({attrs}); rerun it")
        keys.append(key)
        indices.append(index)
    key, index = merge_topk(keys, indices, p.k)
    scores, index = finish(prep, key, index)
    write_neighbors(
        snakemake.output.h5,
        index,
        scores,
        {"k": p.k, "metric": p.metric, "n_words": prep.n,
         "scores": "cosine similarity" if p.metric == "cosine" else "Euclidean distance",
         "store": snakemake.input.store},
    )  # fmt: skip
    header = neighbor_header(index.shape[1], p.metric)
    write_tsv(snakemake.output.tsv, header, neighbor_rows(words, index, scores))
    log.info("merged %d chunks: %d words x %d neighbours", len(keys), prep.n, p.k)
