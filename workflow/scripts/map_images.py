"""Rule map_images: the interactive t-SNE map of every image (thumbnail, class, file on hover)."""

import json
from pathlib import Path

import numpy as np

from embedlab.common.joblog import job_log
from embedlab.common.tables import read_tsv
from embedlab.explore.maps import image_map
from embedlab.explore.page import data_url_length, warn_unless_it_fits
from embedlab.explore.thumbnails import thumbnail_uri

with job_log(snakemake.log[0]) as log:
    rows = read_tsv(snakemake.input.tsv)
    info = json.loads(Path(snakemake.input.json).read_text(encoding="utf-8"))
    px = snakemake.params.thumbnail_px
    thumbs = [thumbnail_uri(snakemake.input.folder, r["path"], px) for r in rows]
    coords = [[float(r["x"]), float(r["y"])] for r in rows]
    title = (
        f"t-SNE of {len(rows)} images, perplexity {info['perplexity']:g} "
        "(hover: image; click a class in the legend to hide it)"
    )
    notes = [*info.get("adjustments", []), *([info["note"]] if info.get("note") else [])]
    size = image_map(
        np.array(coords),
        [r["class"] for r in rows],
        [r["path"] for r in rows],
        thumbs,
        snakemake.output.html,
        title,
        "; ".join(notes) or None,
    )
    log.info(
        "map of %d images, thumbnails of %d px (%d bytes of them): %d bytes, %d as the "
        "report's data: URL",
        len(rows),
        px,
        sum(len(t) for t in thumbs),
        size,
        data_url_length(size),
    )
    warn_unless_it_fits(
        log,
        size,
        ": its frame there stays empty (a smaller explore.thumbnail_px shrinks it; the zip "
        "report, make report-zip, shows it whatever its size)",
    )
