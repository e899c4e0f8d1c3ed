"""Rule tsne_images: seeded t-SNE map of the embeddings, coloured by class."""

from embedlab.analysis_settings import PERPLEXITY, perplexity_for
from embedlab.image_scores import load_analysis, write_json
from embedlab.joblog import job_log
from embedlab.plots import plot_tsne, titled
from embedlab.tsne import tsne_embed, tsne_record

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    inp = load_analysis(snakemake.input.h5, p.n_labels, p.fixed)
    n = len(inp.data.labels)
    perplexity = perplexity_for(p.perplexity, n, PERPLEXITY in p.fixed, snakemake.wildcards.subset)
    inp.adjustments += perplexity.notes
    for note in inp.adjustments:
        log.warning("adapted to the data: %s", note)
    result = tsne_embed(inp.data.embeddings, perplexity.value, p.seed, n_jobs=snakemake.threads)
    title = f"t-SNE of {n} images, perplexity {perplexity.value:g}\n{result.implementation}"
    plot_tsne(result.coords, inp.data.labels, inp.classes, titled(title, inp.notes()),
              snakemake.output.png, snakemake.output.svg)  # fmt: skip
    record = tsne_record(result, inp.data.embeddings.shape[1], inp.classes)
    write_json({**record, "weights": inp.data.weights, "note": inp.untrained,
                "adjustments": inp.adjustments}, snakemake.output.json)  # fmt: skip
    log.info("t-SNE of %d points: KL %.4f", n, result.kl_divergence)
