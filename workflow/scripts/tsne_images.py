"""Rule tsne_images: seeded t-SNE map of the embeddings (on their first principal components),
coloured by class; the coordinates also go to tsne.tsv for the interactive map."""

from embedlab.common.joblog import job_log
from embedlab.common.plots import plot_tsne, titled
from embedlab.common.tables import write_tsv
from embedlab.images.analysis.pca import pca_reduce
from embedlab.images.analysis.scores import load_analysis, write_json
from embedlab.images.analysis.settings import PERPLEXITY, perplexity_for, tsne_pca_for
from embedlab.images.analysis.tsne import method_for, tsne_embed, tsne_record

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    inp = load_analysis(snakemake.input.h5, p.n_labels, p.fixed)
    n, d = inp.data.embeddings.shape
    perplexity = perplexity_for(p.perplexity, n, PERPLEXITY in p.fixed, snakemake.wildcards.subset)
    pca = tsne_pca_for(p.pca_components, n, d)
    inp.adjustments += perplexity.notes + pca.notes
    for note in inp.adjustments:
        log.warning("adapted to the data: %s", note)
    reduced, kept = pca_reduce(inp.data.embeddings, pca.value, p.seed)
    result = tsne_embed(reduced, perplexity.value, p.seed, method_for(n), snakemake.threads)
    on = f"{pca.value} principal components" if pca.value else f"{d} features"
    title = f"t-SNE of {n} images ({on}), perplexity {perplexity.value:g}\n{result.implementation}"
    plot_tsne(
        result.coords,
        inp.data.labels,
        inp.classes,
        titled(title, inp.notes()),
        snakemake.output.png,
        snakemake.output.svg,
    )
    record = tsne_record(result, d, inp.classes)
    write_json(
        {
            **record,
            "pca_components": pca.value,
            "pca_explained_variance_ratio": kept,
            "weights": inp.data.weights,
            "note": inp.untrained,
            "adjustments": inp.adjustments,
        },
        snakemake.output.json,
    )
    rows = [
        [path, label, split, f"{x:.6g}", f"{y:.6g}"]
        for path, label, split, (x, y) in zip(
            inp.data.paths.tolist(),
            inp.data.labels.tolist(),
            inp.data.split.tolist(),
            result.coords.tolist(),
            strict=True,
        )
    ]
    write_tsv(snakemake.output.tsv, ["path", "class", "split", "x", "y"], rows)
    log.info("t-SNE of %d points: KL %.4f", n, result.kl_divergence)
