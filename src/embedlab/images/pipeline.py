"""Decoding and preprocessing images for VGG16, and the ``tf.data`` pipeline that does both.

Decoding copies ``keras.utils.load_img`` (PIL, ``convert("RGB")``, one resize to 224×224, nearest
by default) and preprocessing copies ``keras.applications.vgg16.preprocess_input`` (caffe mode)
bit for bit, so these embeddings equal the lab's. A file that cannot be decoded keeps its place
in the batch with ``ok=False`` and the reason, so batch boundaries depend only on item positions;
`check_image` gives the same reason cheaply, so that the listing leaves such files out first.

TensorFlow is imported inside functions: importing this module stays cheap.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

IMAGE_SIZE = 224
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
PREPROCESSING = "caffe: RGB->BGR, subtract [103.939, 116.779, 123.68], no scaling"

Interpolation = Literal["nearest", "bilinear", "bicubic"]
T = TypeVar("T")


class UnreadableImage(ValueError):
    """An image file that cannot be decoded; the message is the reason written to skipped.tsv."""


def _resample(interpolation: str) -> int:
    from PIL import Image

    methods = {
        "nearest": Image.Resampling.NEAREST,
        "bilinear": Image.Resampling.BILINEAR,
        "bicubic": Image.Resampling.BICUBIC,
    }
    if interpolation not in methods:
        raise ValueError(f"images.interpolation {interpolation!r}: use one of {sorted(methods)}")
    return methods[interpolation]


def load_image(
    path: str | os.PathLike[str], size: int = IMAGE_SIZE, interpolation: str = "nearest"
) -> np.ndarray:
    """uint8 RGB [size, size, 3], the same pixels as ``keras.utils.load_img(path,
    target_size=(size, size), interpolation=...)``: PIL's ``convert("RGB")`` for grayscale,
    palette, RGBA (alpha dropped) and CMYK, then one resize.

    Raises UnreadableImage with the reason to report, for any file PIL cannot decode."""
    resample = _resample(interpolation)

    def pixels(img: Image.Image) -> np.ndarray:
        rgb = img if img.mode == "RGB" else img.convert("RGB")
        if rgb.size != (size, size):
            rgb = rgb.resize((size, size), resample)
        return np.asarray(rgb, dtype=np.uint8)

    return _decoded(path, pixels)


def check_image(path: str | os.PathLike[str]) -> None:
    """Raise UnreadableImage, with the reason `load_image` would give, for a file it cannot
    decode; cheaper than it: a JPEG is decoded at 1/8 scale (every byte is still read and
    entropy-decoded, so truncated or corrupt data fails the same way) and nothing is resized."""
    _decoded(path, lambda img: None, reduced=True)


def _decoded(
    path: str | os.PathLike[str], use: Callable[[Image.Image], T], *, reduced: bool = False
) -> T:
    """`use` applied to the decoded image at `path`; UnreadableImage with the reason if the
    file cannot be read or decoded (`reduced`: at a JPEG's smallest scale)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError as e:
        raise UnreadableImage("file not found") from e
    except OSError as e:
        raise UnreadableImage(f"cannot read the file: {e.strerror or e}") from e
    if not data:
        raise UnreadableImage("empty file")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if reduced:
                img.draft(None, (1, 1))  # JPEG only: the decoder's smallest scale
            img.load()  # decodes now: truncated or corrupt data fails here
            return use(img)
    except UnidentifiedImageError as e:
        raise UnreadableImage("not an image file PIL can identify") from e
    except Exception as e:  # PIL raises many types for broken data; every one means "skip"
        raise UnreadableImage(f"corrupt or truncated image ({type(e).__name__}: {e})") from e


def caffe_preprocess(images: Any) -> Any:
    """``preprocess_input`` of keras.applications.vgg16 as TensorFlow ops on uint8 RGB: the same
    float32 operations (BGR order, minus the ImageNet mean), so the same bits, without the
    in-place edit that Keras' NumPy version makes to its argument."""
    import tensorflow as tf

    x = tf.reverse(tf.cast(images, tf.float32), axis=[-1])
    return x - tf.constant(CAFFE_MEAN_BGR, dtype=tf.float32)


def image_dataset(
    paths: Sequence[str | os.PathLike[str]],
    *,
    batch_size: int,
    size: int = IMAGE_SIZE,
    interpolation: str = "nearest",
) -> Any:
    """A ``tf.data`` pipeline of (preprocessed float32 [B, size, size, 3], ok bool [B], reason
    string [B]) in the order of `paths`, decoding in parallel and prefetching while the model
    computes. Unreadable files keep their place with ok=False and a zero image, so batch
    boundaries depend only on positions (this is what makes shards add up to one run exactly).
    """
    import tensorflow as tf

    _resample(interpolation)  # fail on a bad name now, not inside a tf.data worker

    def decode(path: bytes) -> tuple[np.ndarray, np.bool_, bytes]:
        try:
            return load_image(os.fsdecode(path), size, interpolation), np.bool_(True), b""
        except UnreadableImage as e:
            return np.zeros((size, size, 3), np.uint8), np.bool_(False), str(e).encode()

    def decode_tf(path: Any) -> tuple[Any, Any, Any]:
        image, ok, reason = tf.numpy_function(
            decode, [path], [tf.uint8, tf.bool, tf.string], stateful=False
        )
        image.set_shape([size, size, 3])
        ok.set_shape([])
        reason.set_shape([])
        return image, ok, reason

    encoded = tf.constant([os.fsencode(p) for p in paths], dtype=tf.string, shape=[len(paths)])
    options = tf.data.Options()
    options.deterministic = True
    return (
        tf.data.Dataset.from_tensor_slices(encoded)
        .with_options(options)
        .map(decode_tf, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(batch_size)
        .map(lambda x, ok, why: (caffe_preprocess(x), ok, why))
        .prefetch(2)
    )
