# Stage 5: the image dataset and its VGG16 embeddings: list_images lists the readable images and
# splits them (what it leaves out: items_skipped.tsv), extract_vgg16 jobs (scatter) each embed a
# range of whole batches into a shard file; gather_embeddings joins them into embeddings.h5 and
# skipped.tsv.
# Stage 6: t-SNE, KMeans and SVM on them, for the first analysis.n_labels classes ("first") and
# for all classes ("all"), with the settings decide_analysis_settings decided once from what was
# embedded (check_analysis_settings runs the same decision on the item list first, to fail fast).


if config["images"]["dataset"] == "digits":

    rule write_digits:
        output:
            folder=directory("resources/images/digits"),
        log:
            "logs/images/write_digits.log",
        benchmark:
            "benchmarks/images/write_digits.tsv"
        localrule: True
        resources:
            mem_mb=lambda wc, attempt: 1000 * attempt,
        params:
            per_class=config["images"]["per_class"],
            seed=config["images"]["seed"],
        script:
            "../scripts/write_digits.py"


if config["images"]["dataset"] == "mit67":

    rule get_mit67:
        output:
            folder=directory("resources/images/mit67"),
        log:
            "logs/images/get_mit67.log",
        benchmark:
            "benchmarks/images/get_mit67.tsv"
        localrule: True
        resources:
            mem_mb=lambda wc, attempt: 1000 * attempt,
        params:
            sources=config["images"]["mit67"],
            retries=config["downloads"]["retries"],
            timeout_s=config["downloads"]["timeout_s"],
        script:
            "../scripts/get_mit67.py"


rule list_images:
    input:
        folder=image_folder(),
    output:
        listing="results/images/{dataset}/items.tsv",
        # what the listing left out, and why; gather_embeddings merges it into skipped.tsv
        skipped="results/images/{dataset}/items_skipped.tsv",
    log:
        "logs/images/list_images_{dataset}.log",
    benchmark:
        "benchmarks/images/list_images_{dataset}.tsv"
    localrule: True
    resources:
        mem_mb=lambda wc, attempt: 1000 * attempt,
    params:
        kind=config["images"]["dataset"],
        test_fraction=config["images"]["test_fraction"],
        seed=config["images"]["seed"],
    script:
        "../scripts/list_images.py"


rule extract_vgg16:
    input:
        listing=rules.list_images.output.listing,
        folder=image_folder(),
    output:
        shard="results/images/{dataset}/shards/{shard}.h5",
    log:
        "logs/images/extract_vgg16_{dataset}_{shard}.log",
    benchmark:
        "benchmarks/images/extract_vgg16_{dataset}_{shard}.tsv"
    threads: 2
    resources:
        # VGG16 with its top (138 M weights) plus one batch of 224x224 images in flight
        mem_mb=lambda wc, attempt: (6000 + 200 * config["images"]["batch_size"])
        * attempt,
        # minutes: a shard of MIT-67 on CPU (about 6 images/s on 2 cores) fits in this
        runtime=240,
    params:
        weights=config["images"]["weights"],
        weights_file=config["images"]["weights_file"],
        layer=config["images"]["layer"],
        batch_size=config["images"]["batch_size"],
        shards=config["images"]["shards"],
        seed=config["images"]["seed"],
        mixed_precision=config["images"]["mixed_precision"],
    script:
        "../scripts/extract_vgg16.py"


rule gather_embeddings:
    input:
        shards=vgg16_shards,
        listed_skipped=rules.list_images.output.skipped,
    output:
        h5="results/images/{dataset}/embeddings.h5",
        skipped="results/images/{dataset}/skipped.tsv",
        skipped_html=report(
            "results/images/{dataset}/skipped.html",
            caption="../report/skipped.rst",
            category="Image space",
            subcategory="Embeddings",
            labels={"table": "skipped files"},
        ),
    log:
        "logs/images/gather_embeddings_{dataset}.log",
    benchmark:
        "benchmarks/images/gather_embeddings_{dataset}.tsv"
    resources:
        # the shards are copied in blocks of 1024 rows; only paths and labels are held whole
        mem_mb=lambda wc, attempt: 1000 * attempt,
    script:
        "../scripts/gather_embeddings.py"


rule check_analysis_settings:
    input:
        listing=rules.list_images.output.listing,
    output:
        tsv="results/images/{dataset}/analysis/settings_check.tsv",
    log:
        "logs/images/check_analysis_settings_{dataset}.log",
    benchmark:
        "benchmarks/images/check_analysis_settings_{dataset}.tsv"
    priority: 50
    # seconds of reading small tables: under a cluster profile it runs where Snakemake
    # does, with no queue wait
    localrule: True
    resources:
        mem_mb=lambda wc, attempt: 500 * attempt,
    params:
        requested=analysis_request(),
    script:
        "../scripts/check_analysis_settings.py"


rule decide_analysis_settings:
    input:
        h5=rules.gather_embeddings.output.h5,
        skipped=rules.gather_embeddings.output.skipped,
        check=rules.check_analysis_settings.output.tsv,
    output:
        json="results/images/{dataset}/analysis/settings.json",
        tsv="results/images/{dataset}/analysis/settings.tsv",
        html=report(
            "results/images/{dataset}/analysis/settings.html",
            caption="../report/settings.rst",
            category="Image space",
            subcategory="Settings",
            labels={"table": "analysis settings"},
        ),
    log:
        "logs/images/decide_analysis_settings_{dataset}.log",
    benchmark:
        "benchmarks/images/decide_analysis_settings_{dataset}.tsv"
    # seconds of reading small tables: under a cluster profile it runs where Snakemake
    # does, with no queue wait
    localrule: True
    resources:
        # the labels and split of every image, not the features
        mem_mb=lambda wc, attempt: 500 * attempt,
    params:
        requested=analysis_request(),
    script:
        "../scripts/decide_analysis_settings.py"


rule tsne_images:
    input:
        h5=rules.gather_embeddings.output.h5,
        settings=rules.decide_analysis_settings.output.json,
    output:
        png=report(
            "results/images/{dataset}/analysis/{subset}/tsne.png",
            caption="../report/tsne.rst",
            category="Image space",
            subcategory="t-SNE",
            labels={"classes": "{subset}"},
        ),
        svg="results/images/{dataset}/analysis/{subset}/tsne.svg",
        json="results/images/{dataset}/analysis/{subset}/tsne.json",
        tsv="results/images/{dataset}/analysis/{subset}/tsne.tsv",
    log:
        "logs/images/tsne_images_{dataset}_{subset}.log",
    benchmark:
        "benchmarks/images/tsne_images_{dataset}_{subset}.tsv"
    threads: 2
    resources:
        mem_mb=lambda wc, attempt: 4000 * attempt,
    params:
        seed=config["analysis"]["seed"],
    script:
        "../scripts/tsne_images.py"


rule kmeans_images:
    input:
        h5=rules.gather_embeddings.output.h5,
        settings=rules.decide_analysis_settings.output.json,
    output:
        json="results/images/{dataset}/analysis/{subset}/kmeans.json",
        html=report(
            "results/images/{dataset}/analysis/{subset}/kmeans.html",
            caption="../report/kmeans.rst",
            category="Image space",
            subcategory="KMeans (NMI, ARI)",
            labels={"classes": "{subset}"},
        ),
    log:
        "logs/images/kmeans_images_{dataset}_{subset}.log",
    benchmark:
        "benchmarks/images/kmeans_images_{dataset}_{subset}.tsv"
    resources:
        mem_mb=lambda wc, attempt: 4000 * attempt,
    params:
        seed=config["analysis"]["seed"],
    script:
        "../scripts/kmeans_images.py"


rule svm_images:
    input:
        h5=rules.gather_embeddings.output.h5,
        settings=rules.decide_analysis_settings.output.json,
    output:
        json="results/images/{dataset}/analysis/{subset}/svm.json",
        html=report(
            "results/images/{dataset}/analysis/{subset}/svm.html",
            caption="../report/svm.rst",
            category="Image space",
            subcategory="Linear SVM",
            labels={"classes": "{subset}", "table": "scores"},
        ),
        png=report(
            "results/images/{dataset}/analysis/{subset}/confusion.png",
            caption="../report/confusion.rst",
            category="Image space",
            subcategory="SVM confusion matrix",
            labels={"classes": "{subset}"},
        ),
        svg="results/images/{dataset}/analysis/{subset}/confusion.svg",
        per_class="results/images/{dataset}/analysis/{subset}/svm_per_class.tsv",
        per_class_html=report(
            "results/images/{dataset}/analysis/{subset}/svm_per_class.html",
            caption="../report/svm_per_class.rst",
            category="Image space",
            subcategory="Linear SVM",
            labels={"classes": "{subset}", "table": "per-class accuracy"},
        ),
        confused="results/images/{dataset}/analysis/{subset}/svm_confused.tsv",
        confused_html=report(
            "results/images/{dataset}/analysis/{subset}/svm_confused.html",
            caption="../report/svm_confused.rst",
            category="Image space",
            subcategory="Linear SVM",
            labels={"classes": "{subset}", "table": "most confused pairs"},
        ),
    log:
        "logs/images/svm_images_{dataset}_{subset}.log",
    benchmark:
        "benchmarks/images/svm_images_{dataset}_{subset}.tsv"
    threads: 2
    resources:
        # the L2-normalised features (float32) twice, plus the scores of every class
        mem_mb=lambda wc, attempt: 4000 * attempt,
    params:
        C=config["analysis"]["svm"]["C"],
        C_grid=config["analysis"]["svm"]["C_grid"],
        seed=config["analysis"]["seed"],
    script:
        "../scripts/svm_images.py"
