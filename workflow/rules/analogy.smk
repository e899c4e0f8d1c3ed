# Stage 4: analogy queries, the Google analogy benchmark (one job: about 1.4 s for all 19,544
# questions on glove.6B.50d, so it is not split) and the word-similarity benchmarks.


rule answer_queries:
    input:
        store="results/glove/{name}.h5",
    output:
        tsv="results/analogy/{name}/queries.tsv",
        html=report(
            "results/analogy/{name}/queries.html",
            caption="../report/queries.rst",
            category="Word space",
            subcategory="Analogies",
            labels={"model": "{name}", "table": "analogy queries"},
        ),
    log:
        "logs/analogy/answer_queries_{name}.log",
    benchmark:
        "benchmarks/analogy/answer_queries_{name}.tsv"
    resources:
        mem_mb=lambda wc, input: 1024 + 3 * input.size_mb,
    params:
        queries=config["analogy"]["queries"],
        k=config["analogy"]["k"],
    script:
        "../scripts/answer_queries.py"


rule evaluate_analogy_benchmark:
    input:
        store="results/glove/{name}.h5",
        questions=GOOGLE_QUESTIONS,
    output:
        tsv="results/analogy/{name}/google.tsv",
        html=report(
            "results/analogy/{name}/google.html",
            caption="../report/google.rst",
            category="Word space",
            subcategory="Analogies",
            labels={"model": "{name}", "table": "Google benchmark"},
        ),
        png=report(
            "results/analogy/{name}/google.png",
            caption="../report/google_plot.rst",
            category="Word space",
            subcategory="Analogies",
            labels={"model": "{name}", "table": "Google benchmark (plot)"},
        ),
        answers="results/analogy/{name}/google_answers.tsv",
    log:
        "logs/analogy/evaluate_analogy_benchmark_{name}.log",
    benchmark:
        "benchmarks/analogy/evaluate_analogy_benchmark_{name}.tsv"
    threads: config["analogy"]["threads"]
    resources:
        mem_mb=lambda wc, input: 1024 + 3 * input.size_mb,
    params:
        restrict_vocab=config["analogy"]["restrict_vocab"],
        lowercase=config["analogy"]["lowercase"],
    script:
        "../scripts/evaluate_analogy_benchmark.py"


rule score_similarity:
    input:
        store="results/glove/{name}.h5",
        pairs=similarity_files,
    output:
        tsv="results/similarity/{name}.tsv",
        html=report(
            "results/similarity/{name}.html",
            caption="../report/similarity.rst",
            category="Word space",
            subcategory="Word similarity",
            labels={"model": "{name}", "table": "word similarity"},
        ),
    log:
        "logs/similarity/score_similarity_{name}.log",
    benchmark:
        "benchmarks/similarity/score_similarity_{name}.tsv"
    resources:
        mem_mb=lambda wc, input: 1024 + 3 * input.size_mb,
    params:
        benchmarks=config["similarity"]["benchmarks"],
    script:
        "../scripts/score_similarity.py"
