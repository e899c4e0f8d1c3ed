"""Rule extract_vgg16: VGG16 features of every image, streamed into HDF5 (resumable)."""

from embedlab.imagedata import read_items
from embedlab.images import extract_embeddings
from embedlab.joblog import job_log

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    result = extract_embeddings(
        read_items(snakemake.input.listing),
        snakemake.output.h5,
        root=snakemake.input.folder,
        weights=p.weights,
        layer=p.layer,
        weights_file=p.weights_file,
        seed=p.seed,
        batch_size=p.batch_size,
        mixed_precision=p.mixed_precision,
        skipped_tsv=snakemake.output.skipped,
    )
    log.info("%d of %d images embedded (%d-d), %d skipped, resumed from %d", result.n_embedded,
             result.n_items, result.dim, len(result.skipped), result.resumed_from)  # fmt: skip
