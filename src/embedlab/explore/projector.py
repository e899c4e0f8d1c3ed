"""Folders the TensorFlow Embedding Projector (TensorBoard's projector plugin) serves:
``projector_config.pbtxt`` naming a tensor file, its shape, a metadata TSV and, for images, the
sprite atlas of thumbnails. Start ``tensorboard --logdir results/projector/<name>`` and open the
Projector tab.

Tensors are raw little-endian float32 rows (``tensors.bytes``, with ``tensor_shape`` in the
config): the plugin reads them when the file is not UTF-8 text, and they are a third of the size
of a TSV of the same numbers and exact.

The projector splits metadata lines on newlines and fields on tabs, with no quoting, so a word
holding a tab or a line break would shift every later row against the tensor rows. Such
characters are written as backslash escapes (``\\t``, ``\\n``, ``\\r``; a backslash itself as
``\\\\``); everything else (quotes, ``#``, any Unicode) is written as is.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embedlab.common.atomic import atomic_output

CONFIG_FILE = "projector_config.pbtxt"
TENSOR_FILE = "tensors.bytes"
METADATA_FILE = "metadata.tsv"
SPRITE_FILE = "sprite.jpg"
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def escape_field(value: str) -> str:
    """A metadata field that cannot break the projector's line and tab splitting."""
    return "".join(_ESCAPES.get(ch, ch) for ch in value)


def unescape_field(value: str) -> str:
    """The inverse of :func:`escape_field`."""
    out, i = [], 0
    back = {v[1]: k for k, v in _ESCAPES.items()}
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value) and value[i + 1] in back:
            out.append(back[value[i + 1]])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def metadata_text(columns: dict[str, Sequence[str]]) -> str:
    """One line per point; a header line only with several columns (the projector's rule)."""
    names = list(columns)
    n = len(columns[names[0]])
    lines = ["\t".join(names)] if len(names) > 1 else []
    for i in range(n):
        lines.append("\t".join(escape_field(str(columns[c][i])) for c in names))
    return "".join(line + "\n" for line in lines)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def config_text(
    tensor_name: str, shape: tuple[int, int], sprite: tuple[str, int] | None = None
) -> str:
    """projector_config.pbtxt (protobuf text format) for one tensor in this folder."""
    lines = [
        "embeddings {",
        f"  tensor_name: {_quoted(tensor_name)}",
        f"  tensor_path: {_quoted(TENSOR_FILE)}",
        f"  tensor_shape: {shape[0]}",
        f"  tensor_shape: {shape[1]}",
        f"  metadata_path: {_quoted(METADATA_FILE)}",
    ]
    if sprite:
        path, px = sprite
        lines += [
            "  sprite {",
            f"    image_path: {_quoted(path)}",
            f"    single_image_dim: {px}",
            f"    single_image_dim: {px}",
            "  }",
        ]
    return "\n".join([*lines, "}"]) + "\n"


def write_projector(
    folder: str | os.PathLike[str],
    tensor_name: str,
    vectors: np.ndarray,
    metadata: dict[str, Sequence[str]],
    sprite_px: int | None = None,
) -> Path:
    """Tensors, metadata and config into `folder` (the sprite, if any, written before as
    sprite.jpg with thumbnails of `sprite_px`). The config is written last: a folder without it
    is not a finished export."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    if vectors.ndim != 2:
        raise ValueError(f"tensors must be 2-D, got shape {vectors.shape}")
    for name, values in metadata.items():
        if len(values) != len(vectors):
            raise ValueError(f"metadata column {name!r} has {len(values)} rows, not {len(vectors)}")
    with atomic_output(folder / TENSOR_FILE) as tmp:
        vectors.tofile(tmp)
    with atomic_output(folder / METADATA_FILE) as tmp:
        tmp.write_text(metadata_text(metadata), encoding="utf-8", newline="")
    sprite = (SPRITE_FILE, sprite_px) if sprite_px else None
    with atomic_output(folder / CONFIG_FILE) as tmp:
        tmp.write_text(config_text(tensor_name, vectors.shape, sprite), encoding="utf-8")
    return folder
