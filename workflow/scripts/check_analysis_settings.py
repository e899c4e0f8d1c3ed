"""Rule check_analysis_settings: the analysis settings of both subsets decided from the item list
as soon as it exists, by the same code as decide_analysis_settings, so that a user-set value the
data cannot support, a dataset of one class or a class of one image stops the run here, before
the VGG16 jobs finish. settings_check.tsv records what the listing allows; the settings the jobs
use are decided from what was embedded (settings.json)."""

from embedlab.common.joblog import job_log
from embedlab.common.tables import write_tsv
from embedlab.images.analysis.decisions import (
    TABLE_HEADER,
    Requested,
    decide_settings,
    settings_rows,
)
from embedlab.images.datasets import read_items

with job_log(snakemake.log[0]) as log:
    items = read_items(snakemake.input.listing)
    requested = Requested(**snakemake.params.requested)
    decided = decide_settings([i.label for i in items], [i.split for i in items], requested)
    for subset in decided:
        for note in subset.notes(*subset.settings):
            log.warning("%s: %s", subset.subset, note)
    write_tsv(snakemake.output.tsv, TABLE_HEADER, settings_rows(decided))
    log.info("%d listed images: the analysis settings hold", len(items))
