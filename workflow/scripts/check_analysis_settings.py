"""Rule check_analysis_settings: the analysis settings of both subsets as the data allow them,
checked as soon as the item list exists (a user-set value the data cannot support stops the run
here, before the VGG16 jobs finish)."""

from embedlab.common.html_tables import tsv_to_html
from embedlab.common.joblog import job_log
from embedlab.common.tables import write_tsv
from embedlab.images.analysis.settings import check_settings
from embedlab.images.datasets import read_items

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    labels = [item.label for item in read_items(snakemake.input.listing)]
    rows = check_settings(labels, p.n_labels, p.perplexity, p.pca_components, p.fixed)
    for row in rows:
        if row[-1]:
            log.warning("%s: %s", row[0], row[-1])
    write_tsv(snakemake.output.tsv, ["subset", "key", "requested", "used", "note"], rows)
    tsv_to_html(snakemake.output.tsv, snakemake.output.html, "Analysis settings, as used")
