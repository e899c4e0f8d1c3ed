"""The image side: datasets (digits, folder splits, MIT-67 from a local server), VGG16 embeddings.

The VGG16 tests run the real Keras model with seeded random weights (ImageNet weights cannot be
downloaded here) on a dozen tiny images, some of them broken on purpose, through the functions
the extract_vgg16 and gather_embeddings scripts call. One fc2 model is built per module; sharding
itself is tested in test_shards.py.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlab.common.downloads import AcquisitionError, Digest
from embedlab.common.tables import read_tsv
from embedlab.images.datasets import (
    Item,
    acquire_mit67,
    mit67_items,
    read_items,
    write_digits,
    write_items,
)
from embedlab.images.embeddings import extract_shard, gather_shards, read_embeddings
from embedlab.images.listing import list_dataset, scan_folder, stratified_split
from embedlab.images.pipeline import image_dataset
from embedlab.images.vgg16 import (
    RANDOM_WEIGHTS,
    VGG16_WEIGHTS_MD5,
    VGG16_WEIGHTS_NAME,
    Extractor,
    WeightsError,
    build_extractor,
)
from tests.httpserver import FileServer, Served

BATCH = 3
CONV_LAYER = "block2_pool"  # 128 channels, averaged over space; 30 % of the fc2 cost

ImageSet = tuple[Path, list[Item], dict[str, str]]  # root, items, {broken path: reason}

# --- image sets ---------------------------------------------------------------------------------


def pattern(width: int, height: int, seed: int) -> np.ndarray:
    """A smooth colour pattern plus noise: JPEG-friendly and different per seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 // width, y * 255 // height, (x + y) * 127 // (width + height)], -1)
    return np.clip(base + rng.integers(-20, 20, base.shape), 0, 255).astype(np.uint8)


def jpeg_bytes(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    return out.getvalue()


def make_image_set(root: Path) -> dict[str, str]:
    """Three classes of small images in every colour mode, plus four broken files.
    Returns {relative path: expected reason} for the broken ones."""
    for name in ("a", "b", "c"):
        (root / name).mkdir(parents=True)
    Image.fromarray(pattern(40, 30, 1)).save(root / "a/rgb.jpg", quality=90)
    Image.fromarray(pattern(33, 47, 2)[..., 0]).save(root / "a/gray.png")  # mode L
    rgba = np.dstack([pattern(50, 20, 3), np.linspace(0, 255, 50 * 20).reshape(20, 50)])
    Image.fromarray(rgba.astype(np.uint8), "RGBA").save(root / "a/rgba.png")
    Image.fromarray(pattern(300, 200, 4)).save(root / "b/large.png")  # shrunk, not enlarged
    Image.fromarray(pattern(64, 48, 5)).convert("CMYK").save(root / "b/cmyk.jpg", quality=90)
    Image.fromarray(pattern(45, 45, 6)).convert("P").save(root / "b/palette.gif")
    Image.fromarray(pattern(224, 224, 7)).save(root / "c/exact.png")  # no resize at all
    good = jpeg_bytes(Image.fromarray(pattern(120, 90, 8)))
    (root / "c/rgb.jpg").write_bytes(good)
    (root / "c/truncated.jpg").write_bytes(good[: len(good) // 2])
    (root / "c/corrupt.jpg").write_bytes(good[:200] + bytes(range(256)) * 8)
    (root / "c/empty.jpg").write_bytes(b"")
    (root / "c/notes.jpg").write_text("these are my notes, not a picture\n")
    return {
        "c/corrupt.jpg": "corrupt or truncated image",
        "c/empty.jpg": "empty file",
        "c/notes.jpg": "not an image file",
        "c/truncated.jpg": "corrupt or truncated image",
    }


@pytest.fixture(scope="module")
def image_set(tmp_path_factory: pytest.TempPathFactory) -> ImageSet:
    root = tmp_path_factory.mktemp("images")
    broken = make_image_set(root)
    # every file by suffix, the broken ones too (list_dataset would leave them out): a file can
    # still turn unreadable after the listing, and the embedding step skips it then
    items = stratified_split(scan_folder(root).pairs, test_fraction=0.34, seed=0)
    return root, items, broken


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return build_extractor("random", "fc2", seed=0)


@pytest.fixture(scope="module")
def reference(
    image_set: ImageSet, extractor: Extractor, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """An fc2 extraction in one shard, gathered: the folder holding embeddings.h5, skipped.tsv."""
    root, items, _ = image_set
    out = tmp_path_factory.mktemp("reference")
    shard = extract_shard(
        items,
        out / "shards/0.h5",
        root=root,
        extractor=extractor,
        batch_size=BATCH,
        shards=1,
        shard=0,
    )
    gather_shards([shard.path], out / "embeddings.h5", out / "skipped.tsv")
    return out


# --- datasets -----------------------------------------------------------------------------------


def test_digits_are_byte_identical_and_traceable(tmp_path: Path) -> None:
    from sklearn.datasets import load_digits

    first = write_digits(tmp_path / "one", per_class=3, size=64, seed=7)
    second = write_digits(tmp_path / "two", per_class=3, size=64, seed=7)
    files = sorted(p.relative_to(first).as_posix() for p in first.rglob("*.png"))
    assert len(files) == 30 and sorted({f.split("/")[0] for f in files}) == list("0123456789")
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    digits = load_digits()
    for name in files:
        index = int(name.split("_")[1].removesuffix(".png"))
        assert str(digits.target[index]) == name.split("/")[0]
        with Image.open(first / name) as img:
            assert (img.mode, img.size) == ("L", (64, 64))
            pixels = np.asarray(img)
        expected = np.rint(digits.images[index] * 255 / 16).astype(np.uint8)
        assert np.array_equal(pixels[::8, ::8], expected)  # nearest: each source pixel is 8×8
    other = write_digits(tmp_path / "three", per_class=3, seed=8)
    assert sorted(p.name for p in other.rglob("*.png")) != sorted(Path(f).name for f in files)
    items, skipped = list_dataset("digits", first, test_fraction=0.34, seed=0)
    assert skipped == []
    assert len(items) == 30 and items == sorted(items)
    assert sum(it.split == "test" for it in items) == 10  # one of three per digit


def test_stratified_split_is_per_class_seeded_and_stable() -> None:
    sizes = {"many": 10, "five": 5, "two": 2, "one": 1}
    pairs = [(f"{c}/{i:02d}.jpg", c) for c, n in sizes.items() for i in range(n)]
    items = stratified_split(pairs, test_fraction=0.2, seed=3)
    assert items == sorted(items) and len(items) == 18
    tests = {c: sum(it.split == "test" and it.label == c for it in items) for c in sizes}
    assert tests == {"many": 2, "five": 1, "two": 1, "one": 0}
    assert stratified_split(reversed(pairs), test_fraction=0.2, seed=3) == items
    assert stratified_split(pairs, test_fraction=0.2, seed=4) != items
    fewer = stratified_split([p for p in pairs if p[1] != "five"], test_fraction=0.2, seed=3)
    assert fewer == [it for it in items if it.label != "five"]  # other classes keep their split


def test_items_round_trip_through_tsv(tmp_path: Path) -> None:
    items = [Item("a/x y.jpg", "a", "train"), Item("b/é.png", "b", "test")]
    assert read_items(write_items(tmp_path / "items.tsv", items)) == items


def mit67_tar(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return out.getvalue()


def md5_of(body: bytes) -> Digest:
    return Digest(size=len(body), md5=hashlib.md5(body).hexdigest())


def test_mit67_from_a_local_server(tmp_path: Path) -> None:
    images = {
        f"Images/{c}/{c}{i}.jpg": jpeg_bytes(Image.fromarray(pattern(20, 16, 10 * k + i)))
        for k, c in enumerate(["bakery", "kitchen"])
        for i in range(3)
    }
    tar = mit67_tar({**images, "README.txt": b"not extracted"})
    train = b"bakery/bakery0.jpg\nbakery/bakery1.jpg\nkitchen/kitchen0.jpg\nkitchen/kitchen2.jpg\n"
    test = b"bakery/bakery2.jpg\r\nkitchen/kitchen1.jpg\r\n"
    dest = tmp_path / "mit67"
    with FileServer() as server:
        served = {
            "/indoorCVPR_09.tar": Served(tar),
            "/TrainImages.txt": Served(train),
            "/TestImages.txt": Served(test),
        }
        server.files.update(served)
        for _ in range(2):  # the second call finds everything in place and fetches nothing
            acquire_mit67(
                dest,
                archive=server.url("/indoorCVPR_09.tar"),
                train_list=server.url("/TrainImages.txt"),
                test_list=server.url("/TestImages.txt"),
                archive_digest=md5_of(tar),
                train_digest=md5_of(train),
                test_digest=md5_of(test),
            )
    assert [len(s.ranges_seen) for s in served.values()] == [1, 1, 1]
    for name, body in images.items():
        assert (dest / name).read_bytes() == body
    assert not (dest / "README.txt").exists()
    assert sorted(p.name for p in dest.iterdir()) == [
        "Images", "TestImages.txt", "TrainImages.txt", "indoorCVPR_09.tar",
    ]  # fmt: skip
    items = mit67_items(dest)
    assert items == sorted(items)
    assert list_dataset("mit67", dest) == (items, [])  # every image readable: nothing left out
    assert [(it.path, it.label, it.split) for it in items[:3]] == [
        ("Images/bakery/bakery0.jpg", "bakery", "train"),
        ("Images/bakery/bakery1.jpg", "bakery", "train"),
        ("Images/bakery/bakery2.jpg", "bakery", "test"),
    ]
    assert sum(it.split == "test" for it in items) == 2


def test_mit67_wrong_checksum_and_path_traversal_leave_nothing(tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "train.txt").write_text("a/x.jpg\n")
    (lists / "test.txt").write_text("a/y.jpg\n")
    good = mit67_tar({"Images/a/x.jpg": b"x", "Images/a/y.jpg": b"y"})
    evil = mit67_tar({"Images/a/x.jpg": b"x", "Images/../../escaped.txt": b"gotcha"})
    for name, body in (("good.tar", good), ("evil.tar", evil)):
        (tmp_path / name).write_bytes(body)
    dest = tmp_path / "deep" / "mit67"
    kwargs = {"train_list": str(lists / "train.txt"), "test_list": str(lists / "test.txt")}
    with pytest.raises(AcquisitionError, match=r"MIT-67 archive: MD5 of .*good\.tar is"):
        wrong = Digest(md5="0" * 32)
        acquire_mit67(dest, archive=str(tmp_path / "good.tar"), archive_digest=wrong, **kwargs)
    with pytest.raises(AcquisitionError, match=r"refusing to extract member 'Images/\.\./\.\./"):
        acquire_mit67(dest, archive=str(tmp_path / "evil.tar"), **kwargs)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "deep/escaped.txt").exists()
    assert sorted(p.name for p in dest.iterdir()) == ["TestImages.txt", "TrainImages.txt"]
    missing = r"MIT-67 archive: .*HTTP 404.*local path"  # names the source and the way out
    with FileServer() as server, pytest.raises(AcquisitionError, match=missing):
        acquire_mit67(dest, archive=server.url("/indoorCVPR_09.tar"), **kwargs)
    assert not (dest / "Images").exists()


# --- weights ------------------------------------------------------------------------------------


def test_imagenet_without_weights_says_where_to_put_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    (tmp_path / "keras").mkdir()
    expected = tmp_path / "keras" / "models" / VGG16_WEIGHTS_NAME
    with pytest.raises(WeightsError) as info:
        build_extractor("imagenet", "fc2", allow_download=False)
    message = str(info.value)
    assert str(expected) in message and VGG16_WEIGHTS_MD5 in message
    assert "images.weights_file" in message and "downloading is switched off" in message
    with FileServer() as server, pytest.raises(WeightsError) as info:
        build_extractor("imagenet", "fc2", weights_url=server.url("/vgg16.h5"))
    assert "HTTP 404" in str(info.value) and str(expected) in str(info.value)
    assert not expected.exists()


def test_wrong_weights_file_is_refused_by_md5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "vgg16.h5"
    fake.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 1000)
    actual = hashlib.md5(fake.read_bytes()).hexdigest()
    with pytest.raises(
        WeightsError, match=f"MD5 of {fake} is {actual}, expected {VGG16_WEIGHTS_MD5}"
    ):
        build_extractor("imagenet", "fc2", weights_file=fake)
    with pytest.raises(WeightsError, match="does not exist.*images.weights_file"):
        build_extractor("imagenet", "fc2", weights_file=tmp_path / "nowhere.h5")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    (tmp_path / "keras/models").mkdir(parents=True)
    cached = tmp_path / "keras/models" / VGG16_WEIGHTS_NAME
    cached.write_bytes(fake.read_bytes())
    with pytest.raises(WeightsError, match=f"MD5 of {cached} is {actual}.*Delete {cached}"):
        build_extractor("imagenet", "fc2", allow_download=False)


# --- preprocessing ------------------------------------------------------------------------------


@pytest.mark.slow  # TensorFlow and Keras (VGG16, its input pipeline)
@pytest.mark.xdist_group("tensorflow")  # make test: one worker imports it
def test_pipeline_equals_keras_load_img_and_preprocess_input(image_set: ImageSet) -> None:
    from keras.applications.vgg16 import preprocess_input
    from keras.utils import img_to_array, load_img

    root, items, broken = image_set
    paths = [root / it.path for it in items]
    for interpolation in ("nearest", "bilinear"):
        batches = list(image_dataset(paths, batch_size=5, interpolation=interpolation))
        assert [len(b[1]) for b in batches] == [5, 5, 2]
        images = np.concatenate([b[0].numpy() for b in batches])
        ok = np.concatenate([b[1].numpy() for b in batches])
        reasons = [r.decode() for b in batches for r in b[2].numpy()]
        for item, image, good, reason in zip(items, images, ok, reasons, strict=True):
            if item.path in broken:
                assert not good and reason.startswith(broken[item.path]), (item.path, reason)
                continue
            assert good and reason == "", item.path
            pil = load_img(root / item.path, target_size=(224, 224), interpolation=interpolation)
            expected = preprocess_input(img_to_array(pil))  # edits its argument; a fresh one
            assert image.dtype == np.float32 and image.shape == (224, 224, 3)
            assert np.array_equal(image, expected), (interpolation, item.path)


# --- embeddings ---------------------------------------------------------------------------------


@pytest.mark.slow  # TensorFlow and Keras (VGG16, its input pipeline)
@pytest.mark.xdist_group("tensorflow")  # make test: one worker imports it
def test_fc2_embeddings_skipped_files_and_attributes(
    image_set: ImageSet, reference: Path, extractor: Extractor
) -> None:
    import keras
    import tensorflow as tf
    from keras.applications.vgg16 import preprocess_input
    from keras.utils import img_to_array, load_img

    root, items, broken = image_set
    good = [it for it in items if it.path not in broken]
    stored = read_embeddings(reference / "embeddings.h5")
    assert stored.embeddings.shape == (8, 4096) and stored.embeddings.dtype == np.float32
    assert stored.paths.tolist() == [it.path for it in good]
    assert stored.labels.tolist() == [it.label for it in good]
    assert stored.split.tolist() == [it.split for it in good]
    assert (stored.embeddings >= 0).all() and (stored.embeddings > 0).any()  # ReLU, not zeros
    assert len({row.tobytes() for row in stored.embeddings}) == 8
    assert stored.attrs == {
        "format": "embedlab-image-embeddings/1",
        "model": "VGG16",
        "weights": RANDOM_WEIGHTS,
        "layer": "fc2",
        "dim": 4096,
        "image_size": 224,
        "interpolation": "nearest",
        "preprocessing": "caffe: RGB->BGR, subtract [103.939, 116.779, 123.68], no scaling",
        "mixed_precision": False,
        "batch_size": BATCH,
        "seed": 0,
        "n_items": 12,
        "n_skipped": 4,
        "tensorflow_version": tf.__version__,
        "keras_version": keras.__version__,
    }
    assert RANDOM_WEIGHTS == "random (untrained VGG16)"
    rows = read_tsv(reference / "skipped.tsv")
    assert [r["path"] for r in rows] == sorted(broken)
    for row in rows:
        assert row["reason"].startswith(broken[row["path"]]), row
    # Every readable image as the lab computes it: load_img, preprocess_input, one batch each.
    for i, path in enumerate(stored.paths.tolist()):
        lab = img_to_array(load_img(root / path, target_size=(224, 224)))[None]
        expected = extractor.embed(preprocess_input(lab))[0]
        # one image alone and in a batch of three take different GEMM kernels: equal to a few
        # float32 roundings of the largest activation
        scale = np.abs(expected).max()
        assert np.allclose(stored.embeddings[i], expected, rtol=1e-4, atol=1e-5 * scale), path
    # The first batch (a/gray.png, a/rgb.jpg, a/rgba.png) in one batch, as stored: bit for bit.
    first = [it.path for it in items[:BATCH]]
    assert first == stored.paths[:BATCH].tolist()
    lab = np.stack([img_to_array(load_img(root / p, target_size=(224, 224))) for p in first])
    assert np.array_equal(extractor.embed(preprocess_input(lab)), stored.embeddings[:BATCH])


@pytest.mark.slow  # TensorFlow and Keras (VGG16, its input pipeline)
@pytest.mark.xdist_group("tensorflow")  # make test: one worker imports it
def test_same_seed_same_bits_other_seed_other_bits(image_set: ImageSet) -> None:
    """Models built afresh from one seed give the same bits; another seed, other numbers."""
    root, items, broken = image_set
    first = [root / it.path for it in items[:BATCH]]
    assert not broken.keys() & {it.path for it in items[:BATCH]}
    images, ok, _ = next(iter(image_dataset(first, batch_size=BATCH)))
    assert ok.numpy().all()
    rows = {}
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        rows[name] = build_extractor("random", CONV_LAYER, seed=seed).embed(images)
    assert rows["a"].shape == (BATCH, 128)
    assert np.array_equal(rows["a"], rows["b"])
    assert not np.allclose(rows["a"], rows["c"])
