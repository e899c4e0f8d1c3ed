# embedlab: the embedding-spaces lab as a reproducible pipeline.
#
# Every output path (results/, resources/, logs/, benchmarks/) is typed once, in the output of
# the rule that writes it (others name it as rules.<rule>.output.<name>), and listed once, in the
# "Output path scheme" table of docs/outputs.md (tests/workflow/test_paths.py keeps the two in
# step).


from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


# Every wildcard of every rule is constrained here, once: each matches only what it can name in
# this run (a rule narrows one further only where it says why: extract_vectors). The DAG then
# never tries a rule on another rule's file (a store named 'glove.tiny.sample' for
# results/neighbors/glove.tiny.sample.tsv), which keeps every Snakemake start short.
wildcard_constraints:
    name=names_pattern(store_names()),
    file=names_pattern(VECTORS.downloads),
    dataset=re.escape(image_set()),
    subset=names_pattern(SUBSETS),
    chunk=r"\d+",
    shard=r"\d+",


include: "workflow/rules/vectors.smk"
include: "workflow/rules/neighbors.smk"
include: "workflow/rules/analogy.smk"
include: "workflow/rules/images.smk"
include: "workflow/rules/explore.smk"


# what a run makes: the outputs of the rules, by name (common.smk: the target lists)
rule all:
    default_target: True
    input:
        word_outputs(),
        comparison_outputs(),
        image_outputs(),
        explore_outputs(),
    localrule: True


onstart:
    check_cluster_fit()


onsuccess:
    print(finished_message())
