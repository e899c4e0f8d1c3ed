"""Rule svm_images: linear SVM trained on the train split, scored on the test split."""

from embedlab.image_scores import load_subset, svm_scores, write_json
from embedlab.joblog import job_log
from embedlab.plots import plot_confusion, titled

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    data, classes, note = load_subset(snakemake.input.h5, p.n_labels)
    scores, confusion = svm_scores(data.embeddings, data.labels, data.split, p.C)
    write_json({**scores, "weights": data.weights, "note": note}, snakemake.output.json)
    title = (f"Linear SVM (C={p.C:g}) on the test split\naccuracy {scores['accuracy']:.3f}, "
             f"mean per-class accuracy {scores['mean_per_class_accuracy']:.3f}")  # fmt: skip
    plot_confusion(confusion, classes, titled(title, note), snakemake.output.png,
                   snakemake.output.svg)  # fmt: skip
    log.info("SVM: accuracy %.4f", scores["accuracy"])
