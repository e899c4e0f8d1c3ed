# Shared helpers: config validation and the mapping from config to file names.
# The decisions themselves live in the tested package (src/embedlab/sources.py).
# Every path a rule writes is typed once, in that rule's output; everything else names it as
# rules.<rule>.output.<name>. The functions here that do are called only once the rules they
# name are defined: input functions at DAG time, image_folder() by the rules that follow
# write_digits and get_mit67, the target lists by `all` (at the end of the Snakefile).

import re
from pathlib import Path

from snakemake.exceptions import WorkflowError

from embedlab.analogy.answers import data_file
from embedlab.common.config import check_config, given_keys, load_schema
from embedlab.analogy.similarity import benchmark_file
from embedlab.common.slurm_fit import query_nodes, request_of, unfit, unfit_message
from embedlab.images.analysis.decisions import SUBSETS
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


def filled(pattern, **wildcards):
    """A rule's output path (rules.<rule>.output.<name>) with its wildcards filled in."""
    (path,) = expand(pattern, **wildcards)
    return path


def store_names():
    """The word-vector stores of this run, in config order (results/vectors/<name>.h5)."""
    return list(VECTORS.names)


def vector_file(wildcards):
    """The vector file a store is parsed from: written, extracted, downloaded or the user's."""
    source = VECTORS.of(wildcards.name)
    if source.kind == "bundled":
        return rules.write_bundled_glove.output.txt
    if source.is_zip:
        return filled(rules.extract_vectors.output.txt, name=wildcards.name)
    if source.kind == "url":
        return filled(rules.download_vectors.output.archive, file=source.file_name)
    return source.location


def vector_archive(wildcards):
    """The zip archive a member is extracted from: downloaded, or the user's local file."""
    source = VECTORS.of(wildcards.name)
    if source.kind == "url":
        return filled(rules.download_vectors.output.archive, file=source.file_name)
    return source.location


def digest_param(digest):
    """A Digest as a plain dict, so that Snakemake params (and reruns) see its values."""
    return {"size": digest.size, "md5": digest.md5, "sha256": digest.sha256}


GOOGLE_QUESTIONS = str(data_file("questions-words.txt"))


def neighbor_parts(wildcards):
    """The chunk files a merge combines (their number is neighbors.chunks)."""
    return expand(
        rules.neighbors_chunk.output.part,
        name=wildcards.name,
        chunk=range(config["neighbors"]["chunks"]),
    )


def vgg16_shards(wildcards):
    """The shard files gather_embeddings joins, in order (their number is images.shards)."""
    return expand(
        rules.extract_vgg16.output.shard,
        dataset=wildcards.dataset,
        shard=range(config["images"]["shards"]),
    )


def similarity_files(wildcards):
    return [str(benchmark_file(b)) for b in config["similarity"]["benchmarks"]]


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
    """Where the dataset's <class>/<image> files are: the user's folder, or the folder that
    write_digits or get_mit67 writes (images.smk defines only this dataset's rule)."""
    images = config["images"]
    if images["dataset"] == "folder":
        return images["folder"]
    if images["dataset"] == "digits":
        return rules.write_digits.output.folder
    return rules.get_mit67.output.folder


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


def finished_message():
    """What a user needs after a run: where the results are and how to see them."""
    words = ", ".join(f"results/*/{name}*" for name in store_names())
    return (
        f"embedlab: done. Word space: {words}, results/comparison/; image space: results/images/{image_set()}/ "
        "(every path: docs/outputs.md, 'Output path scheme').\n"
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
        raise WorkflowError(unfit_message(problems))


# --- the target lists of `all`, what each stage produces, as the outputs of its rules ------------


def word_outputs():
    """Everything the word side produces, store by store."""
    return [
        path
        for name in store_names()
        for path in expand(
            [
                rules.parse_vectors.output.store,
                rules.neighbors_merge.output.h5,
                rules.neighbors_merge.output.tsv,
                rules.sample_neighbors.output.tsv,
                rules.answer_queries.output.tsv,
                rules.evaluate_analogy_benchmark.output.tsv,
                rules.evaluate_analogy_benchmark.output.png,
                rules.evaluate_analogy_benchmark.output.answers,
                rules.score_similarity.output.tsv,
            ],
            name=name,
        )
    ]


def comparison_outputs():
    """The comparison of every store."""
    output = rules.compare_models.output
    return [output.tsv, output.png, output.png_all, output.queries]


def image_outputs():
    """Everything the image side produces: the embeddings, then each subset's analysis."""
    dataset = image_set()
    files = expand(
        [
            rules.gather_embeddings.output.h5,
            rules.gather_embeddings.output.skipped,
            rules.decide_analysis_settings.output.tsv,
            rules.decide_analysis_settings.output.json,
        ],
        dataset=dataset,
    )
    for subset in SUBSETS:
        files += expand(
            [
                rules.tsne_images.output.png,
                rules.tsne_images.output.svg,
                rules.tsne_images.output.json,
                rules.kmeans_images.output.json,
                rules.svm_images.output.json,
                rules.svm_images.output.png,
                rules.svm_images.output.svg,
            ],
            dataset=dataset,
            subset=subset,
        )
    return files


def explore_outputs():
    """Everything the exploration stage produces: the image side's, then each store's."""
    files = expand(
        [
            rules.map_images.output.html,
            rules.retrieve_images.output.tsv,
            rules.retrieve_images.output.gallery,
            rules.export_projector_images.output.folder,
        ],
        dataset=image_set(),
    )
    return files + [
        path
        for name in store_names()
        for path in expand(
            [rules.map_words.output.html, rules.export_projector_words.output.folder],
            name=name,
        )
    ]
