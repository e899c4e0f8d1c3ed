"""Small pictures of the dataset's images: JPEG data URIs for the interactive map and the
retrieval gallery (embedded, so the pages work offline and inside the report), and the sprite
atlas TensorBoard's Embedding Projector reads.

An image that cannot be read any more (the folder changed after the embeddings were made) stops
the job with its path: a map with blank points would look complete and be wrong.
"""

from __future__ import annotations

import base64
import io
import math
import os
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageChops

# TensorBoard's projector draws at most 8192 px a side of sprite, each thumbnail at most 64 px
# (its documented limits).
SPRITE_MAX_PX = 8192
SPRITE_THUMB_MAX_PX = 64
JPEG_QUALITY = 75


class ThumbnailError(ValueError):
    """An image the embeddings name that cannot be read."""


def _open(root: Path, rel: str) -> Image.Image:
    path = root / rel
    try:
        with Image.open(path) as image:
            image.load()
            return image.convert("RGB")
    except (OSError, ValueError) as error:
        raise ThumbnailError(
            f"{path}: cannot read this image ({error}); the image folder changed after the "
            "embeddings were made: rerun the pipeline (snakemake --forcerun list_images)"
        ) from None


def fitted(image: Image.Image, px: int) -> Image.Image:
    """`image` scaled to fit a px x px square, keeping its aspect ratio."""
    image = image.copy()
    image.thumbnail((px, px), Image.Resampling.LANCZOS)
    return image


def _grey_if_grey(image: Image.Image) -> Image.Image:
    """An RGB image whose three channels are equal as one grey channel (a third of the JPEG's
    colour data and tables: the digits' thumbnails take 0.7 kB, not 1.2 kB)."""
    red, green, blue = image.split()
    if ImageChops.difference(red, green).getbbox() or ImageChops.difference(red, blue).getbbox():
        return image
    return red


def thumbnail_uri(root: str | os.PathLike[str], rel: str, px: int) -> str:
    """`root/rel` as a JPEG data URI at most px x px (grey when the image is; Huffman tables
    optimised, a few percent smaller)."""
    buffer = io.BytesIO()
    thumb = _grey_if_grey(fitted(_open(Path(root), rel), px))
    thumb.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def sprite_layout(n: int, max_px: int = SPRITE_THUMB_MAX_PX) -> tuple[int, int]:
    """Columns of the square grid and the thumbnail side, so the atlas stays within 8192 px."""
    if n < 1:
        raise ValueError("a sprite needs at least one image")
    columns = math.ceil(math.sqrt(n))
    px = min(max_px, SPRITE_MAX_PX // columns)
    if px < 1:
        raise ValueError(f"{n} images do not fit a {SPRITE_MAX_PX} px sprite")
    return columns, px


def write_sprite(
    root: str | os.PathLike[str],
    paths: Sequence[str],
    out: str | os.PathLike[str],
    max_px: int = SPRITE_THUMB_MAX_PX,
) -> int:
    """The sprite atlas: image i in row-major cell i of a square grid, each centred in its
    px x px cell on white; JPEG (PNG would be 100 MB at MIT-67 size). Returns px."""
    columns, px = sprite_layout(len(paths), max_px)
    rows = math.ceil(len(paths) / columns)
    atlas = Image.new("RGB", (columns * px, rows * px), "white")
    for i, rel in enumerate(paths):
        thumb = fitted(_open(Path(root), rel), px)
        x = (i % columns) * px + (px - thumb.width) // 2
        y = (i // columns) * px + (px - thumb.height) // 2
        atlas.paste(thumb, (x, y))
    atlas.save(out, format="JPEG", quality=85)
    return px
