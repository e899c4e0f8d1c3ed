"""Rule kmeans_images: KMeans (k = classes) after PCA, scored with NMI and ARI."""

from embedlab.image_scores import kmeans_scores, load_subset, write_json
from embedlab.joblog import job_log

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    data, _, note = load_subset(snakemake.input.h5, p.n_labels)
    scores = kmeans_scores(data.embeddings, data.labels, p.seed, p.pca_components)
    write_json({**scores, "weights": data.weights, "note": note}, snakemake.output.json)
    log.info("KMeans: NMI %.4f, ARI %.4f", scores["nmi"], scores["ari"])
