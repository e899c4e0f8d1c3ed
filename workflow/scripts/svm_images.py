"""Rule svm_images: the published linear-SVM protocol (L2-normalised features, C by seeded
cross-validation on the train split), scored on the test split: scores, per-class accuracy, the
most confused pairs and the confusion matrix. The folds come from settings.json
(decide_analysis_settings)."""

from embedlab.common.html_tables import json_to_html, tsv_to_html
from embedlab.common.joblog import job_log
from embedlab.common.plots import plot_confusion, titled
from embedlab.common.tables import write_tsv
from embedlab.images.analysis.decisions import read_settings
from embedlab.images.analysis.settings import CV_FOLDS
from embedlab.images.analysis.subset import load_analysis, write_json
from embedlab.images.analysis.svm import per_class_rows, svm_scores

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    out = snakemake.output
    subset = snakemake.wildcards.subset
    settings = read_settings(snakemake.input.settings, subset)
    # settings.json holds folds (and their note) only when C is chosen by cross-validation
    inp = load_analysis(snakemake.input.h5, settings, CV_FOLDS)
    for note in inp.adjustments:
        log.warning("adapted to the data: %s", note)
    scores, confusion = svm_scores(
        inp.data.embeddings,
        inp.data.labels,
        inp.data.split,
        p.C,
        p.C_grid,
        settings.cv_folds,
        p.seed,
        log.info,
    )
    for row in scores["cv"]:
        log.info("C %g: cross-validated accuracy %.4f", row["C"], row["cv_accuracy"])
    write_json(
        {
            **scores,
            "weights": inp.data.weights,
            "note": inp.untrained,
            "adjustments": inp.adjustments,
        },
        out.json,
    )
    title = f"Linear SVM scores ({subset} classes)"
    json_to_html(out.json, out.html, title, inp.notes())
    header = ["class", "test_images", "correct", "accuracy", "most_often_taken_for"]
    write_tsv(out.per_class, header, per_class_rows(confusion, inp.classes))
    tsv_to_html(out.per_class, out.per_class_html, f"Per-class accuracy ({subset} classes)")
    pairs = [
        [r["true"], r["predicted"], r["count"], f"{r['fraction_of_true']:.4f}"]
        for r in scores["most_confused"]
    ]
    write_tsv(out.confused, ["true", "predicted", "test_images", "fraction_of_true"], pairs)
    tsv_to_html(out.confused, out.confused_html, f"Most confused class pairs ({subset} classes)")
    title = (
        f"Linear SVM (C={scores['C']:g}), test split: accuracy {scores['accuracy']:.3f},\n"
        f"mean per-class accuracy {scores['mean_per_class_accuracy']:.3f}"
    )
    plot_confusion(confusion, inp.classes, titled(title, inp.notes()), out.png, out.svg)
    log.info(
        "SVM (C %g): accuracy %.4f, mean per-class accuracy %.4f",
        scores["C"],
        scores["accuracy"],
        scores["mean_per_class_accuracy"],
    )
