"""Rule extract_vgg16: VGG16 features of one shard (a range of whole batches) of the images."""

from embedlab.common.joblog import Progress, job_log
from embedlab.images.datasets import read_items
from embedlab.images.embeddings import extract_shard, shard_items
from embedlab.images.vgg16 import build_extractor

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    shard = int(snakemake.wildcards.shard)
    extractor = build_extractor(
        p.weights, p.layer, p.weights_file, p.seed, mixed_precision=p.mixed_precision
    )
    items = read_items(snakemake.input.listing)
    n_items = len(shard_items(len(items), p.batch_size, p.shards, shard))
    bar = Progress(f"extract_vgg16 {shard + 1}/{p.shards}", n_items, "images")
    result = extract_shard(
        items,
        snakemake.output.shard,
        root=snakemake.input.folder,
        extractor=extractor,
        batch_size=p.batch_size,
        shards=p.shards,
        shard=shard,
        progress=bar.update,
    )
    log.info(
        "shard %d: items %d-%d, %d embedded (%d-d), %d skipped",
        shard,
        result.span.start,
        result.span.stop,
        result.n_embedded,
        extractor.dim,
        len(result.skipped),
    )
