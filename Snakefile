# embedlab: the embedding-spaces lab as a reproducible pipeline.
#
# Every output path (results/, resources/, logs/, benchmarks/) is listed once, in the
# "Output path scheme" table of README.md; keep that table in step with the rules.


from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


# Every wildcard matches only what it can name in this run (a rule may narrow it further): the
# DAG then never tries a rule on another rule's file (a store named 'glove.tiny.sample' for
# results/neighbors/glove.tiny.sample.tsv), which keeps every Snakemake start short.
wildcard_constraints:
    name=names_pattern(store_names()),
    dataset=re.escape(image_set()),
    subset="first|all",
    chunk=r"\d+",
    shard=r"\d+",


include: "workflow/rules/vectors.smk"
include: "workflow/rules/neighbors.smk"
include: "workflow/rules/analogy.smk"
include: "workflow/rules/images.smk"
include: "workflow/rules/explore.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
        explore_outputs(),
    localrule: True


onstart:
    check_cluster_fit()


onsuccess:
    print(finished_message())
