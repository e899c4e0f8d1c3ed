"""Exploration outputs: Embedding Projector folders served by a real TensorBoard (and its page
opened in Chromium), image retrieval against a brute-force computation, the sprite's size limits
at MIT-67 size, and the tiny run's interactive maps and gallery."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlab.common.tables import read_tsv
from embedlab.explore.projector import escape_field, unescape_field, write_projector
from embedlab.explore.retrieval import pick_queries, precision_rows, search
from embedlab.explore.thumbnails import SPRITE_MAX_PX, sprite_layout, write_sprite
from tests.browser import wait_for

# words a TSV or a naive line/tab split gets wrong: tabs, line breaks, quotes, '#', a backslash
# escape that must not be undone, Unicode line/paragraph separators, combining marks, emoji
ODD_WORDS = [
    "the", "tab\there", 'quote"d', "'single'", "#hashtag", "# comment", "line\nbreak",
    "carriage\rreturn", "back\\slash", "not\\ta tab", "sep\u2028arator", "para\u2029graph",
    "nel\u0085", "e\u0301", "😀", "日本語", "", " ", "=1+1", "null", "nan",
]  # fmt: skip


def test_metadata_escapes_round_trip() -> None:
    for word in ODD_WORDS:
        escaped = escape_field(word)
        assert "\t" not in escaped and "\n" not in escaped and "\r" not in escaped
        assert unescape_field(escaped) == word


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tensorboard(
    tiny_finished: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """Real TensorBoards, each serving one Projector folder as a user does (`tensorboard
    --logdir FOLDER` on 127.0.0.1), started together: `odd` (odd_words_folder), and the tiny
    run's `words` (results/projector/words/glove.tiny) and `images`
    (results/projector/images/digits). Yields each one's base URL."""
    projector = tiny_finished / "results/projector"
    folders = {
        "odd": odd_words_folder(tmp_path_factory.mktemp("projector") / "odd"),
        "words": projector / "words/glove.tiny",
        "images": projector / "images/digits",
    }
    exe = Path(sys.executable).parent / "tensorboard"
    procs, bases = [], {}
    try:
        for name, folder in folders.items():
            port = free_port()
            procs.append(
                subprocess.Popen(
                    [str(exe), "--logdir", str(folder), "--host", "127.0.0.1", "--port", str(port)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
                )
            )
            bases[name] = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        for proc, base in zip(procs, bases.values(), strict=True):
            while True:
                if proc.poll() is not None:
                    raise AssertionError(f"tensorboard exited: {proc.stdout.read()}")
                try:
                    if json.loads(get(base + "/data/plugin/projector/runs")) == ["."]:
                        break
                except (urllib.error.URLError, ConnectionError):
                    pass
                assert time.monotonic() < deadline, "tensorboard did not serve the folder"
                time.sleep(0.5)
        yield bases
    finally:
        for proc in procs:
            proc.kill()  # it holds nothing to save; on SIGTERM it took 18 s to stop
            proc.wait(timeout=30)


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def projector_info(base: str) -> dict:
    return json.loads(get(f"{base}/data/plugin/projector/info?run=."))


ODD_DIM = 7


def odd_words_folder(folder: Path) -> Path:
    words = [w for w in ODD_WORDS if w]  # a store never holds an empty word
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(words), ODD_DIM)).astype(np.float32)
    return write_projector(folder, "odd words", vectors, {"word": words})


@pytest.mark.slow
def test_tensorboard_serves_odd_words_aligned(tensorboard: dict[str, str]) -> None:
    """Every metadata row that TensorBoard serves is the word of the tensor row at that index,
    for words with tabs, line breaks, quotes, '#' and odd Unicode."""
    words = [w for w in ODD_WORDS if w]
    vectors = np.random.default_rng(0).normal(size=(len(words), ODD_DIM)).astype(np.float32)
    base = tensorboard["odd"]
    (embedding,) = projector_info(base)["embeddings"]
    assert embedding["tensorName"] == "odd words"
    assert [int(v) for v in embedding["tensorShape"]] == [len(words), ODD_DIM]
    name = urllib.parse.quote(embedding["tensorName"])
    query = f"run=.&name={name}"
    served = np.frombuffer(get(f"{base}/data/plugin/projector/tensor?{query}"), "<f4")
    assert np.array_equal(served.reshape(len(words), ODD_DIM), vectors)
    text = get(f"{base}/data/plugin/projector/metadata?{query}").decode("utf-8")
    # the projector's own parsing: lines split on '\n', fields on '\t', no header for one column
    lines = text.split("\n")
    assert lines[-1] == ""
    assert [unescape_field(line) for line in lines[:-1]] == words


@pytest.mark.slow
def test_tensorboard_serves_the_tiny_runs_folders(
    tiny_finished: Path, tensorboard: dict[str, str], browser
) -> None:
    """The pipeline's folders: the word store's first N rows and the image embeddings, with
    metadata and sprite, as TensorBoard's projector plugin serves them; then its page, opened in
    Chromium, loads the tensor."""
    import h5py

    base = tensorboard["words"]
    with h5py.File(tiny_finished / "results/vectors/glove.tiny.h5") as f:
        vectors = f["vectors"][:500]
        words = f["words"].asstr()[:500].tolist()
    (embedding,) = projector_info(base)["embeddings"]
    assert [int(v) for v in embedding["tensorShape"]] == [500, 50]  # explore.projector.words
    query = f"run=.&name={urllib.parse.quote(embedding['tensorName'])}"
    served = np.frombuffer(get(f"{base}/data/plugin/projector/tensor?{query}"), "<f4")
    assert np.array_equal(served.reshape(500, 50), vectors)
    meta = get(f"{base}/data/plugin/projector/metadata?{query}").decode()
    assert meta.split("\n")[:-1] == words

    images_dir = tiny_finished / "results/projector/images/digits"
    items = read_tsv(tiny_finished / "results/images/digits/items.tsv")
    base = tensorboard["images"]
    (embedding,) = projector_info(base)["embeddings"]
    assert [int(v) for v in embedding["tensorShape"]] == [40, 4096]
    assert [int(v) for v in embedding["sprite"]["singleImageDim"]] == [64, 64]
    query = f"run=.&name={urllib.parse.quote(embedding['tensorName'])}"
    meta = get(f"{base}/data/plugin/projector/metadata?{query}").decode()
    header, *rows = meta.split("\n")[:-1]
    assert header == "class\tfile"
    with h5py.File(tiny_finished / "results/images/digits/embeddings.h5") as f:
        paths = f["paths"].asstr()[()].tolist()
        labels = f["labels"].asstr()[()].tolist()
    assert rows == [f"{lab}\t{p}" for lab, p in zip(labels, paths, strict=True)]
    assert sorted(paths) == sorted(i["path"] for i in items)
    sprite = get(f"{base}/data/plugin/projector/sprite_image?{query}")
    assert sprite == (images_dir / "sprite.jpg").read_bytes()
    open_projector_page(browser, base)


def open_projector_page(driver, base: str) -> None:
    """TensorBoard's page, in headless Chromium: the Projector tab fetches the tensor."""
    driver.get(base + "/#projector")

    def fetched() -> list[str]:
        """Projector requests of the page and of its frames (the plugin runs in one)."""
        urls = driver.execute_script(
            "const out = [];"
            "function add(w) {"
            "  out.push(...w.performance.getEntriesByType('resource').map(e => e.name));"
            "  for (const f of w.document.querySelectorAll('iframe')) add(f.contentWindow);"
            "}"
            "add(window); return out;"
        )
        wanted = ("/data/plugin/projector/tensor?", "/data/plugin/projector/metadata?")
        return [u for u in urls if any(w in u for w in wanted)]

    # both the tensor and the metadata were fetched by the page
    assert wait_for(lambda: len({u.split("?")[0] for u in fetched()}) == 2, timeout=90)


def test_sprite_stays_within_tensorboards_limits_at_mit67_size() -> None:
    columns, px = sprite_layout(15_620)
    assert columns * px <= SPRITE_MAX_PX and px <= 64
    assert (columns, px) == (125, 64)
    columns, px = sprite_layout(40_000)
    assert columns * px <= SPRITE_MAX_PX and px == 40


def test_sprite_places_image_i_in_cell_i(tmp_path: Path) -> None:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 0, 0)]
    paths = []
    for i, colour in enumerate(colours):
        Image.new("RGB", (30, 20), colour).save(tmp_path / f"{i}.png")
        paths.append(f"{i}.png")
    px = write_sprite(tmp_path, paths, tmp_path / "sprite.jpg")
    atlas = np.asarray(Image.open(tmp_path / "sprite.jpg").convert("RGB"), dtype=int)
    assert atlas.shape == (2 * px, 3 * px, 3)  # 5 images: a 3-column grid, 2 rows
    for i, colour in enumerate(colours):
        centre = atlas[(i // 3) * px + px // 2, (i % 3) * px + px // 2]
        assert np.abs(centre - colour).max() < 40, (i, centre)


def test_retrieval_equals_brute_force_cosine() -> None:
    rng = np.random.default_rng(0)
    collection = rng.normal(size=(300, 16)).astype(np.float32)
    queries = rng.normal(size=(50, 16)).astype(np.float32)
    queries[3] = collection[7] * 5  # cosine 1 with row 7, whatever the length
    hits = search(queries, collection, k=4, block=16)
    cos = (queries / np.linalg.norm(queries, axis=1, keepdims=True)) @ (
        collection / np.linalg.norm(collection, axis=1, keepdims=True)
    ).T
    expected = np.argsort(-cos, axis=1, kind="stable")[:, :4]
    assert np.array_equal(hits.indices, expected)
    assert np.allclose(hits.scores, np.take_along_axis(cos, expected, axis=1), atol=1e-5)
    assert hits.indices[3, 0] == 7
    with pytest.raises(ValueError, match="explore.retrieval.k = 301"):
        search(queries, collection, k=301)


def test_precision_at_k_per_class() -> None:
    query = np.array(["a", "a", "b"])
    hit = np.array([["a", "a", "b"], ["b", "b", "b"], ["b", "a", "b"]])
    rows = precision_rows(query, hit, ["a", "b", "c"])
    assert rows == [
        ["a", 2, 3, f"{(2 / 3 + 0) / 2:.4f}"],
        ["b", 1, 3, f"{2 / 3:.4f}"],
        ["c", 0, 3, ""],
        ["(all queries)", 3, 3, f"{(2 / 3 + 0 + 2 / 3) / 3:.4f}"],
        ["(mean of classes)", 3, 3, f"{(1 / 3 + 2 / 3) / 2:.4f}"],
    ]
    assert pick_queries(np.array(["b", "a", "b", "a", "b"]), ["a", "b"], 2) == [1, 3, 0, 2]


@pytest.mark.slow
def test_tiny_runs_exploration_files(tiny_finished: Path) -> None:
    """The interactive maps hold every image's thumbnail and every mapped word; the gallery one
    row per query with k hits; the retrieval table every class."""
    explore = tiny_finished / "results/explore"
    page = (explore / "images/digits/map.html").read_text()
    assert "cdn.bokeh.org" not in page and "<script src=" not in page  # BokehJS inlined
    assert len(re.findall(r"data:image/jpeg;base64,", page)) == 40
    words = (explore / "words/glove.tiny/map.html").read_text()
    for word in ("king", "queen", "man", "woman"):
        assert f'"{word}"' in words
    gallery = (explore / "images/digits/gallery.html").read_text()
    assert gallery.count("<figure class='query'>") == 10  # queries_per_class 1, 10 classes
    assert len(re.findall(r"<figure class='hit", gallery)) == 50  # k = 5
    rows = read_tsv(explore / "images/digits/retrieval.tsv")
    assert [r["class"] for r in rows][:10] == [str(d) for d in range(10)]


MAP_SCRIPT = """
import sys
import numpy as np
from embedlab.explore.maps import image_map
from embedlab.explore.wordmap import analogy_arrows, word_clusters, word_map
rng = np.random.default_rng(0)
image_map(rng.standard_normal((6, 2)), list("aabbcc"), [f"{c}/{i}.png" for i, c in
          enumerate("aabbcc")], ["data:image/jpeg;base64,AAAA"] * 6, sys.argv[1], "t-SNE")
words = ["the", "king", "man", "woman", "queen", *(f"w{i}" for i in range(45))]
vectors = rng.standard_normal((50, 8))
query = ("king - man + woman", [(1, "king"), (-1, "man"), (1, "woman")], "queen")
arrows, coords = analogy_arrows([query], {w: vectors[i] for i, w in enumerate(words[:5])})
word_map(rng.standard_normal((50, 2)), words, list(range(1, 51)), word_clusters(vectors, 4, 0),
         arrows, coords, sys.argv[2], "words")
"""


def test_the_same_map_is_the_same_bytes(tmp_path: Path) -> None:
    """Each map is written by its own job process: two processes writing the same maps give
    the same files (no random ids, no time stamp in the compressed BokehJS, seeded KMeans)."""
    pages = []
    for run in ("one", "two"):
        out = [str(tmp_path / f"{run}_{kind}.html") for kind in ("images", "words")]
        subprocess.run([sys.executable, "-c", MAP_SCRIPT, *out], check=True)
        pages.append([Path(o).read_bytes() for o in out])
    for page in pages[0]:
        assert b'"root_id"' in page and b"embedlab-bokehjs" in page  # a real bokeh page
    assert pages[0] == pages[1]
