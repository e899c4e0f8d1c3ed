"""`embedlab neighbors` and `embedlab analogy` as a user runs them: the installed entry point as a
subprocess, on stores converted from real GloVe lines."""

from __future__ import annotations

import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

from embedlab.neighbors.exact import query
from embedlab.vectors.store import read_store
from tests.helpers import write_tiny_glove


@pytest.fixture(scope="module")
def embedlab(venv_bin: Path) -> Path:
    return venv_bin / "embedlab"


def run(embedlab: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(embedlab), *map(str, args)], capture_output=True, text=True, check=False
    )


def rows(out: subprocess.CompletedProcess[str]) -> list[list[str]]:
    """The data rows of a command's TSV output, header checked and dropped."""
    assert out.returncode == 0, out.stderr
    header, *lines = out.stdout.splitlines()
    assert header.split("\t")[:2] in (["rank", "word"], ["method", "rank"])
    return [line.split("\t") for line in lines]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, tiny_glove: Path, embedlab: Path) -> Path:
    """The first 3,000 GloVe 6B words (king, man, woman, queen among them)."""
    path = tmp_path_factory.mktemp("cli") / "tiny.h5"
    assert run(embedlab, "convert", tiny_glove, path).returncode == 0
    return path


@pytest.fixture(scope="module")
def cased(tmp_path_factory: pytest.TempPathFactory, tiny_glove: Path, embedlab: Path) -> Path:
    """The tiny vocabulary plus 'King', a cased word (as in GoogleNews) with queen's vector."""
    work = tmp_path_factory.mktemp("cased")
    lines = tiny_glove.read_text(encoding="utf-8").splitlines(keepends=True)
    queen = next(line for line in lines if line.startswith("queen "))
    (work / "cased.txt").write_text("".join(lines) + "King" + queen[len("queen") :])
    assert run(embedlab, "convert", work / "cased.txt", work / "cased.h5").returncode == 0
    return work / "cased.h5"


# --- 1. -k outside its range ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["neighbors", "king", "-k", "-5"], "1..2999"),
        (["neighbors", "king", "-k", "0"], "1..2999"),
        (["neighbors", "king", "-k", "3000"], "1..2999"),
        (["analogy", "king - man + woman", "-k", "0"], "1..2997"),
        (["analogy", "king - man + woman", "-k", "2998"], "1..2997"),
        (["analogy", "king - man + woman", "-k", "2998", "--method", "3CosMul"], "1..2997"),
        (["analogy", "king - man + woman", "-k", "3001", "--method", "lab"], "1..3000"),
    ],
)
def test_k_outside_its_range_is_a_one_line_usage_error(
    embedlab: Path, tiny: Path, args: list[str], allowed: str
) -> None:
    out = run(embedlab, args[0], tiny, *args[1:])
    assert out.returncode == 2
    assert out.stdout == ""
    assert len(out.stderr.splitlines()) == 1
    assert f"error: argument -k: {args[3]} is outside the allowed range {allowed}" in out.stderr


# --- 2. excluded words never answer --------------------------------------------------------------


def test_neighbors_never_list_the_query_word(embedlab: Path, tiny: Path) -> None:
    found = rows(run(embedlab, "neighbors", tiny, "king", "-k", "2999"))
    words = [r[1] for r in found]
    assert len(words) == len(set(words)) == 2999
    assert "king" not in words
    assert all(np.isfinite(float(r[2])) for r in found)
    assert words[:2] == ["prince", "queen"]
    euclid = rows(run(embedlab, "neighbors", tiny, "king", "-k", "2999", "--metric", "euclidean"))
    assert "king" not in [r[1] for r in euclid]
    assert float(euclid[0][2]) > 0


def test_neighbors_query_refuses_k_beyond_the_other_words(tiny: Path) -> None:
    store = read_store(tiny)
    with pytest.raises(ValueError, match=r"between 1 and 2999"):
        query(store.vectors, store.index["king"], 3000)


def test_analogy_methods_exclude_query_words_and_the_lab_keeps_them(
    embedlab: Path, tiny: Path
) -> None:
    found = rows(run(embedlab, "analogy", tiny, "king - man + woman", "-k", "2997"))
    by_method: dict[str, list[str]] = {}
    for method, _, word, _ in found:
        by_method.setdefault(method, []).append(word)
    for method in ("3CosAdd", "3CosMul"):
        assert len(set(by_method[method])) == 2997
        assert not {"king", "man", "woman"} & set(by_method[method])
        assert by_method[method][0] == "queen"
    assert len(by_method["lab"]) == 2997 and by_method["lab"][0] == "king"
    lab = rows(
        run(embedlab, "analogy", tiny, "king - man + woman", "-k", "3000", "--method", "lab")
    )
    assert {"king", "man", "woman"} <= {r[2] for r in lab} and len(lab) == 3000
    help_text = " ".join(run(embedlab, "analogy", "--help").stdout.split())
    assert "3CosAdd and 3CosMul exclude the query words, lab keeps them" in help_text


# --- 3. one case rule ----------------------------------------------------------------------------


def test_exact_word_wins_in_a_cased_vocabulary(embedlab: Path, cased: Path) -> None:
    out = run(embedlab, "neighbors", cased, "King", "-k", "1")
    assert rows(out) == [["1", "queen", "1.0000"]]  # King has queen's vector
    assert out.stderr == ""
    add = run(embedlab, "analogy", cased, "King - man + woman", "-k", "1", "--method", "3CosAdd")
    lower = run(embedlab, "analogy", cased, "king - man + woman", "-k", "1", "--method", "3CosAdd")
    assert add.stderr == "" and rows(add) != rows(lower)


def test_other_cases_fall_back_to_lower_case_with_a_note(embedlab: Path, cased: Path) -> None:
    out = run(embedlab, "neighbors", cased, "KING", "-k", "5")
    assert out.stderr == "embedlab neighbors: 'KING' is not in the vocabulary; using 'king'\n"
    assert rows(out) == rows(run(embedlab, "neighbors", cased, "king", "-k", "5"))
    out = run(embedlab, "analogy", cased, "KING - Man + woman", "-k", "3")
    assert out.stderr.splitlines() == [
        "embedlab analogy: 'KING' is not in the vocabulary; using 'king'",
        "embedlab analogy: 'Man' is not in the vocabulary; using 'man'",
    ]
    assert rows(out) == rows(run(embedlab, "analogy", cased, "king - man + woman", "-k", "3"))


@pytest.mark.parametrize(
    ("args", "named"),
    [(["neighbors", "Qwertyx"], "'Qwertyx'"), (["analogy", "king - Qwertyx + x9z"], "'x9z'")],
)
def test_unknown_words_are_named(embedlab: Path, cased: Path, args: list[str], named: str) -> None:
    out = run(embedlab, args[0], cased, *args[1:])
    assert out.returncode == 1 and out.stdout == ""
    assert "not in the vocabulary" in out.stderr and named in out.stderr
    assert "Traceback" not in out.stderr


# --- 4. clear messages for bad input ------------------------------------------------------------


def test_empty_word_and_empty_query(embedlab: Path, tiny: Path) -> None:
    out = run(embedlab, "neighbors", tiny, "")
    assert (out.returncode, out.stderr) == (
        1,
        "embedlab neighbors: error: the word is empty; give a word of the vocabulary\n",
    )
    out = run(embedlab, "analogy", tiny, " ")
    assert out.returncode == 1 and "has no words" in out.stderr
    assert len(out.stderr.splitlines()) == 1


def test_missing_store_names_the_path_and_how_to_make_one(embedlab: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.h5"
    for command in (["neighbors", "frog"], ["analogy", "king - man + woman"]):
        out = run(embedlab, command[0], missing, command[1])
        assert out.returncode == 1
        assert len(out.stderr.splitlines()) == 1
        assert f"{missing}: no such store" in out.stderr
        assert "embedlab convert" in out.stderr and "snakemake" in out.stderr
        assert "Unable to synchronously open" not in out.stderr


def test_files_that_are_not_stores(embedlab: Path, tmp_path: Path, tiny_glove: Path) -> None:
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as f:  # HDF5 with the right datasets but no format attribute
        f["vectors"] = np.zeros((2, 3), np.float32)
        f["words"] = np.array(["a", "b"], dtype=object)
    for path, why in ((tiny_glove, "not an HDF5 file"), (plain, "HDF5 file but not an embedlab")):
        out = run(embedlab, "neighbors", path, "the")
        assert out.returncode == 1
        assert len(out.stderr.splitlines()) == 1, out.stderr
        assert f"{path} is " in out.stderr and why in out.stderr
        assert "embedlab convert GLOVE.txt STORE.h5" in out.stderr


# --- 5. a closed pipe ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory, embedlab: Path) -> Path:
    """The first 25,000 GloVe 6B words: more neighbours of a word than a pipe buffer holds."""
    folder = tmp_path_factory.mktemp("full")
    text = write_tiny_glove(folder / "glove.25k.txt", n_words=25_000)
    assert run(embedlab, "convert", text, folder / "glove.25k.h5").returncode == 0
    return folder / "glove.25k.h5"


def test_closed_pipe_ends_quietly(embedlab: Path, full: Path) -> None:
    """`embedlab neighbors STORE the -k 20000 | head -1`. 20,000 rows (~400 kB) overflow the
    64 kB pipe buffer and head's read, so the writes after head exits always hit the closed pipe
    (2,000 rows fit in the buffer and often finish before head exits)."""
    producer = subprocess.Popen(
        [str(embedlab), "neighbors", str(full), "the", "-k", "20000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert producer.stdout is not None and producer.stderr is not None
    head = subprocess.run(["head", "-1"], stdin=producer.stdout, capture_output=True, check=True)
    producer.stdout.close()
    stderr = producer.stderr.read().decode()
    assert producer.wait() in (0, 141)
    assert head.stdout == b"rank\tword\tsimilarity\n"
    assert stderr == ""


# --- 6. analogy tokens --------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["king-man+woman", "king -man +woman", "KING-Man+woman"])
def test_query_without_spaces(embedlab: Path, tiny: Path, spelling: str) -> None:
    expected = rows(run(embedlab, "analogy", tiny, "king - man + woman", "-k", "3"))
    assert rows(run(embedlab, "analogy", tiny, spelling, "-k", "3")) == expected


@pytest.mark.parametrize("kind", ["missing", "not_hdf5"])
def test_info_explains_a_path_that_is_not_a_store(
    embedlab: Path, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "x.h5"
    if kind == "not_hdf5":
        path.write_text("word 0.1 0.2\n")
    out = run(embedlab, "info", path)
    assert out.returncode == 1
    assert "Unable to synchronously open" not in out.stderr
    assert "embedlab convert GLOVE.txt" in out.stderr
    assert "Traceback" not in out.stderr


# --- 7. convert: no silent overwrite, a summary without empty parts; info -----------------------


def test_convert_replaces_a_store_only_with_force(
    embedlab: Path, tiny_glove: Path, tmp_path: Path
) -> None:
    store = tmp_path / "s.h5"
    first = run(embedlab, "convert", tiny_glove, store, "--limit", "10")
    assert first.returncode == 0 and len(read_store(store)) == 10
    out = run(embedlab, "convert", tiny_glove, store)
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr.splitlines()[-1] == (
        f"embedlab convert: error: {store} exists; give --force to replace it, or another file name"
    )
    assert len(read_store(store)) == 10  # untouched
    assert run(embedlab, "convert", tiny_glove, store, "--force").returncode == 0
    assert len(read_store(store)) == 3000


def test_convert_summary_and_info_say_only_what_applies(
    embedlab: Path, tiny: Path, tiny_glove: Path, tmp_path: Path
) -> None:
    clean = run(embedlab, "convert", tiny_glove, tmp_path / "clean.h5")
    assert clean.returncode == 0
    assert "skipped" not in clean.stdout and "(0" not in clean.stdout and ";;" not in clean.stdout
    assert "x 50 from glove (no 'count dim' header line); parse " in clean.stdout
    bad = tmp_path / "bad.txt"
    bad.write_text(tiny_glove.read_text(encoding="utf-8") + "broken 0.1\n", encoding="utf-8")
    out = run(embedlab, "convert", bad, tmp_path / "bad.h5", "--on-bad-line", "skip")
    assert "header line); 1 bad line skipped; parse " in out.stdout, out.stdout
    info = run(embedlab, "info", tiny).stdout.splitlines()
    assert "  limit = none (every word)" in info and "  limit = 0" not in info
    assert (
        run(embedlab, "convert", tiny_glove, tmp_path / "ten.h5", "--limit", "10").returncode == 0
    )
    assert "  limit = 10" in run(embedlab, "info", tmp_path / "ten.h5").stdout.splitlines()


# --- 8. words and queries that begin with '-' ---------------------------------------------------


def test_a_query_that_begins_with_a_minus_is_a_query(embedlab: Path, tiny: Path) -> None:
    """'-king' is not -k 'ing': it is answered, as after '--'; so is a word like '-lrb-'."""
    after_dashes = rows(run(embedlab, "analogy", tiny, "-k", "3", "--", "-king + queen"))
    assert rows(run(embedlab, "analogy", tiny, "-king + queen", "-k", "3")) == after_dashes
    assert rows(run(embedlab, "analogy", tiny, "-k", "3", "-king + queen")) == after_dashes
    assert rows(run(embedlab, "analogy", tiny, "-king", "-k", "2", "--method", "lab"))
    out = run(embedlab, "neighbors", tiny, "-lrb-", "-k", "3")  # a GloVe word, past these 3,000
    assert out.returncode == 1 and "'-lrb-'" in out.stderr and "argument -k" not in out.stderr
    # where it cannot be the query (one was given), -k's refusal says how to write it
    out = run(embedlab, "analogy", tiny, "king - man", "-king")
    assert out.returncode == 2 and "invalid int value" not in out.stderr
    assert "argument -k: invalid whole number 'ing'" in out.stderr
    assert "embedlab analogy STORE -- '-king + queen'" in out.stderr
