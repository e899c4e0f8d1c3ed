"""Rule tsne_images: seeded t-SNE map of the embeddings (on their first principal components),
coloured by class; the coordinates also go to tsne.tsv for the interactive map. The perplexity
and the PCA size come from settings.json (decide_analysis_settings)."""

from embedlab.common.joblog import job_log
from embedlab.common.plots import plot_tsne, titled
from embedlab.common.tables import write_tsv
from embedlab.images.analysis.decisions import read_settings
from embedlab.images.analysis.pca import pca_reduce
from embedlab.images.analysis.settings import PERPLEXITY, TSNE_PCA
from embedlab.images.analysis.subset import load_analysis, write_json
from embedlab.images.analysis.tsne import method_for, tsne_embed, tsne_record

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    settings = read_settings(snakemake.input.settings, snakemake.wildcards.subset)
    inp = load_analysis(snakemake.input.h5, settings, PERPLEXITY, TSNE_PCA)
    n, d = inp.data.embeddings.shape
    perplexity, components = settings.perplexity, settings.tsne_pca
    for note in inp.adjustments:
        log.warning("adapted to the data: %s", note)
    reduced, kept = pca_reduce(inp.data.embeddings, components, p.seed)
    result = tsne_embed(reduced, perplexity, p.seed, method_for(n), snakemake.threads)
    on = f"{components} principal components" if components else f"{d} features"
    title = f"t-SNE of {n} images ({on}), perplexity {perplexity:g}\n{result.implementation}"
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
            "pca_components": components,
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
