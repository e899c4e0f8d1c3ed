# embedlab: the embedding-spaces lab as a reproducible pipeline.
#
# Output path scheme (relative to the working directory):
#   resources/glove/<archive>.zip         downloaded GloVe archive (URL sources only)
#   resources/glove/<name>.txt            GloVe text file (extracted, or written from the bundled package)
#   results/glove/<name>.h5               HDF5 word store: vectors float32 [N, d], words, attributes
#   results/neighbors/<name>/chunk_<i>.h5 partial top-k lists of chunk job i (scatter)
#   results/neighbors/<name>.h5|.tsv      exact k nearest neighbours of every word (gather)
#   results/neighbors/<name>.sample.tsv   neighbour lists of neighbors.sample_words (report)
#   results/analogy/<name>/queries.tsv    answers to analogy.queries by three methods (report)
#   results/analogy/<name>/google/<section>.tsv  per-question answers of one benchmark section
#   results/analogy/<name>/google.tsv|.png       Google analogy accuracy per section (report)
#   results/similarity/<name>.tsv         WordSim353 / SimLex-999 Spearman rho (report)
#   resources/images/<dataset>/           image files, <class>/<image> (digits written, MIT-67 fetched)
#   results/images/<dataset>/items.tsv    every image with its class and train/test split
#   results/images/<dataset>/embeddings.h5, skipped.tsv   VGG16 features; unreadable files
#   results/images/<dataset>/analysis/<first|all>/  tsne.png|svg|json, kmeans.json, svm.json,
#                                         confusion.png|svg (report)
#   logs/<stage>/<rule>[_<name>].log      one log per job
#   benchmarks/<stage>/<rule>[_<name>].tsv  one Snakemake benchmark per job
# <name> is the GloVe file's stem, e.g. glove.6B.50d.


from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/glove.smk"
include: "workflow/rules/neighbors.smk"
include: "workflow/rules/analogy.smk"
include: "workflow/rules/images.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
