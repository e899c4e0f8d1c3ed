"""Rule tsne_images: seeded t-SNE map of the embeddings, coloured by class."""

from embedlab.analysis import load_subset, plot_tsne, tsne_embed, write_json
from embedlab.joblog import job_log

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    data, classes, note = load_subset(snakemake.input.h5, p.n_labels)
    result = tsne_embed(data.embeddings, p.perplexity, p.seed, n_jobs=snakemake.threads)
    title = (
        f"t-SNE of {len(data.labels)} images, perplexity {p.perplexity:g} ({result.implementation})"
    )
    if note:
        title += f"\n{note}"
    plot_tsne(
        result.coords, data.labels, classes, title, snakemake.output.png, snakemake.output.svg
    )
    write_json(
        {"method": result.method, "implementation": result.implementation,
         "kl_divergence": result.kl_divergence, "perplexity": result.perplexity, "seed": p.seed,
         "n_samples": len(data.labels), "classes": classes, "weights": data.weights,
         "note": note},
        snakemake.output.json,
    )  # fmt: skip
    log.info("t-SNE of %d points: KL %.4f", len(data.labels), result.kl_divergence)
