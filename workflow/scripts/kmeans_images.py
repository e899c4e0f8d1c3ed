"""Rule kmeans_images: KMeans (k = classes) after PCA, scored with NMI and ARI."""

from embedlab.analysis import (
    kmeans_scores,
    load_embeddings,
    select_classes,
    subset,
    untrained_note,
    write_json,
)  # fmt: skip
from embedlab.joblog import job_log

with job_log(snakemake.log[0], snakemake.rule) as log:
    p = snakemake.params
    data = load_embeddings(snakemake.input.h5)
    data = subset(data, select_classes(data.labels, p.n_labels))
    scores = kmeans_scores(data.embeddings, data.labels, p.seed, p.pca_components)
    note = untrained_note(data.weights)
    write_json({**scores, "weights": data.weights, "note": note}, snakemake.output.json)
    log.info("KMeans: %s", scores)
