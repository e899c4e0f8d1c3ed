"""Rule retrieve_images: test images query the train images (cosine); precision@k per class and
a thumbnail gallery of a few queries per class."""

from embedlab.common.html_tables import tsv_to_html
from embedlab.common.joblog import job_log
from embedlab.common.tables import write_tsv
from embedlab.explore.retrieval import pick_queries, precision_rows, search, write_gallery
from embedlab.images.analysis.subset import untrained_note
from embedlab.images.embeddings import read_embeddings

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    out = snakemake.output
    data = read_embeddings(snakemake.input.h5)
    train, test = data.split == "train", data.split == "test"
    classes = sorted(set(data.labels.tolist()))
    hits = search(data.embeddings[test], data.embeddings[train], p.k)
    train_labels, train_paths = data.labels[train], data.paths[train]
    hit_labels = train_labels[hits.indices]
    rows = precision_rows(data.labels[test], hit_labels, classes)
    write_tsv(out.tsv, ["class", "queries", "k", "precision_at_k"], rows)
    note = untrained_note(data.weights)
    tsv_to_html(out.tsv, out.html, f"Image retrieval: precision@{p.k} per class", note)
    picked = pick_queries(data.labels[test], classes, p.queries_per_class)
    title = (
        f"Image retrieval: {len(picked)} test images and their {p.k} most similar train "
        "images (cosine); green: same class"
    )
    write_gallery(
        out.gallery,
        snakemake.input.folder,
        data.paths[test][picked].tolist(),
        data.labels[test][picked].tolist(),
        train_paths[hits.indices[picked]].tolist(),
        hit_labels[picked].tolist(),
        hits.scores[picked],
        p.thumbnail_px,
        title,
        note,
    )
    log.info("retrieval: %d queries, precision@%d %s", int(test.sum()), p.k, rows[-2][-1])
