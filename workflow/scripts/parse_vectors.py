"""Rule parse_vectors: a word-vector file -> HDF5 store (same code as `embedlab convert`)."""

from embedlab.common.downloads import Digest, verify
from embedlab.common.joblog import job_log
from embedlab.vectors.convert import convert

# the reader's settings; the defaults are left to convert (GloVe text needs none of them)
DEFAULTS = {"format": "auto", "limit": None, "unicode_errors": "strict"}

with job_log(snakemake.log[0]) as log:
    options = snakemake.params.options
    digest = Digest(**options["digest"])
    # size and MD5 here; the SHA-256 is computed by convert, which records it in the store
    verify(
        snakemake.input.vectors,
        Digest(size=digest.size, md5=digest.md5),
        f"checking {snakemake.input.vectors}",
        "Replace the file, or set its vectors.sources[].checksum to the file you mean.",
    )
    reader = {key: options[key] for key, default in DEFAULTS.items() if options[key] != default}
    summary = convert(
        snakemake.input.vectors,
        snakemake.output.store,
        on_bad_line=snakemake.params.on_bad_line,
        threads=snakemake.threads,
        source=options["source"],
        expected_sha256=digest.sha256,
        **reader,
    )
    log.info(
        "%s: %d words x %d from %d lines or entries, %d bad ones skipped; parse %.2f s",
        snakemake.output.store,
        summary.n_words,
        summary.dim,
        summary.n_lines,
        summary.n_skipped,
        summary.parse_seconds,
    )
