# Stage 7: exploration a person can see and touch: interactive maps of the image and word
# spaces, image retrieval (test images query the train images), and folders for TensorFlow's
# Embedding Projector (tensorboard --logdir results/projector/<kind>/<name>).


rule map_images:
    input:
        # the map of all classes
        tsv=filled(rules.tsne_images.output.tsv, subset="all", allow_missing=True),
        json=filled(rules.tsne_images.output.json, subset="all", allow_missing=True),
        folder=image_folder(),
    output:
        html=report(
            "results/explore/images/{dataset}/map.html",
            caption="../report/map_images.rst",
            category="Exploration",
            subcategory="Interactive maps",
            labels={"map": "images: {dataset}"},
        ),
    log:
        "logs/explore/map_images_{dataset}.log",
    benchmark:
        "benchmarks/explore/map_images_{dataset}.tsv"
    resources:
        mem_mb=lambda wc, attempt: 2000 * attempt,
    params:
        thumbnail_px=config["explore"]["thumbnail_px"],
    script:
        "../scripts/map_images.py"


rule map_words:
    input:
        store=rules.parse_vectors.output.store,
        queries=rules.answer_queries.output.tsv,
    output:
        html=report(
            "results/explore/words/{name}/map.html",
            caption="../report/map_words.rst",
            category="Exploration",
            subcategory="Interactive maps",
            labels={"map": "words: {name}"},
        ),
    log:
        "logs/explore/map_words_{name}.log",
    benchmark:
        "benchmarks/explore/map_words_{name}.tsv"
    # one thread: openTSNE's two threads run 5x slower than one on a busy 2-core machine at
    # this size (a few thousand points)
    threads: 1
    resources:
        mem_mb=lambda wc, input, attempt: (1500 + 3 * input.size_mb) * attempt,
    params:
        n=config["explore"]["words"]["n"],
        perplexity=config["explore"]["words"]["perplexity"],
        labels=config["explore"]["words"]["labels"],
        clusters=config["explore"]["words"]["clusters"],
        seed=config["analysis"]["seed"],
        queries=config["analogy"]["queries"],
    script:
        "../scripts/map_words.py"


rule retrieve_images:
    input:
        h5=rules.gather_embeddings.output.h5,
        folder=image_folder(),
    output:
        tsv="results/explore/images/{dataset}/retrieval.tsv",
        html=report(
            "results/explore/images/{dataset}/retrieval.html",
            caption="../report/retrieval.rst",
            category="Exploration",
            subcategory="Image retrieval",
            labels={"table": "precision@k per class"},
        ),
        gallery=report(
            "results/explore/images/{dataset}/gallery.html",
            caption="../report/gallery.rst",
            category="Exploration",
            subcategory="Image retrieval",
            labels={"table": "gallery"},
        ),
    log:
        "logs/explore/retrieve_images_{dataset}.log",
    benchmark:
        "benchmarks/explore/retrieve_images_{dataset}.tsv"
    threads: 2
    resources:
        # the features twice (raw and L2-normalised) and one block of 1024 x train similarities
        mem_mb=lambda wc, input, attempt: (1000 + 3 * input.size_mb) * attempt,
    params:
        k=config["explore"]["retrieval"]["k"],
        queries_per_class=config["explore"]["retrieval"]["queries_per_class"],
        thumbnail_px=config["explore"]["thumbnail_px"],
    script:
        "../scripts/retrieve_images.py"


rule export_projector_words:
    input:
        store=rules.parse_vectors.output.store,
    output:
        folder=directory("results/projector/words/{name}"),
    log:
        "logs/explore/export_projector_words_{name}.log",
    benchmark:
        "benchmarks/explore/export_projector_words_{name}.tsv"
    resources:
        mem_mb=lambda wc, input, attempt: (1000 + 2 * input.size_mb) * attempt,
    params:
        words=config["explore"]["projector"]["words"],
    script:
        "../scripts/export_projector_words.py"


rule export_projector_images:
    input:
        h5=rules.gather_embeddings.output.h5,
        folder=image_folder(),
    output:
        folder=directory("results/projector/images/{dataset}"),
    log:
        "logs/explore/export_projector_images_{dataset}.log",
    benchmark:
        "benchmarks/explore/export_projector_images_{dataset}.tsv"
    resources:
        # the features, a PCA of them, and the sprite atlas (8192 x 8192 RGB at most)
        mem_mb=lambda wc, input, attempt: (1500 + 3 * input.size_mb) * attempt,
    params:
        pca_components=config["explore"]["projector"]["image_pca_components"],
        seed=config["analysis"]["seed"],
    script:
        "../scripts/export_projector_images.py"
