"""Rule decide_analysis_settings: the analysis settings of both subsets, decided once from the
images actually embedded (gather_embeddings leaves unreadable files out): settings.json for the
jobs (tsne_images, kmeans_images and svm_images read it and decide nothing again), and the
report's table of the settings as used."""

from embedlab.common.html_tables import tsv_to_html
from embedlab.common.joblog import job_log
from embedlab.common.tables import read_tsv, write_tsv
from embedlab.images.analysis.decisions import (
    TABLE_HEADER,
    Requested,
    decide_settings,
    settings_rows,
    write_settings,
)
from embedlab.images.analysis.settings import SettingError
from embedlab.images.embeddings import read_embedded_items

with job_log(snakemake.log[0]) as log:
    out = snakemake.output
    labels, split, n_features = read_embedded_items(snakemake.input.h5)
    requested = Requested(**snakemake.params.requested)
    try:
        decided = decide_settings(labels, split, requested, n_features)
    except SettingError as error:
        # the item list allowed it (check_analysis_settings): the feature size, or files that
        # could not be embedded
        skipped = len(read_tsv(snakemake.input.skipped))
        if not skipped:
            raise
        raise SettingError(
            f"{error} ({skipped} files of the dataset were left out: {snakemake.input.skipped})"
        ) from None
    for subset in decided:
        for note in subset.notes(*subset.settings):
            log.warning("%s: %s", subset.subset, note)
    write_settings(decided, n_features, out.json)
    write_tsv(out.tsv, TABLE_HEADER, settings_rows(decided))
    tsv_to_html(out.tsv, out.html, "Analysis settings, as used")
    log.info("%d embedded images of %d features: settings decided", len(labels), n_features)
