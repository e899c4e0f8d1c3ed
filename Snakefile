# embedlab: the embedding-spaces lab as a reproducible pipeline.
#
# Output path scheme (relative to the working directory):
#   resources/glove/<archive>.zip         downloaded GloVe archive (URL sources only)
#   resources/glove/<name>.txt            GloVe text file (extracted, or written from the bundled package)
#   results/glove/<name>.h5               HDF5 word store: vectors float32 [N, d], words, attributes
#   logs/<stage>/<rule>[_<name>].log      one log per job
#   benchmarks/<stage>/<rule>[_<name>].tsv  one Snakemake benchmark per job
# <name> is the GloVe file's stem, e.g. glove.6B.50d.


from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/glove.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
