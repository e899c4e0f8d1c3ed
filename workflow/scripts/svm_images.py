"""Rule svm_images: linear SVM trained on the train split, scored on the test split."""

from embedlab.html_tables import json_to_html
from embedlab.image_scores import load_analysis, svm_scores, write_json
from embedlab.joblog import job_log
from embedlab.plots import plot_confusion, titled

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    inp = load_analysis(snakemake.input.h5, p.n_labels, p.fixed)
    for note in inp.adjustments:
        log.warning("adapted to the data: %s", note)
    scores, confusion = svm_scores(inp.data.embeddings, inp.data.labels, inp.data.split, p.C)
    write_json({**scores, "weights": inp.data.weights, "note": inp.untrained,
                "adjustments": inp.adjustments}, snakemake.output.json)  # fmt: skip
    title = f"Linear SVM scores ({snakemake.wildcards.subset} classes)"
    json_to_html(snakemake.output.json, snakemake.output.html, title, inp.notes())
    title = (f"Linear SVM (C={p.C:g}), test split: accuracy {scores['accuracy']:.3f},\n"
             f"mean per-class accuracy {scores['mean_per_class_accuracy']:.3f}")  # fmt: skip
    plot_confusion(confusion, inp.classes, titled(title, inp.notes()), snakemake.output.png,
                   snakemake.output.svg)  # fmt: skip
    log.info("SVM: accuracy %.4f", scores["accuracy"])
