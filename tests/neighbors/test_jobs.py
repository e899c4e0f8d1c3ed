"""The neighbour jobs: memory as the rules' formula says (measured), streaming merge, checks of
the parts, no TensorFlow in CPU jobs, and the rule asking for the formula's memory."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from embedlab.common.config import ConfigError
from embedlab.neighbors.blocks import BLOCK
from embedlab.neighbors.jobs import (
    check_neighbors_k,
    chunk_mem_mb,
    chunk_runtime_min,
    merge_mem_mb,
    merge_parts,
    run_chunk,
)
from embedlab.vectors.store import write_neighbors, write_store
from tests.helpers import DEFAULT_CONFIG, MINI_CONFIG, ROOT, bundled_arrays, snakemake

# a chunk job (or the merge) in a fresh interpreter: its peak RSS (VmHWM; getrusage's maxrss
# would carry over the parent's, which exec does not reset) is its own
JOB = """
import json, re, sys
from embedlab.neighbors.jobs import merge_parts, run_chunk
kind, store, out, n_chunks, k, threads = sys.argv[1:7]
if kind == "chunk":
    run_chunk(store, out, 0, int(n_chunks), int(k), "cosine", threads=int(threads))
else:
    parts = [f"{out}/chunk_{c}.h5" for c in range(int(n_chunks))]
    merge_parts(store, parts, f"{out}/merged.h5", f"{out}/merged.tsv", int(k), "cosine")
hwm = re.search(r"VmHWM:\\s*(\\d+) kB", open("/proc/self/status").read()).group(1)
print(json.dumps({"rss_mb": int(hwm) / 1024, "tensorflow": "tensorflow" in sys.modules}))
"""


def job(*args: object) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", JOB, *map(str, args)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Stores of the first 100,000 and all 400,000 words of glove.6B.50d."""
    words, vectors = bundled_arrays()
    folder = tmp_path_factory.mktemp("stores")
    out = {}
    for n in (100_000, 400_000):
        out[n] = folder / f"glove.{n}.h5"
        write_store(out[n], words[:n], np.asarray(vectors[:n]), {"source": "test"})
    return out


@pytest.mark.slow  # stores of 100,000 and 400,000 words
def test_chunk_job_memory_follows_the_formula(stores, tmp_path) -> None:
    """Peak RSS stays under chunk_mem_mb, and grows with the vocabulary as the formula does
    (the vectors once, the lists of each thread): a second copy of the vectors, or lists that
    grow with anything else, would break the growth bound."""
    k, threads, chunks = 10, 2, 2000  # a small share of the pairs: the test is about memory
    peak = {}
    for n, store in stores.items():
        peak[n] = job("chunk", store, tmp_path / f"part{n}.h5", chunks, k, threads)
        assert not peak[n]["tensorflow"]  # a CPU chunk job never loads TensorFlow
        assert peak[n]["rss_mb"] <= chunk_mem_mb(n, 50, k, threads), (n, peak[n])
    grown = peak[400_000]["rss_mb"] - peak[100_000]["rss_mb"]
    formula = chunk_mem_mb(400_000, 50, k, threads) - chunk_mem_mb(100_000, 50, k, threads)
    assert 0.7 * formula <= grown <= 1.15 * formula + 8, (grown, formula)


@pytest.mark.slow  # stores of 100,000 and 400,000 words
def test_merge_streams_the_parts(stores, tmp_path) -> None:
    """The merge of 8 parts of 400,000 words stays under merge_mem_mb (two sets of lists, not
    eight), and equals merging them all at once."""
    store, n, k, chunks = stores[400_000], 400_000, 10, 8
    rng = np.random.default_rng(0)
    all_keys = []
    for c in range(chunks):  # parts of the real size and layout, each changing the result
        keys = -np.sort(-rng.random((n, k), dtype=np.float32), axis=1)
        index = rng.integers(0, n, (n, k), dtype=np.int32)
        write_neighbors(
            tmp_path / f"chunk_{c}.h5",
            index,
            keys,
            {
                "chunk": c,
                "chunks": chunks,
                "k": k,
                "metric": "cosine",
                "block": BLOCK,
                "n_words": n,
                "scores": "keys",
            },
        )
        all_keys.append(keys)
    measured = job("merge", store, tmp_path, chunks, k, 1)
    assert measured["rss_mb"] <= merge_mem_mb(n, k), measured
    with h5py.File(tmp_path / "merged.h5") as f:
        got = f["scores"][:]
    expected = -np.sort(-np.concatenate(all_keys, axis=1), axis=1)[:, :k]
    assert np.array_equal(got, expected)


@pytest.mark.slow  # stores of 100,000 and 400,000 words
def test_merge_refuses_parts_of_another_split(stores, tmp_path) -> None:
    store = stores[100_000]
    run_chunk(store, tmp_path / "a.h5", 0, 40, 5, "cosine")  # a split into 40 parts, not 2
    run_chunk(store, tmp_path / "b.h5", 1, 40, 5, "cosine")
    with pytest.raises(ValueError, match=r"a\.h5 was computed with other settings.*'chunks': 40"):
        merge_parts(
            store,
            [tmp_path / "a.h5", tmp_path / "b.h5"],
            tmp_path / "m.h5",
            tmp_path / "m.tsv",
            5,
            "cosine",
        )
    assert not (tmp_path / "m.h5").exists() and not (tmp_path / "m.tsv").exists()


@pytest.mark.slow  # stores of 100,000 and 400,000 words
def test_rules_ask_the_formulas_memory_and_time(stores, tmp_path) -> None:
    """A dry run shows the mem_mb of the chunk jobs and the merge: the formulas' values."""

    rules = (ROOT / "workflow/rules/vectors.smk").read_text()  # parse_vectors writes the store
    store_rel = re.search(r'store="(results/[^"]+)"', rules).group(1).format(name="g")
    dest = tmp_path / store_rel
    dest.parent.mkdir(parents=True)
    (tmp_path / "g.txt").write_text("the 0.1 0.2\n")  # the store's source, older than the store
    shutil.copy(stores[100_000], dest)
    (tmp_path / "over.yaml").write_text(
        "vectors: {sources: [{source: g.txt}]}\nneighbors: {chunks: 3, k: 7, threads: 2}\n"
    )
    out = snakemake(
        tmp_path,
        "--configfile",
        str(DEFAULT_CONFIG),
        str(tmp_path / "over.yaml"),
        "-n",
        "results/neighbors/g.h5",
        configfile=None,
        check=False,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    chunk_mb = re.findall(r"rule neighbors_chunk:.*?mem_mb=(\d+)", out.stdout, re.S)
    merge_mb = re.findall(r"rule neighbors_merge:.*?mem_mb=(\d+)", out.stdout, re.S)
    assert chunk_mb == [str(chunk_mem_mb(100_000, 50, 7, 2))] * 3
    runtime = re.findall(r"rule neighbors_chunk:.*?runtime=(\d+)", out.stdout, re.S)
    assert runtime == [str(chunk_runtime_min(100_000, 50, 3, 2))] * 3
    assert merge_mb == [str(merge_mem_mb(100_000, 7))]


def test_fast_neighbour_table_equals_the_csv_writer(tmp_path) -> None:
    """write_neighbor_tsv writes the same bytes as write_tsv(neighbor_rows(...)), also for
    words the csv dialect must quote, over several blocks."""
    from embedlab.common.tables import write_tsv
    from embedlab.neighbors.tsv import neighbor_header, neighbor_rows, write_neighbor_tsv

    tricky = ['"', 'say "hi"', "tab\there", "line\nbreak", "cr\rx", "nan", "#", " lead", "é", "a,b"]
    words = tricky + [f"w{i}" for i in range(2500)]
    rng = np.random.default_rng(5)
    index = rng.integers(0, len(words), (len(words), 4)).astype(np.int32)
    scores = rng.uniform(-1, 1, (len(words), 4)).astype(np.float32)
    header = neighbor_header(4, "cosine")
    write_tsv(tmp_path / "slow.tsv", header, neighbor_rows(words, index, scores))
    write_neighbor_tsv(tmp_path / "fast.tsv", header, words, index, scores, block=1000)
    assert (tmp_path / "fast.tsv").read_bytes() == (tmp_path / "slow.tsv").read_bytes()


def test_k_not_below_the_vocabulary_is_a_config_error_naming_neighbors_k(tmp_path) -> None:
    store = tmp_path / "s.h5"
    write_store(store, [f"w{i}" for i in range(5)], np.eye(5, 3, dtype=np.float32), {})
    assert check_neighbors_k(4, store) == 5
    with pytest.raises(ConfigError) as error:
        check_neighbors_k(5, store)
    assert str(error.value) == (
        f"neighbors.k = 5 is not below the vocabulary: {store} has 5 words, so a word has at "
        "most 4 neighbours. Set neighbors.k to at most 4."
    )
    limited = r"has 3 of its 5 words \(neighbors.max_words\).* 2 or raise neighbors.max_words\.$"
    with pytest.raises(ConfigError, match=limited):
        check_neighbors_k(3, store, max_words=3)


@pytest.mark.slow  # a Snakemake run: parse_vectors, then the chunk jobs stop
def test_k_not_below_the_vocabulary_stops_the_chunk_jobs_in_one_line(
    tmp_path: Path, tiny_glove: Path
) -> None:
    """Not a traceback from inside the search: the first thing a chunk job does is the check,
    and the job log and the console show its one line."""
    shutil.copy(tiny_glove.with_name("glove.mini.txt"), tmp_path / "glove.mini.txt")
    (tmp_path / "k.yaml").write_text("neighbors: {k: 1000}\n")  # glove.mini has 1,000 words
    out = snakemake(
        tmp_path,
        "results/neighbors/glove.mini.h5",
        "--configfile",
        str(MINI_CONFIG),
        str(tmp_path / "k.yaml"),
        configfile=None,
        check=False,
    )
    assert out.returncode != 0
    message = (
        "ConfigError: neighbors.k = 1000 is not below the vocabulary: results/vectors/"
        "glove.mini.h5 has 1,000 words, so a word has at most 999 neighbours. Set neighbors.k to "
        "at most 999."
    )
    text = out.stdout + out.stderr
    assert message in text and "Traceback" not in text, text[-3000:]
    logs = list((tmp_path / "logs/neighbors").glob("neighbors_chunk_*.log"))
    assert logs and all(message in log.read_text() for log in logs)
    assert not list(tmp_path.glob("results/neighbors/**/chunk_*.h5"))
