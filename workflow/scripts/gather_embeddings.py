"""Rule gather_embeddings: join the extract_vgg16 shards into embeddings.h5, and into
skipped.tsv what they could not embed and what the listing left out (items_skipped.tsv)."""

from embedlab.common.html_tables import tsv_to_html
from embedlab.common.joblog import job_log
from embedlab.images.embeddings import gather_shards
from embedlab.images.listing import read_skipped

with job_log(snakemake.log[0]) as log:
    listed = read_skipped(snakemake.input.listed_skipped)
    result = gather_shards(
        snakemake.input.shards, snakemake.output.h5, snakemake.output.skipped, listed
    )
    tsv_to_html(snakemake.output.skipped, snakemake.output.skipped_html, "Image files skipped")
    shards = len(snakemake.input.shards)
    log.info(
        "%d of %d listed images embedded (%d-d) from %d shards, %d unreadable; %d files left "
        "out by the listing",
        result.n_embedded,
        result.n_items,
        result.dim,
        shards,
        len(result.skipped),
        len(listed),
    )
