"""Rule kmeans_images: KMeans (k = classes) after PCA, scored with NMI and ARI; the PCA size comes
from settings.json (decide_analysis_settings)."""

from embedlab.common.html_tables import json_to_html
from embedlab.common.joblog import job_log
from embedlab.images.analysis.decisions import read_settings
from embedlab.images.analysis.kmeans import kmeans_scores
from embedlab.images.analysis.settings import KMEANS_PCA
from embedlab.images.analysis.subset import load_analysis, write_json

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    settings = read_settings(snakemake.input.settings, snakemake.wildcards.subset)
    inp = load_analysis(snakemake.input.h5, settings, KMEANS_PCA)
    for note in inp.adjustments:
        log.warning("adapted to the data: %s", note)
    scores = kmeans_scores(inp.data.embeddings, inp.data.labels, p.seed, settings.kmeans_pca)
    write_json(
        {
            **scores,
            "weights": inp.data.weights,
            "note": inp.untrained,
            "adjustments": inp.adjustments,
        },
        snakemake.output.json,
    )
    title = f"KMeans after PCA: NMI and ARI ({snakemake.wildcards.subset} classes)"
    json_to_html(snakemake.output.json, snakemake.output.html, title, inp.notes())
    log.info("KMeans: NMI %.4f, ARI %.4f", scores["nmi"], scores["ari"])
