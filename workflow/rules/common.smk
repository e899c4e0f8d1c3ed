# Shared helpers: config validation and the mapping from config to file names.
# The decisions themselves live in the tested package (src/embedlab/sources.py).

import re
from pathlib import Path

from snakemake.exceptions import WorkflowError

from embedlab.analogy import data_file
from embedlab.config import check_config, given_keys, load_schema
from embedlab.similarity import benchmark_file
from embedlab.sources import ConfigError, glove_source

# --config strings typed as the schema says, defaults filled in, one short line per problem
CONFIG_SCHEMA = Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"
# the keys the user gave (a default may adapt to the data, a value the user set may not)
GIVEN_KEYS = given_keys(config)
try:
    config.update(check_config(config, load_schema(CONFIG_SCHEMA)))
    GLOVE = glove_source(
        config["glove"]["source"], config["glove"]["dims"], config["glove"]["checksum"]
    )
except ConfigError as error:
    raise WorkflowError(f"Invalid configuration: {error}") from None


def glove_text(wildcards):
    """The GloVe text file a store is parsed from."""
    if GLOVE.kind == "text":
        return GLOVE.location
    return f"resources/glove/{wildcards.name}.txt"


def glove_archive():
    """The zip archive members are extracted from: downloaded, or the user's local file."""
    if GLOVE.kind == "url":
        return f"resources/glove/{GLOVE.archive}"
    return GLOVE.location


def digest_param(digest):
    """A Digest as a plain dict, so that Snakemake params (and reruns) see its values."""
    return {"size": digest.size, "md5": digest.md5, "sha256": digest.sha256}


GOOGLE_QUESTIONS = str(data_file("questions-words.txt"))


def neighbor_parts(wildcards):
    """The chunk files a merge combines (their number is neighbors.chunks)."""
    return expand(
        "results/neighbors/{name}/chunk_{chunk}.h5",
        name=wildcards.name,
        chunk=range(config["neighbors"]["chunks"]),
    )


def vgg16_shards(wildcards):
    """The shard files gather_embeddings joins, in order (their number is images.shards)."""
    return expand(
        "results/images/{dataset}/shards/{shard}.h5",
        dataset=wildcards.dataset,
        shard=range(config["images"]["shards"]),
    )


def similarity_files(wildcards):
    return [str(benchmark_file(b)) for b in config["similarity"]["benchmarks"]]


def word_outputs(name):
    """Everything the word side produces for one GloVe store."""
    return [
        f"results/glove/{name}.h5",
        f"results/neighbors/{name}.h5",
        f"results/neighbors/{name}.tsv",
        f"results/neighbors/{name}.sample.tsv",
        f"results/analogy/{name}/queries.tsv",
        f"results/analogy/{name}/google.tsv",
        f"results/analogy/{name}/google.png",
        f"results/analogy/{name}/google_answers.tsv",
        f"results/similarity/{name}.tsv",
    ]


def image_set():
    """The image dataset's name in result paths: the kind, or the folder's name for 'folder'."""
    images = config["images"]
    if images["dataset"] == "folder":
        if not images["folder"]:
            raise ValueError(
                "Invalid configuration: images.dataset 'folder' needs images.folder"
            )
        return Path(images["folder"]).name
    return images["dataset"]


def image_folder():
    """Where the dataset's <class>/<image> files are."""
    images = config["images"]
    if images["dataset"] == "folder":
        return images["folder"]
    return f"resources/images/{images['dataset']}"


def fixed_settings(*keys):
    """Those of the data-dependent analysis `keys` that the user set (they must not adapt)."""
    return [key for key in keys if key in GIVEN_KEYS]


def subset_n_labels(wildcards):
    """'first' = the first analysis.n_labels classes; 'all' does not depend on that value."""
    return config["analysis"]["n_labels"] if wildcards.subset == "first" else None


def image_outputs():
    base = f"results/images/{image_set()}"
    files = [
        f"{base}/embeddings.h5",
        f"{base}/skipped.tsv",
        f"{base}/analysis/settings.tsv",
    ]
    for subset in ("first", "all"):
        for name in ("tsne.png", "tsne.svg", "tsne.json", "kmeans.json", "svm.json",
                     "confusion.png", "confusion.svg"):  # fmt: skip
            files.append(f"{base}/analysis/{subset}/{name}")
    return files


def all_outputs():
    return [
        path for name in GLOVE.names for path in word_outputs(name)
    ] + image_outputs()


def finished_message():
    """What a user needs after a run: where the results are and how to see them."""
    words = ", ".join(f"results/*/{name}*" for name in GLOVE.names)
    return (
        f"embedlab: done. Word space: {words}; image space: results/images/{image_set()}/ "
        "(every path: README.md, 'Output path scheme').\n"
        "  Report: make report (or snakemake --report results/report.html), then open "
        "results/report.html."
    )
