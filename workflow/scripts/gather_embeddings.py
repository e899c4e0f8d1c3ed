"""Rule gather_embeddings: join the extract_vgg16 shards into embeddings.h5 and skipped.tsv."""

from embedlab.common.html_tables import tsv_to_html
from embedlab.common.joblog import job_log
from embedlab.images.embeddings import gather_shards

with job_log(snakemake.log[0]) as log:
    result = gather_shards(snakemake.input.shards, snakemake.output.h5, snakemake.output.skipped)
    tsv_to_html(snakemake.output.skipped, snakemake.output.skipped_html, "Image files skipped")
    shards = len(snakemake.input.shards)
    log.info(
        "%d of %d images embedded (%d-d) from %d shards, %d skipped",
        result.n_embedded,
        result.n_items,
        result.dim,
        shards,
        len(result.skipped),
    )
