"""VGG16 weights and model: the Keras cache, the ImageNet weights (MD5-checked), devices, and an
:class:`Extractor` that maps preprocessed image batches to embedding rows.

ImageNet weights are never replaced silently by random ones: a missing or wrong weights file is a
WeightsError that says where to put the right one. Random weights are labelled "untrained VGG16".

TensorFlow is imported inside functions: importing this module stays cheap.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np

from embedlab.common.downloads import AcquisitionError, Digest, download, verify
from embedlab.images.datasets import first_sentence
from embedlab.images.pipeline import IMAGE_SIZE, image_dataset

log = logging.getLogger(__name__)

RANDOM_WEIGHTS = "random (untrained VGG16)"
VGG16_WEIGHTS_NAME = "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
VGG16_WEIGHTS_MD5 = "64373286793e3c8b2b4e3219cbf3544b"
VGG16_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/" + VGG16_WEIGHTS_NAME
)
TOP_LAYERS = frozenset({"flatten", "fc1", "fc2", "predictions"})

Weights = Literal["imagenet", "random"]


class WeightsError(AcquisitionError):
    """The ImageNet weights file is missing or is not the published one."""


def keras_cache_dir() -> Path:
    """Where Keras keeps ``VGG16(weights="imagenet")`` weights: ``$KERAS_HOME/models`` or
    ``~/.keras/models``, or ``/tmp/.keras/models`` when that is not writable (as Keras does)."""
    base = Path(os.environ.get("KERAS_HOME") or Path("~/.keras").expanduser())
    probe = base if base.exists() else base.parent
    if not os.access(probe, os.W_OK):
        base = Path("/tmp/.keras")
    return base / "models"


def imagenet_weights_path(
    weights_file: str | os.PathLike[str] | None = None,
    *,
    allow_download: bool = True,
    url: str = VGG16_WEIGHTS_URL,
    retries: int = 2,
    timeout: float = 60.0,
) -> Path:
    """The checked weights file: `weights_file` if given, else the Keras cache, else downloaded
    into the Keras cache. Anything else raises WeightsError naming the exact path to fill."""
    if weights_file is not None:
        path = Path(weights_file).expanduser()
        if not path.is_file():
            raise WeightsError(
                f"images.weights_file {path} does not exist. {_where_to_put(keras_cache_dir())}"
            )
        _check_md5(path, "Set images.weights_file to the published Keras file.")
        return path
    cached = keras_cache_dir() / VGG16_WEIGHTS_NAME
    if cached.is_file():
        _check_md5(cached, f"Delete {cached} (it is downloaded again) or replace it.")
        return cached
    if not allow_download:
        reason = "it is not in the Keras cache and downloading is switched off"
    else:
        try:
            return download(url, cached, Digest(md5=VGG16_WEIGHTS_MD5), retries, timeout)
        except AcquisitionError as e:
            reason = f"it is not in the Keras cache and the download failed ({first_sentence(e)})"
    raise WeightsError(f"VGG16 ImageNet weights unavailable: {reason}. {_where_to_put(cached)}")


def _where_to_put(cached: Path) -> str:
    if cached.name != VGG16_WEIGHTS_NAME:
        cached = cached / VGG16_WEIGHTS_NAME
    return (
        f"Put {VGG16_WEIGHTS_NAME} (~553 MB, MD5 {VGG16_WEIGHTS_MD5}, published at "
        f"{VGG16_WEIGHTS_URL}) at {cached}, or set images.weights_file to a copy of it. "
        "(images.weights: random runs an untrained VGG16 instead; its features are not ImageNet's.)"
    )


def _check_md5(path: Path, advice: str) -> None:
    try:
        verify(path, Digest(md5=VGG16_WEIGHTS_MD5), "VGG16 ImageNet weights", advice)
    except AcquisitionError as e:
        raise WeightsError(str(e)) from e


def configure_devices() -> list[str]:
    """Let TensorFlow grow GPU memory as needed instead of reserving all of it at start-up, so
    other jobs can share the card. Returns the GPU names (none on a CPU-only machine)."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError as e:  # the GPU was initialised before this call
            log.warning("could not enable memory growth on %s: %s", gpu.name, e)
    return [gpu.name for gpu in gpus]


@dataclass
class Extractor:
    """A VGG16 cut at `layer`, mapping preprocessed [B, 224, 224, 3] float32 to [B, dim] float32,
    with what its outputs must be labelled with."""

    model: Any
    weights: str  # "imagenet" or RANDOM_WEIGHTS
    layer: str
    dim: int
    seed: int | None = None
    weights_md5: str | None = None
    mixed_precision: bool = False
    _infer: Any = field(default=None, repr=False)

    def embed(self, batch: Any) -> np.ndarray:
        """Embeddings of a preprocessed batch, always float32 (also under mixed precision)."""
        import tensorflow as tf

        if self._infer is None:
            model = self.model

            @tf.function(
                input_signature=[tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE, 3], tf.float32)],
                reduce_retracing=True,
            )
            def infer(x: Any) -> Any:
                return tf.cast(model(x, training=False), tf.float32)

            self._infer = infer
        return self._infer(batch).numpy()


def build_extractor(
    weights: Weights = "imagenet",
    layer: str = "fc2",
    weights_file: str | os.PathLike[str] | None = None,
    seed: int = 0,
    *,
    mixed_precision: bool = False,
    allow_download: bool = True,
    weights_url: str = VGG16_WEIGHTS_URL,
    download_retries: int = 2,
) -> Extractor:
    """VGG16 (with its top, 224×224 input) cut at `layer`: ``fc2``/``fc1`` as they are, a conv or
    pooling layer (``block5_conv3``, ``block5_pool``, ...) global-average-pooled to a vector.

    ``random`` seeds Keras (Python, NumPy and TF generators) with `seed` first, so the same seed
    gives the same network in every process. Below the top it builds VGG16 without its fully
    connected layers: their 120 M random weights take seconds to draw and cannot change a conv
    layer's output (the conv weights drawn are the same either way). Mixed precision (float16
    compute, float32 outputs) is applied only to this model: the global policy is restored.
    """
    if weights not in ("imagenet", "random"):
        raise ValueError(f"images.weights {weights!r}: use 'imagenet' or 'random'")
    weights_path = None
    if weights == "imagenet":  # checked before TensorFlow loads: a clear error comes fast
        weights_path = imagenet_weights_path(
            weights_file, allow_download=allow_download, url=weights_url, retries=download_retries
        )
    import keras

    gpus = configure_devices()
    if mixed_precision and not gpus:
        log.warning("mixed precision asked for without a GPU: float16 on CPU is slow")
    previous = keras.mixed_precision.global_policy()
    try:
        if mixed_precision:
            keras.mixed_precision.set_global_policy("mixed_float16")
        if weights == "random":
            keras.utils.set_random_seed(seed)
        base = keras.applications.VGG16(
            weights=None if weights_path is None else str(weights_path),
            include_top=weights_path is not None or layer in TOP_LAYERS,
            input_shape=(IMAGE_SIZE, IMAGE_SIZE, 3),
        )
    finally:
        keras.mixed_precision.set_global_policy(previous)
    model = _cut_at(base, layer)
    return Extractor(
        model=model,
        weights="imagenet" if weights == "imagenet" else RANDOM_WEIGHTS,
        layer=layer,
        dim=int(model.output.shape[-1]),
        seed=seed if weights == "random" else None,
        weights_md5=VGG16_WEIGHTS_MD5 if weights == "imagenet" else None,
        mixed_precision=mixed_precision,
    )


def _cut_at(base: Any, layer: str) -> Any:
    import keras

    names = [lay.name for lay in base.layers[1:]]  # [0] is the input layer
    if layer not in names:
        convs = [name for name in names if name not in TOP_LAYERS]
        raise ValueError(
            f"images.layer {layer!r} is not a VGG16 layer; use fc2, fc1 or one of {convs}"
        )
    out = base.get_layer(layer).output
    if len(out.shape) == 4:  # a feature map: average over space, one value per channel
        out = keras.layers.GlobalAveragePooling2D(name=f"{layer}_avg", dtype="float32")(out)
    else:
        out = keras.layers.Activation("linear", name=f"{layer}_float32", dtype="float32")(out)
    return keras.Model(base.inputs, out, name=f"vgg16_{layer}")


class Batch(NamedTuple):
    """One batch of items: rows of the readable ones (in order), and per item ok and reason."""

    rows: np.ndarray  # float32 [ok.sum(), dim]
    ok: np.ndarray  # bool [B]
    reasons: list[str]  # "" for readable items


def embed_batches(
    extractor: Extractor,
    paths: Sequence[str | os.PathLike[str]],
    *,
    batch_size: int,
    interpolation: str = "nearest",
) -> Iterator[Batch]:
    """Decode, preprocess and embed `paths` in batches of `batch_size`, in order."""
    if batch_size < 1:
        raise ValueError(f"images.batch_size {batch_size} must be at least 1")
    if not paths:
        return
    dataset = image_dataset(paths, batch_size=batch_size, interpolation=interpolation)
    for images, ok, reasons in dataset:
        ok_np = ok.numpy()
        if ok_np.all():
            rows = extractor.embed(images)
        elif ok_np.any():
            rows = extractor.embed(images.numpy()[ok_np])
        else:
            rows = np.zeros((0, extractor.dim), np.float32)
        why = [r.decode("utf-8", "replace") for r in reasons.numpy()]
        yield Batch(np.asarray(rows, dtype=np.float32), ok_np, why)
