"""Rule get_mit67: MIT Indoor-67 images and the official split, downloaded or from local paths."""

from embedlab.common.downloads import Digest
from embedlab.common.joblog import job_log
from embedlab.images.datasets import acquire_mit67

with job_log(snakemake.log[0]) as log:
    src = snakemake.params.sources
    path = acquire_mit67(
        snakemake.output.folder,
        archive=src["archive"],
        train_list=src["train_list"],
        test_list=src["test_list"],
        archive_digest=Digest(md5=src["archive_md5"]),
        retries=snakemake.params.retries,
        timeout=snakemake.params.timeout_s,
    )
    log.info("MIT-67 ready in %s", path)
