# Stage 3: exact nearest neighbours of every word. neighbors_chunk jobs (scatter) each own a
# cost-balanced share of the block pairs of the symmetric similarity matrix and write partial
# top-k lists for the whole vocabulary; neighbors_merge (gather) combines them.


rule neighbors_chunk:
    input:
        store="results/glove/{name}.h5",
    output:
        part="results/neighbors/{name}/chunk_{chunk}.h5",
    log:
        "logs/neighbors/neighbors_chunk_{name}_{chunk}.log",
    benchmark:
        "benchmarks/neighbors/neighbors_chunk_{name}_{chunk}.tsv"
    wildcard_constraints:
        chunk=r"\d+",
    threads: config["neighbors"]["threads"]
    resources:
        # vectors, their normalised copy and one set of top-k lists per thread
        mem_mb=lambda wc, input, threads: 1024 + 3 * input.size_mb + 100 * threads,
        runtime=lambda wc, input: 10 + int(input.size_mb**2 / 200),
    params:
        k=config["neighbors"]["k"],
        metric=config["neighbors"]["metric"],
        max_words=config["neighbors"]["max_words"],
        chunks=config["neighbors"]["chunks"],
    script:
        "../scripts/neighbors_chunk.py"


rule neighbors_merge:
    input:
        store="results/glove/{name}.h5",
        parts=neighbor_parts,
    output:
        h5="results/neighbors/{name}.h5",
        tsv="results/neighbors/{name}.tsv",
    log:
        "logs/neighbors/neighbors_merge_{name}.log",
    benchmark:
        "benchmarks/neighbors/neighbors_merge_{name}.tsv"
    resources:
        mem_mb=lambda wc, input: 2048 + 4 * input.size_mb,
    params:
        k=config["neighbors"]["k"],
        metric=config["neighbors"]["metric"],
        max_words=config["neighbors"]["max_words"],
    script:
        "../scripts/neighbors_merge.py"


rule sample_neighbors:
    input:
        store="results/glove/{name}.h5",
        neighbors="results/neighbors/{name}.h5",
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
    resources:
        mem_mb=1024,
    params:
        words=config["neighbors"]["sample_words"],
        metric=config["neighbors"]["metric"],
    script:
        "../scripts/sample_neighbors.py"
