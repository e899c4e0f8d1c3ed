"""Rule download_vectors: resumable, checked download of a word-vector file or zip archive."""

from embedlab.common.downloads import Digest, download
from embedlab.common.joblog import job_log

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    path = download(
        p.url,
        snakemake.output.archive,
        Digest(**p.digest),
        retries=p.retries,
        timeout=p.timeout_s,
    )
    log.info("downloaded %s to %s", p.url, path)
