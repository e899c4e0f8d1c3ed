"""Rule tsne_images: seeded t-SNE map of the embeddings, coloured by class."""

from embedlab.image_scores import load_subset, write_json
from embedlab.joblog import job_log
from embedlab.plots import plot_tsne, titled
from embedlab.tsne import tsne_embed, tsne_record

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    data, classes, note = load_subset(snakemake.input.h5, p.n_labels)
    result = tsne_embed(data.embeddings, p.perplexity, p.seed, n_jobs=snakemake.threads)
    title = f"t-SNE of {len(data.labels)} images, perplexity {p.perplexity:g}\n"
    title += result.implementation
    plot_tsne(result.coords, data.labels, classes, titled(title, note), snakemake.output.png,
              snakemake.output.svg)  # fmt: skip
    record = tsne_record(result, data.embeddings.shape[1], classes)
    write_json({**record, "weights": data.weights, "note": note}, snakemake.output.json)
    log.info("t-SNE of %d points: KL %.4f", len(data.labels), result.kl_divergence)
