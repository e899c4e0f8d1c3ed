# Stage 1 (acquisition) and stage 2 (parsing to HDF5) of the word side.
# Which acquisition rule exists depends on glove.source (see embedlab.sources).


if GLOVE.kind == "bundled":

    rule write_bundled_glove:
        output:
            txt="resources/glove/glove.6B.50d.txt",
        log:
            "logs/glove/write_bundled_glove.log",
        benchmark:
            "benchmarks/glove/write_bundled_glove.tsv"
        threads: 2
        resources:
            mem_mb=2000,
        script:
            "../scripts/write_bundled_glove.py"


if GLOVE.kind == "url":

    rule download_glove:
        output:
            archive=f"resources/glove/{GLOVE.archive}",
        log:
            "logs/glove/download_glove.log",
        benchmark:
            "benchmarks/glove/download_glove.tsv"
        resources:
            mem_mb=500,
        params:
            url=GLOVE.location,
            digest=digest_param(GLOVE.archive_digest),
            retries=config["glove"]["download_retries"],
            timeout_s=config["glove"]["timeout_s"],
        script:
            "../scripts/download_glove.py"


if GLOVE.kind in ("url", "zip"):

    rule extract_glove:
        input:
            archive=glove_archive(),
        output:
            txt="resources/glove/{name}.txt",
        log:
            "logs/glove/extract_glove_{name}.log",
        benchmark:
            "benchmarks/glove/extract_glove_{name}.tsv"
        wildcard_constraints:
            name="|".join(re.escape(n) for n in GLOVE.names),
        resources:
            mem_mb=500,
        params:
            # a downloaded archive was checked by download_glove; a local one is checked here
            archive_digest=(
                digest_param(GLOVE.archive_digest) if GLOVE.kind == "zip" else None
            ),
        script:
            "../scripts/extract_glove.py"


rule parse_glove:
    input:
        txt=glove_text,
    output:
        store="results/glove/{name}.h5",
    log:
        "logs/glove/parse_glove_{name}.log",
    benchmark:
        "benchmarks/glove/parse_glove_{name}.tsv"
    wildcard_constraints:
        name="|".join(re.escape(n) for n in GLOVE.names),
    threads: 2
    resources:
        # the text is memory-mapped; the float32 matrix and the word list stay below its size
        mem_mb=lambda wc, input: 1000 + 2 * input.size_mb,
    params:
        on_bad_line=config["glove"]["on_bad_line"],
        text_digest=lambda wc: digest_param(GLOVE.text_digest(wc.name)),
        source=GLOVE.location,
    script:
        "../scripts/parse_glove.py"
