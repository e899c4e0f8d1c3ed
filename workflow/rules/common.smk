# Shared helpers: config validation and the mapping from config to file names.
# The decisions themselves live in the tested package (src/embedlab/sources.py).

import re
from pathlib import Path

from snakemake.exceptions import WorkflowError

from embedlab.analogy.answers import data_file
from embedlab.common.config import check_config, given_keys, load_schema
from embedlab.analogy.similarity import benchmark_file
from embedlab.common.slurm_fit import query_nodes, request_of, unfit
from embedlab.common.config import ConfigError
from embedlab.vectors.sources import vector_set

# --config strings typed as the schema says, defaults filled in, one short line per problem
# (relative to this file, so that it is found when the workflow is used as a module)
CONFIG_SCHEMA = workflow.source_path("../schemas/config.schema.yaml")
# the keys the user gave (a default may adapt to the data, a value the user set may not)
GIVEN_KEYS = given_keys(config)
# check_config also stops at a key of an earlier embedlab (embedlab.common.config.OLD_KEYS)
try:
    config.update(check_config(config, load_schema(CONFIG_SCHEMA)))
    VECTORS = vector_set(config["vectors"]["sources"])
except ConfigError as error:
    raise WorkflowError(f"Invalid configuration: {error}") from None


def names_pattern(names):
    """A wildcard constraint matching exactly `names` (never an empty pattern)."""
    return "|".join(re.escape(n) for n in names) or "(?!)"


def store_names():
    """The word-vector stores of this run, in config order (results/vectors/<name>.h5)."""
    return list(VECTORS.names)


def vector_file(wildcards):
    """The vector file a store is parsed from: written, extracted, downloaded or the user's."""
    source = VECTORS.of(wildcards.name)
    if source.kind == "bundled":
        return "resources/vectors/glove.6B.50d.txt"
    if source.is_zip:
        return f"resources/vectors/{wildcards.name}.txt"
    if source.kind == "url":
        return f"resources/vectors/download/{source.file_name}"
    return source.location


def vector_archive(wildcards):
    """The zip archive a member is extracted from: downloaded, or the user's local file."""
    source = VECTORS.of(wildcards.name)
    if source.kind == "url":
        return f"resources/vectors/download/{source.file_name}"
    return source.location


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
    """Everything the word side produces for one word-vector store."""
    return [
        f"results/vectors/{name}.h5",
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


def analysis_request():
    """The analysis settings as the config asks for them, which check_analysis_settings and
    decide_analysis_settings turn into the settings of each subset
    (embedlab.images.analysis.decisions.Requested)."""
    analysis = config["analysis"]
    return {
        "n_labels": analysis["n_labels"],
        "perplexity": analysis["tsne"]["perplexity"],
        "tsne_pca": analysis["tsne"]["pca_components"],
        "kmeans_pca": analysis["kmeans"]["pca_components"],
        "cv_folds": analysis["svm"]["cv_folds"],
        # only whether C is chosen by cross-validation: another fixed C decides nothing anew
        "cross_validate": analysis["svm"]["C"] is None,
        "fixed": fixed_settings(
            "analysis.n_labels",
            "analysis.tsne.perplexity",
            "analysis.kmeans.pca_components",
            "analysis.svm.cv_folds",
        ),
    }


def image_outputs():
    base = f"results/images/{image_set()}"
    files = [
        f"{base}/embeddings.h5",
        f"{base}/skipped.tsv",
        f"{base}/analysis/settings.tsv",
        f"{base}/analysis/settings.json",
    ]
    for subset in ("first", "all"):
        for name in (
            "tsne.png",
            "tsne.svg",
            "tsne.json",
            "kmeans.json",
            "svm.json",
            "confusion.png",
            "confusion.svg",
        ):
            files.append(f"{base}/analysis/{subset}/{name}")
    return files


COMPARISON_OUTPUTS = [
    "results/comparison/models.tsv",
    "results/comparison/models.png",
    "results/comparison/queries.tsv",
]


def all_outputs():
    return (
        [path for name in store_names() for path in word_outputs(name)]
        + COMPARISON_OUTPUTS
        + image_outputs()
    )


def finished_message():
    """What a user needs after a run: where the results are and how to see them."""
    words = ", ".join(f"results/*/{name}*" for name in store_names())
    return (
        f"embedlab: done. Word space: {words}, results/comparison/; image space: results/images/{image_set()}/ "
        "(every path: README.md, 'Output path scheme').\n"
        "  Report: make report (or snakemake --report results/report.html), then open "
        "results/report.html."
    )


def check_cluster_fit():
    """With the SLURM executor: stop before anything is submitted when a job asks for more than
    any node of its partition has (SLURM would leave it pending, or sbatch reject it tersely).
    """
    plugin = workflow.executor_plugin
    if plugin is None or plugin.name != "slurm" or not workflow.is_main_process:
        return
    jobs = [job for job in workflow.dag.needrun_jobs() if not job.is_local]
    if not jobs:
        return
    try:
        nodes = query_nodes()
    except (OSError, RuntimeError) as error:
        raise WorkflowError(f"Cannot check the cluster's nodes: {error}") from None
    problems = unfit((request_of(job.rule.name, job.resources) for job in jobs), nodes)
    if problems:
        raise WorkflowError(
            "No SLURM node can run these jobs (they would wait forever or be rejected):\n  "
            + "\n  ".join(problems)
            + "\nGive the fix on the command line (README.md, 'Running on a SLURM cluster')."
        )


def explore_outputs():
    """Everything this stage produces (rule all asks for it)."""
    dataset = image_set()
    base = f"results/explore/images/{dataset}"
    files = [
        f"{base}/map.html",
        f"{base}/retrieval.tsv",
        f"{base}/gallery.html",
        f"results/projector/images/{dataset}",
    ]
    for name in store_names():
        files += [
            f"results/explore/words/{name}/map.html",
            f"results/projector/words/{name}",
        ]
    return files
