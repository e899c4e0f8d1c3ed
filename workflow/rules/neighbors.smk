# Stage 3: exact nearest neighbours of every word. neighbors_chunk jobs (scatter) each own a
# cost-balanced share of the block pairs of the symmetric similarity matrix and write partial
# top-k lists for the whole vocabulary; neighbors_merge (gather) combines them.


from embedlab.neighbors.jobs import chunk_mem_mb, chunk_runtime_min, merge_mem_mb
from embedlab.vectors.store import store_shape


rule neighbors_chunk:
    input:
        store=rules.parse_vectors.output.store,
    output:
        part="results/neighbors/{name}/chunk_{chunk}.h5",
    log:
        "logs/neighbors/neighbors_chunk_{name}_{chunk}.log",
    benchmark:
        "benchmarks/neighbors/neighbors_chunk_{name}_{chunk}.tsv"
    threads: config["neighbors"]["threads"]
    resources:
        # the vectors once, top-k lists per thread, a fixed workspace (neighbor_jobs.chunk_mem_mb)
        mem_mb=lambda wc, input, threads, attempt: chunk_mem_mb(
            *store_shape(input.store, config["neighbors"]["max_words"]),
            config["neighbors"]["k"],
            threads,
            config["neighbors"]["device"],
        )
        * attempt,
        runtime=lambda wc, input, threads, attempt: chunk_runtime_min(
            *store_shape(input.store, config["neighbors"]["max_words"]),
            config["neighbors"]["chunks"],
            threads,
        )
        * attempt,
        gpu=1 if config["neighbors"]["device"] == "gpu" else 0,
    params:
        k=config["neighbors"]["k"],
        metric=config["neighbors"]["metric"],
        max_words=config["neighbors"]["max_words"],
        chunks=config["neighbors"]["chunks"],
        device=config["neighbors"]["device"],
    script:
        "../scripts/neighbors_chunk.py"


rule neighbors_merge:
    input:
        store=rules.parse_vectors.output.store,
        parts=neighbor_parts,
    output:
        h5="results/neighbors/{name}.h5",
        tsv="results/neighbors/{name}.tsv",
    log:
        "logs/neighbors/neighbors_merge_{name}.log",
    benchmark:
        "benchmarks/neighbors/neighbors_merge_{name}.tsv"
    resources:
        # two sets of top-k lists and the words (neighbor_jobs.merge_mem_mb)
        mem_mb=lambda wc, input, attempt: merge_mem_mb(
            store_shape(input.store, config["neighbors"]["max_words"])[0],
            config["neighbors"]["k"],
            config["neighbors"]["metric"],
        )
        * attempt,
    params:
        k=config["neighbors"]["k"],
        metric=config["neighbors"]["metric"],
        max_words=config["neighbors"]["max_words"],
    script:
        "../scripts/neighbors_merge.py"


rule sample_neighbors:
    input:
        store=rules.parse_vectors.output.store,
        neighbors=rules.neighbors_merge.output.h5,
    output:
        tsv="results/neighbors/{name}.sample.tsv",
        html=report(
            "results/neighbors/{name}.sample.html",
            caption="../report/neighbors.rst",
            category="Word space",
            subcategory="Nearest neighbours",
            labels={"model": "{name}", "table": "sample words"},
        ),
    log:
        "logs/neighbors/sample_neighbors_{name}.log",
    benchmark:
        "benchmarks/neighbors/sample_neighbors_{name}.tsv"
    # seconds: it reads the store and the neighbour lists, and writes a few words' rows; under
    # a cluster profile it runs where Snakemake does, with no queue wait
    localrule: True
    resources:
        mem_mb=lambda wc, attempt: 1024 * attempt,
    params:
        words=config["neighbors"]["sample_words"],
        metric=config["neighbors"]["metric"],
    script:
        "../scripts/sample_neighbors.py"
