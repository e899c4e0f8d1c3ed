"""VGG16 image embeddings: decode, preprocess, embed and stream into HDF5, resumably.

Design choices, and why:

- Decoding copies ``keras.utils.load_img`` (PIL, ``convert("RGB")``, resize to 224×224, nearest by
  default) and preprocessing copies ``keras.applications.vgg16.preprocess_input`` (caffe mode) bit
  for bit, so these embeddings equal the lab's; both run in a ``tf.data`` pipeline that decodes in
  parallel and prefetches while the model computes.
- A file that cannot be decoded is skipped and listed with its reason (``skipped.tsv``), instead
  of ending a run of thousands of images.
- ImageNet weights are never replaced silently by random ones: a missing or wrong weights file is
  an error that says where to put the right one. Random weights are labelled "untrained VGG16".
- Rows go batch by batch to an append-only float32 file in a ``.<name>.partial`` folder, and a
  small state file (items done, rows, skipped) is replaced atomically after each batch. A killed
  job restarted with the same inputs resumes after the last finished batch; batches keep their
  boundaries, so the result is bit-identical to an uninterrupted run. HDF5 itself is not
  crash-safe mid-write, which is why the HDF5 file is only written, from the raw rows in
  blocks, once every batch is done. Memory stays bounded by the batch either way.

TensorFlow is imported inside functions: ``import embedlab.images`` stays cheap for the CLI.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import h5py
import numpy as np
from tqdm import tqdm

from embedlab.acquire import AcquisitionError, Digest, download, verify
from embedlab.atomic import atomic_output
from embedlab.imagedata import first_sentence

log = logging.getLogger(__name__)

FORMAT = "embedlab-image-embeddings/1"
IMAGE_SIZE = 224
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
PREPROCESSING = "caffe: RGB->BGR, subtract [103.939, 116.779, 123.68], no scaling"
RANDOM_WEIGHTS = "random (untrained VGG16)"
VGG16_WEIGHTS_NAME = "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
VGG16_WEIGHTS_MD5 = "64373286793e3c8b2b4e3219cbf3544b"
VGG16_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/" + VGG16_WEIGHTS_NAME
)
TOP_LAYERS = frozenset({"flatten", "fc1", "fc2", "predictions"})
COPY_BLOCK_ROWS = 1024  # rows per block when the raw rows are copied into the HDF5 file

Weights = Literal["imagenet", "random"]
Interpolation = Literal["nearest", "bilinear", "bicubic"]
Item = tuple[str, str, str]  # (path, label, split), as embedlab.imagedata.Item


class WeightsError(AcquisitionError):
    """The ImageNet weights file is missing or is not the published one."""


class UnreadableImage(ValueError):
    """An image file that cannot be decoded; the message is the reason written to skipped.tsv."""


# --- weights and model --------------------------------------------------------------------------


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

    def identity(self) -> dict[str, Any]:
        """What decides the numbers this extractor produces (used to match a resumed run)."""
        return {
            "weights": self.weights,
            "layer": self.layer,
            "dim": self.dim,
            "seed": self.seed,
            "weights_md5": self.weights_md5,
            "mixed_precision": self.mixed_precision,
        }


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


# --- decoding and preprocessing -----------------------------------------------------------------


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
    from PIL import Image, UnidentifiedImageError

    resample = _resample(interpolation)
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
            img.load()  # decodes now: truncated or corrupt data fails here
            rgb = img if img.mode == "RGB" else img.convert("RGB")
            if rgb.size != (size, size):
                rgb = rgb.resize((size, size), resample)
            return np.asarray(rgb, dtype=np.uint8)
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
    string [B]) in the order of `paths`. Unreadable files keep their place with ok=False and a
    zero image, so batch boundaries depend only on positions (this is what makes resuming exact).
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


# --- resumable extraction -----------------------------------------------------------------------


@dataclass
class ExtractionResult:
    out_h5: Path
    skipped_tsv: Path
    n_items: int
    n_embedded: int
    dim: int
    skipped: list[tuple[str, str]]
    resumed_from: int  # items already done by an earlier, interrupted run
    batches_run: int  # batches computed by this call


@dataclass
class _State:
    """What is finished, replaced atomically after each batch."""

    fingerprint: str
    items_done: int = 0
    rows: int = 0
    skipped: list[list[Any]] = field(default_factory=list)  # [item index, path, reason]


def extract_embeddings(
    items: Sequence[Item],
    out_h5: str | os.PathLike[str],
    *,
    root: str | os.PathLike[str] | None = None,
    extractor: Extractor | None = None,
    weights: Weights = "imagenet",
    layer: str = "fc2",
    weights_file: str | os.PathLike[str] | None = None,
    seed: int = 0,
    batch_size: int = 32,
    mixed_precision: bool = False,
    interpolation: str = "nearest",
    skipped_tsv: str | os.PathLike[str] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    progress: bool = True,
) -> ExtractionResult:
    """Embed `items` ((path, label, split); paths relative to `root`) into `out_h5`.

    Writes `out_h5` (datasets ``embeddings`` float32 [N, dim], ``labels``, ``paths``, ``split``
    for the N readable images, in item order; attributes name weights, layer, preprocessing and
    versions) and `skipped_tsv` (default: ``skipped.tsv`` beside `out_h5`; columns path, reason).
    Both appear only when complete. Pass `extractor` to reuse a built model; otherwise one is
    built from weights/layer/weights_file/seed/mixed_precision. `on_batch(items_done, n_items)`
    is called after each batch is safely stored.
    """
    if batch_size < 1:
        raise ValueError(f"images.batch_size {batch_size} must be at least 1")
    if not items:
        raise ValueError(f"no images to embed into {out_h5}; check the dataset folder")
    out_h5 = Path(out_h5)
    skipped_tsv = Path(skipped_tsv) if skipped_tsv else out_h5.with_name("skipped.tsv")
    items = [(str(p), str(lab), str(s)) for p, lab, s in items]
    if extractor is None:
        extractor = build_extractor(
            weights, layer, weights_file, seed, mixed_precision=mixed_precision
        )
    base = Path(root) if root is not None else Path()
    fingerprint = _fingerprint(items, base, extractor, batch_size, interpolation)
    partial = out_h5.with_name(f".{out_h5.name}.partial")
    with _locked(partial) as lock_dir:
        state = _load_state(lock_dir, fingerprint, out_h5)
        resumed_from = state.items_done
        batches_run = _run_batches(
            items, base, extractor, state, lock_dir, batch_size, interpolation, on_batch, progress
        )
        skipped = [(str(path), str(reason)) for _, path, reason in state.skipped]
        _write_skipped(skipped_tsv, skipped)
        _write_h5(out_h5, items, state, lock_dir / "rows.f32", extractor, interpolation, batch_size)
        shutil.rmtree(partial, ignore_errors=True)
    return ExtractionResult(
        out_h5=out_h5,
        skipped_tsv=skipped_tsv,
        n_items=len(items),
        n_embedded=state.rows,
        dim=extractor.dim,
        skipped=skipped,
        resumed_from=resumed_from,
        batches_run=batches_run,
    )


def _fingerprint(
    items: list[Item], root: Path, extractor: Extractor, batch_size: int, interpolation: str
) -> str:
    """Everything that changes the output; a partial run is resumed only if all of it matches.
    The batch size is part of it because batch composition changes the last bits of the output."""
    import keras
    import tensorflow as tf

    digest = hashlib.sha256()
    for item in items:
        digest.update("\t".join(item).encode("utf-8", "surrogateescape") + b"\n")
    ident = {
        "format": FORMAT,
        "items": digest.hexdigest(),
        "root": str(root.resolve()),
        "extractor": extractor.identity(),
        "batch_size": batch_size,
        "interpolation": interpolation,
        "image_size": IMAGE_SIZE,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()


@contextlib.contextmanager
def _locked(partial: Path) -> Iterator[Path]:
    """Hold an exclusive lock on the partial folder: two jobs appending to the same rows would
    corrupt each other silently. The kernel drops the lock when a process dies."""
    partial.mkdir(parents=True, exist_ok=True)
    with open(partial / "lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise RuntimeError(
                f"another process is extracting into {partial.parent}; wait for it to end "
                f"(or, if none runs, delete {partial})"
            ) from e
        yield partial


def _load_state(partial: Path, fingerprint: str, out_h5: Path) -> _State:
    path = partial / "state.json"
    with contextlib.suppress(FileNotFoundError, ValueError, TypeError):
        state = _State(**json.loads(path.read_text(encoding="utf-8")))
        if state.fingerprint == fingerprint:
            if state.items_done:
                log.info("%s: resuming after %d finished items", out_h5, state.items_done)
            return state
        log.warning("%s: inputs changed since the interrupted run; starting over", out_h5)
    (partial / "rows.f32").unlink(missing_ok=True)
    state = _State(fingerprint)
    _save_state(partial, state)
    return state


def _save_state(partial: Path, state: _State) -> None:
    """Replace the state file atomically and durably: it is the only progress marker."""
    tmp = partial / "state.json.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(state.__dict__, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, partial / "state.json")


def _run_batches(
    items: list[Item],
    root: Path,
    extractor: Extractor,
    state: _State,
    partial: Path,
    batch_size: int,
    interpolation: str,
    on_batch: Callable[[int, int], None] | None,
    progress: bool,
) -> int:
    """Embed items[state.items_done:] batch by batch; each batch's rows are on disk before the
    state says so, so a kill at any point loses at most the batch in flight."""
    n_items, start = len(items), state.items_done
    if start >= n_items:
        return 0
    row_bytes = extractor.dim * 4
    paths = [root / path for path, _, _ in items[start:]]
    dataset = image_dataset(paths, batch_size=batch_size, interpolation=interpolation)
    batches = 0
    with (
        open(partial / "rows.f32", "a+b") as rows_file,
        tqdm(total=n_items, initial=start, unit="img", desc="VGG16", disable=not progress) as bar,
    ):
        rows_file.truncate(state.rows * row_bytes)  # drop rows of a batch that never finished
        for images, ok, reasons in dataset:
            ok_np = ok.numpy()
            if ok_np.any():
                good = images if ok_np.all() else images.numpy()[ok_np]
                rows = extractor.embed(good)
                rows_file.write(np.ascontiguousarray(rows, dtype="<f4").tobytes())
                rows_file.flush()
                os.fsync(rows_file.fileno())
            why = reasons.numpy()
            for offset in np.flatnonzero(~ok_np):
                index = state.items_done + int(offset)
                reason = why[offset].decode("utf-8", "replace")
                state.skipped.append([index, items[index][0], reason])
                log.warning("skipped %s: %s", items[index][0], reason)
            state.items_done += len(ok_np)
            state.rows += int(ok_np.sum())
            _save_state(partial, state)
            batches += 1
            bar.update(len(ok_np))
            if on_batch is not None:
                on_batch(state.items_done, n_items)
    return batches


def _write_skipped(path: Path, skipped: list[tuple[str, str]]) -> None:
    with atomic_output(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("path\treason\n")
        for item_path, reason in skipped:
            fh.write(f"{_tsv_field(item_path)}\t{_tsv_field(reason)}\n")


def _tsv_field(text: str) -> str:
    return " ".join(text.replace("\t", " ").splitlines())


def _write_h5(
    out_h5: Path,
    items: list[Item],
    state: _State,
    rows_path: Path,
    extractor: Extractor,
    interpolation: str,
    batch_size: int,
) -> None:
    """Copy the finished rows into the final HDF5 file in blocks: memory stays bounded."""
    import keras
    import tensorflow as tf

    skipped_index = {int(index) for index, _, _ in state.skipped}
    kept = [item for i, item in enumerate(items) if i not in skipped_index]
    n, dim = state.rows, extractor.dim
    size = rows_path.stat().st_size if rows_path.exists() else 0
    if len(kept) != n or size < n * dim * 4:
        raise RuntimeError(
            f"the partial rows in {rows_path.parent} do not match its state file; delete that "
            "folder and run again"
        )
    strings = h5py.string_dtype("utf-8")
    with atomic_output(out_h5) as tmp, h5py.File(tmp, "w") as f:
        embeddings = f.create_dataset("embeddings", shape=(n, dim), dtype=np.float32)
        if n:
            rows = np.memmap(rows_path, dtype="<f4", mode="r", shape=(n, dim))
            for lo in range(0, n, COPY_BLOCK_ROWS):
                embeddings[lo : lo + COPY_BLOCK_ROWS] = rows[lo : lo + COPY_BLOCK_ROWS]
            del rows
        for name, column in (("paths", 0), ("labels", 1), ("split", 2)):
            values = np.array([item[column] for item in kept], dtype=object)
            f.create_dataset(name, shape=(n,), data=values if n else None, dtype=strings)
        attrs: dict[str, Any] = {
            "format": FORMAT,
            "model": "VGG16",
            "weights": extractor.weights,
            "layer": extractor.layer,
            "dim": dim,
            "image_size": IMAGE_SIZE,
            "interpolation": interpolation,
            "preprocessing": PREPROCESSING,
            "mixed_precision": extractor.mixed_precision,
            "batch_size": batch_size,
            "n_items": len(items),
            "n_skipped": len(items) - n,
            "tensorflow_version": tf.__version__,
            "keras_version": keras.__version__,
        }
        if extractor.seed is not None:
            attrs["seed"] = extractor.seed
        if extractor.weights_md5 is not None:
            attrs["weights_md5"] = extractor.weights_md5
        f.attrs.update(attrs)


# --- reading ------------------------------------------------------------------------------------


@dataclass
class ImageEmbeddings:
    embeddings: np.ndarray
    labels: list[str]
    paths: list[str]
    split: list[str]
    attrs: dict[str, Any]


def read_embeddings(path: str | os.PathLike[str]) -> ImageEmbeddings:
    """Load an embeddings file written by `extract_embeddings` (all of it, into memory)."""
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != FORMAT:
            raise ValueError(
                f"{path} is not an embedlab image-embeddings file (format {FORMAT!r}); "
                "make one with embedlab.images.extract_embeddings"
            )
        return ImageEmbeddings(
            embeddings=f["embeddings"][:],
            labels=[s.decode("utf-8") for s in f["labels"][:]],
            paths=[s.decode("utf-8") for s in f["paths"][:]],
            split=[s.decode("utf-8") for s in f["split"][:]],
            attrs={k: v.item() if isinstance(v, np.generic) else v for k, v in f.attrs.items()},
        )
