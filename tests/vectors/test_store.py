"""HDF5 store round trip and the `embedlab` command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from embedlab.vectors.convert import convert
from embedlab.vectors.store import FORMAT, read_store, write_store


def test_round_trip(tmp_path: Path) -> None:
    words = ["the", "nan", '"', "café", "a b"]
    vectors = np.arange(15, dtype=np.float32).reshape(5, 3) / 7
    write_store(tmp_path / "s.h5", words, vectors, {"source": "x"})
    store = read_store(tmp_path / "s.h5")
    assert store.words == words
    assert store.vectors.tobytes() == vectors.tobytes()
    assert store.index["café"] == 3
    assert store.attrs["source"] == "x" and store.attrs["dim"] == 3 and store.attrs["n_words"] == 5
    with h5py.File(tmp_path / "s.h5") as f:
        assert f["vectors"].chunks is None  # contiguous
        assert f["vectors"].dtype == np.float32
        assert h5py.check_string_dtype(f["words"].dtype).encoding == "utf-8"
        assert f.attrs["format"] == FORMAT


def test_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The write fails at its very end, after the whole store reached the temporary file (the
    rename that would publish it raises, as on a full or vanished file system): the error
    propagates and neither the store nor the temporary file is left."""
    import os

    seen: list[tuple[str, int]] = []

    def failing_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        seen.append((os.fspath(src), os.path.getsize(src)))
        raise OSError(28, "No space left on device (injected by the test)")

    monkeypatch.setattr(os, "replace", failing_replace)
    vectors = np.arange(6000, dtype=np.float32).reshape(2000, 3)
    with pytest.raises(OSError, match="injected by the test"):
        write_store(tmp_path / "s.h5", [f"w{i}" for i in range(2000)], vectors, {"source": "x"})
    assert len(seen) == 1 and seen[0][1] > vectors.nbytes  # the data had reached the temp file
    assert Path(seen[0][0]).parent == tmp_path
    assert list(tmp_path.iterdir()) == []


def test_convert_records_source_digest(tmp_path: Path, tiny_glove: Path) -> None:
    import hashlib

    summary = convert(tiny_glove, tmp_path / "t.h5", threads=2)
    store = read_store(tmp_path / "t.h5")
    assert summary.n_words == len(store) == 3000
    assert store.attrs["source_sha256"] == hashlib.sha256(tiny_glove.read_bytes()).hexdigest()
    assert store.attrs["n_skipped"] == 0


def test_convert_refuses_wrong_pinned_digest(tmp_path: Path, tiny_glove: Path) -> None:
    with pytest.raises(ValueError, match="SHA-256 is .* expected 0000"):
        convert(tiny_glove, tmp_path / "t.h5", expected_sha256="0" * 64)
    assert not (tmp_path / "t.h5").exists()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "embedlab.cli", *args], capture_output=True, text=True, check=False
    )


def test_cli_convert_and_info(tmp_path: Path, tiny_glove: Path) -> None:
    out = run_cli("convert", str(tiny_glove), str(tmp_path / "t.h5"))
    assert out.returncode == 0, out.stderr
    assert "3,000 words x 50" in out.stdout
    info = run_cli("info", str(tmp_path / "t.h5"))
    assert "vectors: float32 (3000, 50)" in info.stdout
    assert "first words: the , . of to" in info.stdout


def test_cli_bad_file_gives_clear_error_and_no_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("a 1 2\nb 1 oops\n")
    out = run_cli("convert", str(bad), str(tmp_path / "b.h5"))
    assert out.returncode == 1
    assert f"{bad}:2: value 2 of 2 is not a number: 'oops'" in out.stderr
    assert not (tmp_path / "b.h5").exists()
    skipped = run_cli("convert", str(bad), str(tmp_path / "b.h5"), "--on-bad-line", "skip")
    assert skipped.returncode == 0 and "; 1 bad line skipped; " in skipped.stdout


def test_cli_does_not_import_tensorflow(tmp_path: Path, tiny_glove: Path) -> None:
    code = (
        "import sys; from embedlab.cli import main; "
        f"main(['convert', {str(tiny_glove)!r}, {str(tmp_path / 't.h5')!r}]); "
        f"main(['info', {str(tmp_path / 't.h5')!r}]); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'torch')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
