# Stage 1 (acquisition) and stage 2 (parsing to HDF5) of the word side, once per store of
# vectors.sources (see embedlab.sources). Which acquisition rules exist depends on the sources.


if any(source.kind == "bundled" for source in VECTORS.sources):

    rule write_bundled_glove:
        output:
            txt="resources/vectors/glove.6B.50d.txt",
        log:
            "logs/vectors/write_bundled_glove.log",
        benchmark:
            "benchmarks/vectors/write_bundled_glove.tsv"
        threads: 2
        resources:
            mem_mb=lambda wc, attempt: 2000 * attempt,
        script:
            "../scripts/write_bundled_glove.py"


if VECTORS.downloads:

    rule download_vectors:
        output:
            archive="resources/vectors/download/{file}",
        log:
            "logs/vectors/download_vectors_{file}.log",
        benchmark:
            "benchmarks/vectors/download_vectors_{file}.tsv"
        localrule: True
        resources:
            mem_mb=lambda wc, attempt: 500 * attempt,
        params:
            url=lambda wc: VECTORS.downloads[wc.file].location,
            digest=lambda wc: digest_param(VECTORS.downloads[wc.file].archive_digest),
            retries=config["downloads"]["retries"],
            timeout_s=config["downloads"]["timeout_s"],
        script:
            "../scripts/download_vectors.py"


if VECTORS.members:

    rule extract_vectors:
        input:
            archive=vector_archive,
        output:
            txt="resources/vectors/{name}.txt",
        log:
            "logs/vectors/extract_vectors_{name}.log",
        benchmark:
            "benchmarks/vectors/extract_vectors_{name}.tsv"
        # narrower than the global constraint: only the stores extracted from a zip
        wildcard_constraints:
            name=names_pattern(VECTORS.members),
        resources:
            mem_mb=lambda wc, attempt: 500 * attempt,
        params:
            member=lambda wc: VECTORS.of(wc.name).member(wc.name),
            # a downloaded archive was checked by download_vectors; a local one is checked here
            archive_digest=lambda wc: (
                digest_param(VECTORS.of(wc.name).archive_digest)
                if VECTORS.of(wc.name).kind == "zip"
                else None
            ),
        script:
            "../scripts/extract_vectors.py"


rule parse_vectors:
    input:
        vectors=vector_file,
    output:
        store="results/vectors/{name}.h5",
    log:
        "logs/vectors/parse_vectors_{name}.log",
    benchmark:
        "benchmarks/vectors/parse_vectors_{name}.tsv"
    threads: 2
    resources:
        # the text is memory-mapped; the float32 matrix and the word list stay below its size
        mem_mb=lambda wc, input, attempt: (1000 + 2 * input.size_mb) * attempt,
    params:
        on_bad_line=config["vectors"]["on_bad_line"],
        # source, format, limit, unicode_errors and digest of this store's source only, so that
        # changing one source reruns only its store's jobs
        options=lambda wc: VECTORS.of(wc.name).parse_options(wc.name),
    script:
        "../scripts/parse_vectors.py"
