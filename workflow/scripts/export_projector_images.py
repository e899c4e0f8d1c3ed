"""Rule export_projector_images: the image embeddings (optionally PCA-reduced), class and file
of each, and a sprite atlas of thumbnails, as a TensorBoard Projector folder."""

from pathlib import Path

from embedlab.common.joblog import job_log
from embedlab.explore.projector import SPRITE_FILE, write_projector
from embedlab.explore.thumbnails import write_sprite
from embedlab.images.analysis.pca import pca_reduce
from embedlab.images.embeddings import read_embeddings

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    folder = Path(snakemake.output.folder)
    data = read_embeddings(snakemake.input.h5)
    vectors = data.embeddings
    if p.pca_components is not None:
        components = min(p.pca_components, *vectors.shape)
        vectors, kept = pca_reduce(vectors, components, p.seed)
        log.info("PCA to %d components keeps %.1f %% of the variance", components, 100 * kept)
    folder.mkdir(parents=True, exist_ok=True)
    px = write_sprite(snakemake.input.folder, data.paths.tolist(), folder / SPRITE_FILE)
    write_projector(
        folder,
        f"images ({snakemake.wildcards.dataset})",
        vectors,
        {"class": data.labels.tolist(), "file": data.paths.tolist()},
        sprite_px=px,
    )
    log.info("projector folder: %d images x %d, sprite of %d px thumbnails", *vectors.shape, px)
