"""Rule parse_glove: GloVe text -> HDF5 store (same code as `embedlab convert`)."""

from embedlab.acquire import Digest, verify
from embedlab.convert import convert
from embedlab.joblog import job_log

with job_log(snakemake.log[0]) as log:
    digest = Digest(**snakemake.params.text_digest)
    # size and MD5 here; the SHA-256 is computed by convert, which records it in the store
    verify(
        snakemake.input.txt,
        Digest(size=digest.size, md5=digest.md5),
        f"checking {snakemake.input.txt}",
        "Replace the file, or set glove.checksum to the file you mean.",
    )
    summary = convert(
        snakemake.input.txt,
        snakemake.output.store,
        on_bad_line=snakemake.params.on_bad_line,
        threads=snakemake.threads,
        source=snakemake.params.source,
        expected_sha256=digest.sha256,
    )
    log.info(
        "%s: %d words x %d from %d lines, %d bad lines skipped; parse %.2f s",
        snakemake.output.store,
        summary.n_words,
        summary.dim,
        summary.n_lines,
        summary.n_skipped,
        summary.parse_seconds,
    )
