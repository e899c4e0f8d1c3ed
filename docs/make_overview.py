"""Make docs/overview.png, the picture at the top of README.md, from the results of a finished run.

    python docs/make_overview.py results

Four of the run's own outputs side by side: the t-SNE map of the images (`all` subset), the
nearest neighbours of the sample words, the Google analogy benchmark and the models compared.
The model and the image set default to the first of each the results hold (the offline default
has one of each: glove.6B.50d and digits). Run it after `make run` to refresh the picture.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.image import imread

HERE = Path(__file__).resolve().parent
NEIGHBOURS_SHOWN = 4  # neighbours per sample word in the table
WORDS_SHOWN = 6  # sample words in the table


def only_or_first(found: list[Path], what: str, folder: Path) -> str:
    if not found:
        raise SystemExit(f"make_overview: no {what} in {folder}: is the run finished?")
    return sorted(found)[0].name.removesuffix(".h5")


def neighbour_rows(path: Path) -> list[list[str]]:
    """word, then its first NEIGHBOURS_SHOWN neighbours, for the first WORDS_SHOWN words of a
    sample table (the run's TSV dialect: tab-separated, quoted only where needed)."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))[1 : WORDS_SHOWN + 1]
    return [[row[0], ", ".join(row[1 : 2 * NEIGHBOURS_SHOWN : 2])] for row in rows]


def picture(ax, path: Path, title: str) -> None:
    ax.imshow(imread(path), interpolation="antialiased")
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()


def overview(results: Path, model: str, dataset: str) -> Figure:
    fig = Figure(figsize=(11, 7.6), dpi=100, layout="constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=(1.35, 1))
    picture(
        fig.add_subplot(grid[0, 0]),
        results / f"images/{dataset}/analysis/all/tsne.png",
        f"Image embeddings: t-SNE of {dataset} (results/images/{dataset}/)",
    )
    picture(
        fig.add_subplot(grid[0, 1]),
        results / f"analogy/{model}/google.png",
        f"Analogies: Google benchmark of {model} (results/analogy/)",
    )
    table_ax = fig.add_subplot(grid[1, 0])
    table_ax.set_axis_off()
    table_ax.set_title(f"Exact nearest neighbours in {model} (results/neighbors/)", fontsize=10)
    table = table_ax.table(
        cellText=neighbour_rows(results / f"neighbors/{model}.sample.tsv"),
        colLabels=["word", f"its {NEIGHBOURS_SHOWN} nearest neighbours (cosine)"],
        colWidths=(0.2, 0.8),
        cellLoc="left",
        colLoc="left",
        loc="center",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(10)
    table.scale(1, 1.6)
    picture(
        fig.add_subplot(grid[1, 1]),
        results / "comparison/models.png",
        "Every model on the benchmarks (results/comparison/)",
    )
    return fig


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "results", nargs="?", default="results", type=Path, help="a finished run's results folder"
    )
    parser.add_argument(
        "--output",
        "-o",
        default=HERE / "overview.png",
        type=Path,
        help="where to write the PNG (default: docs/overview.png)",
    )
    parser.add_argument("--model", help="the word-vector store (default: the first one)")
    parser.add_argument("--dataset", help="the image set (default: the first one)")
    args = parser.parse_args(argv)
    results: Path = args.results
    model = args.model or only_or_first(
        list((results / "vectors").glob("*.h5")), "word-vector store", results / "vectors"
    )
    dataset = args.dataset or only_or_first(
        [p for p in (results / "images").glob("*") if p.is_dir()], "image set", results / "images"
    )
    fig = overview(results, model, dataset)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    # no timestamp or version in the file, so the same results give the same bytes
    fig.savefig(args.output, dpi=100, metadata={"Software": None})
    print(f"make_overview: wrote {args.output} ({args.output.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
