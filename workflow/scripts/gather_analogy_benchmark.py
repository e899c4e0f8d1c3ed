"""Rule gather_analogy_benchmark: per-section accuracy table and bar chart."""

from embedlab.analogy import SectionResult, summary_rows
from embedlab.joblog import job_log
from embedlab.plots import accuracy_bars
from embedlab.tables import read_tsv, write_tsv

with job_log(snakemake.log[0]) as log:
    results = []
    for name, path in zip(snakemake.params.sections, snakemake.input.sections, strict=True):
        rows = read_tsv(path)
        seen = [r for r in rows if r["predicted"]]
        correct = sum(int(r["correct"]) for r in seen)
        results.append(SectionResult(name, len(rows), len(seen), correct, []))
    summary = summary_rows(results)
    header = ["section", "questions", "seen", "correct", "accuracy"]
    write_tsv(snakemake.output.tsv, header, [[row[h] for h in header] for row in summary])
    accuracy_bars(summary, snakemake.output.png)
    log.info("total: %s", summary[-1])
