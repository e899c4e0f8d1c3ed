"""Rule sample_neighbors: the neighbour lists of a few words, for the report."""

from embedlab.common.html_tables import tsv_to_html
from embedlab.common.joblog import job_log
from embedlab.common.tables import write_tsv
from embedlab.neighbors.tsv import neighbor_header, neighbor_rows
from embedlab.vectors.store import read_neighbors, read_store

with job_log(snakemake.log[0]) as log:
    store = read_store(snakemake.input.store)
    index, scores, attrs = read_neighbors(snakemake.input.neighbors)
    words = store.words[: attrs["n_words"]]
    position = {w: i for i, w in enumerate(words)}
    missing = [w for w in snakemake.params.words if w not in position]
    if missing:
        log.warning("not in the vocabulary, left out: %s", ", ".join(missing))
    rows = [position[w] for w in snakemake.params.words if w in position]
    header = neighbor_header(index.shape[1], snakemake.params.metric)
    write_tsv(snakemake.output.tsv, header, neighbor_rows(words, index, scores, rows))
    tsv_to_html(snakemake.output.tsv, snakemake.output.html, "Nearest neighbours of sample words")
