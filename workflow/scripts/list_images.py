"""Rule list_images: every image of the dataset with its class and split."""

from collections import Counter

from embedlab.common.joblog import job_log
from embedlab.images.datasets import dataset_items, write_items

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    items = dataset_items(
        p.kind, snakemake.input.folder, test_fraction=p.test_fraction, seed=p.seed
    )
    write_items(snakemake.output.listing, items)
    log.info(
        "%d images in %d classes; split %s",
        len(items),
        len({i.label for i in items}),
        dict(Counter(i.split for i in items)),
    )
