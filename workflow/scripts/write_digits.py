"""Rule write_digits: the offline image dataset, scikit-learn's digits as PNG class folders."""

from embedlab.common.joblog import job_log
from embedlab.images.datasets import write_digits

with job_log(snakemake.log[0]) as log:
    path = write_digits(
        snakemake.output.folder, per_class=snakemake.params.per_class, seed=snakemake.params.seed
    )
    log.info("wrote %s", path)
