"""Rule export_projector_words: the first N words of a store as a TensorBoard Projector folder."""

from embedlab.common.joblog import job_log
from embedlab.explore.projector import write_projector
from embedlab.vectors.store import read_store

with job_log(snakemake.log[0]) as log:
    store = read_store(snakemake.input.store)
    n = min(snakemake.params.words, len(store.words))
    write_projector(
        snakemake.output.folder,
        snakemake.wildcards.name,
        store.vectors[:n],
        {"word": store.words[:n]},
    )
    log.info("projector folder: %d words x %d", n, store.vectors.shape[1])
