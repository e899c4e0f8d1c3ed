"""Rule list_images: every readable image of the dataset with its class and split (items.tsv),
and what the listing left out, with the reason (items_skipped.tsv: gather_embeddings merges it
into skipped.tsv)."""

from collections import Counter

from embedlab.common.joblog import job_log
from embedlab.images.datasets import write_items
from embedlab.images.listing import list_dataset, write_skipped

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    items, skipped = list_dataset(
        p.kind, snakemake.input.folder, test_fraction=p.test_fraction, seed=p.seed
    )
    write_items(snakemake.output.listing, items)
    write_skipped(snakemake.output.skipped, skipped)
    for path, reason in skipped:
        log.warning("left out %s: %s", path, reason)
    log.info(
        "%d images in %d classes; split %s; %d left out (%s)",
        len(items),
        len({i.label for i in items}),
        dict(Counter(i.split for i in items)),
        len(skipped),
        snakemake.output.skipped,
    )
