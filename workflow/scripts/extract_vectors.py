"""Rule extract_vectors: one member of a zip archive, checked against its published digest."""

from pathlib import Path

from embedlab.common.downloads import Digest, verify
from embedlab.common.joblog import job_log
from embedlab.vectors.acquire import extract

with job_log(snakemake.log[0]) as log:
    archive = Path(snakemake.input.archive)
    if snakemake.params.archive_digest:
        digest = Digest(**snakemake.params.archive_digest)
        if digest == Digest():
            log.warning("%s: no checksum pinned or published; not checked", archive)
        else:
            verify(
                archive,
                digest,
                f"checking {archive}",
                "Set its vectors.sources[].checksum or replace the file.",
            )
    out = Path(snakemake.output.txt)
    extract(archive, snakemake.params.member, out)
    log.info("extracted %s from %s", out, archive)
