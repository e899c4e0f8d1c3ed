# Stage 4: analogy queries, the Google analogy benchmark (one job: about 1.4 s for all 19,544
# questions on glove.6B.50d, so it is not split) and the word-similarity benchmarks.


rule answer_queries:
    input:
        store=rules.parse_vectors.output.store,
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
        mem_mb=lambda wc, input, attempt: (1024 + 3 * input.size_mb) * attempt,
    params:
        queries=config["analogy"]["queries"],
        k=config["analogy"]["k"],
    script:
        "../scripts/answer_queries.py"


rule evaluate_analogy_benchmark:
    input:
        store=rules.parse_vectors.output.store,
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
        mem_mb=lambda wc, input, attempt: (1024 + 3 * input.size_mb) * attempt,
    params:
        restrict_vocab=config["analogy"]["restrict_vocab"],
        lowercase=config["analogy"]["lowercase"],
    script:
        "../scripts/evaluate_analogy_benchmark.py"


rule score_similarity:
    input:
        store=rules.parse_vectors.output.store,
        pairs=similarity_files,
    output:
        tsv="results/similarity/{name}.tsv",
        pairs="results/similarity/{name}_pairs.tsv",
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
        mem_mb=lambda wc, input, attempt: (1024 + 3 * input.size_mb) * attempt,
    params:
        benchmarks=config["similarity"]["benchmarks"],
    script:
        "../scripts/score_similarity.py"


rule compare_models:
    input:
        stores=expand(rules.parse_vectors.output.store, name=store_names()),
        answers=expand(
            rules.evaluate_analogy_benchmark.output.answers, name=store_names()
        ),
        similarity=expand(rules.score_similarity.output.tsv, name=store_names()),
        pairs=expand(rules.score_similarity.output.pairs, name=store_names()),
        queries=expand(rules.answer_queries.output.tsv, name=store_names()),
    output:
        tsv="results/comparison/models.tsv",
        html=report(
            "results/comparison/models.html",
            caption="../report/comparison.rst",
            category="Word space",
            subcategory="Models compared",
            labels={"model": "all models", "table": "scores"},
        ),
        png=report(
            "results/comparison/models.png",
            caption="../report/comparison_plot.rst",
            category="Word space",
            subcategory="Models compared",
            labels={"model": "all models", "table": "scores (plot)"},
        ),
        png_all=report(
            "results/comparison/models_all.png",
            caption="../report/comparison_all_plot.rst",
            category="Word space",
            subcategory="Models compared",
            labels={"model": "all models", "table": "all questions (plot)"},
        ),
        queries="results/comparison/queries.tsv",
        queries_html=report(
            "results/comparison/queries.html",
            caption="../report/comparison_queries.rst",
            category="Word space",
            subcategory="Models compared",
            labels={"model": "all models", "table": "analogy answers"},
        ),
    log:
        "logs/comparison/compare_models.log",
    benchmark:
        "benchmarks/comparison/compare_models.tsv"
    # seconds of reading small tables: under a cluster profile it runs where Snakemake
    # does, with no queue wait
    localrule: True
    resources:
        mem_mb=lambda wc, attempt: 1024 * attempt,
    params:
        names=store_names(),
        restrict_vocab=config["analogy"]["restrict_vocab"],
        lowercase=config["analogy"]["lowercase"],
    script:
        "../scripts/compare_models.py"
