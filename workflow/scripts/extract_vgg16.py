"""Rule extract_vgg16: VGG16 features of one shard (a range of whole batches) of the images."""

from embedlab.embeddings_file import extract_shard
from embedlab.image_datasets import read_items
from embedlab.joblog import job_log
from embedlab.vgg16 import build_extractor

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    extractor = build_extractor(
        p.weights, p.layer, p.weights_file, p.seed, mixed_precision=p.mixed_precision
    )
    result = extract_shard(
        read_items(snakemake.input.listing),
        snakemake.output.shard,
        root=snakemake.input.folder,
        extractor=extractor,
        batch_size=p.batch_size,
        shards=p.shards,
        shard=int(snakemake.wildcards.shard),
    )
    log.info("shard %s: items %d-%d, %d embedded (%d-d), %d skipped", snakemake.wildcards.shard,
             result.span.start, result.span.stop, result.n_embedded, extractor.dim,
             len(result.skipped))  # fmt: skip
