"""Downloads against a real HTTP server on 127.0.0.1, zip extraction and digest checks."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from embedlab.common.downloads import AcquisitionError, Digest, download, file_digests, verify
from embedlab.vectors.acquire import KNOWN_DIGESTS, extract
from tests.httpserver import FileServer, Served

BODY = bytes(range(256)) * 4096 + b"tail"  # ~1 MiB, not a multiple of the read size


def digest_of(body: bytes) -> Digest:
    return Digest(size=len(body), md5=hashlib.md5(body).hexdigest())


def test_download_checks_and_renames(tmp_path: Path) -> None:
    with FileServer() as server:
        server.files["/a.zip"] = Served(BODY)
        out = download(server.url("/a.zip"), tmp_path / "a.zip", digest_of(BODY), backoff=0)
    assert out.read_bytes() == BODY
    assert not (tmp_path / "a.zip.part").exists()


def test_dropped_connection_resumes_with_range(tmp_path: Path) -> None:
    with FileServer() as server:
        served = Served(BODY, drop_after=300_000, drops_left=2)
        server.files["/a.zip"] = served
        download(server.url("/a.zip"), tmp_path / "a.zip", digest_of(BODY), retries=3, backoff=0)
    assert (tmp_path / "a.zip").read_bytes() == BODY
    assert served.ranges_seen == [None, "bytes=300000-", "bytes=600000-"]


def test_server_ignoring_range_restarts_cleanly(tmp_path: Path) -> None:
    with FileServer() as server:
        server.files["/a.zip"] = Served(BODY, drop_after=1000, drops_left=1, honour_range=False)
        download(server.url("/a.zip"), tmp_path / "a.zip", digest_of(BODY), backoff=0)
    assert (tmp_path / "a.zip").read_bytes() == BODY


def test_rerun_resumes_a_partial_file_left_by_an_earlier_run(tmp_path: Path) -> None:
    with FileServer() as server:
        served = Served(BODY, drop_after=500_000, drops_left=10)
        server.files["/a.zip"] = served
        with pytest.raises(AcquisitionError, match=r"failed 2 times.*a\.zip\.part is kept"):
            download(
                server.url("/a.zip"), tmp_path / "a.zip", digest_of(BODY), retries=1, backoff=0
            )
        assert not (tmp_path / "a.zip").exists()
        assert (tmp_path / "a.zip.part").stat().st_size == 1_000_000
        served.drops_left = 0  # the network is back
        download(server.url("/a.zip"), tmp_path / "a.zip", digest_of(BODY), backoff=0)
    assert (tmp_path / "a.zip").read_bytes() == BODY
    assert served.ranges_seen[-1] == "bytes=1000000-"


def test_wrong_checksum_names_both_digests_and_leaves_nothing(tmp_path: Path) -> None:
    wrong = Digest(size=len(BODY), md5="0" * 32)
    with FileServer() as server:
        server.files["/a.zip"] = Served(BODY)
        url = server.url("/a.zip")
        with pytest.raises(AcquisitionError) as info:
            download(url, tmp_path / "a.zip", wrong, backoff=0)
    message = str(info.value)
    assert "0" * 32 in message and hashlib.md5(BODY).hexdigest() in message
    assert url in message and "vectors.sources[].source" in message
    assert list(tmp_path.iterdir()) == []


def test_size_announced_by_server_must_match(tmp_path: Path) -> None:
    with FileServer() as server:
        server.files["/a.zip"] = Served(BODY[:-10])
        with pytest.raises(AcquisitionError, match=f"announces {len(BODY) - 10:,} bytes, expected"):
            download(server.url("/a.zip"), tmp_path / "a.zip", digest_of(BODY), backoff=0)
    assert not (tmp_path / "a.zip").exists()


def test_404_is_reported_with_advice(tmp_path: Path) -> None:
    with (
        FileServer() as server,
        pytest.raises(AcquisitionError, match=r"HTTP 404.*vectors.sources\[\].source to the local"),
    ):
        download(server.url("/nothing.zip"), tmp_path / "a.zip", backoff=0)
    assert not (tmp_path / "a.zip").exists()


def test_unreachable_url_fails_after_retries(tmp_path: Path) -> None:
    with FileServer() as server:
        url = server.url("/a.zip")
    with pytest.raises(AcquisitionError, match="failed 2 times"):  # server is gone: refused
        download(url, tmp_path / "a.zip", retries=1, backoff=0, timeout=5)


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(f"sub/{name}", data)
    return path


def test_extract_member(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "glove.x.zip", {"glove.x.50d.txt": b"a 1 2\n", "other.txt": b""})
    out = extract(archive, "glove.x.50d.txt", tmp_path / "out" / "glove.x.50d.txt")
    assert out.read_bytes() == b"a 1 2\n"


def test_extract_checks_published_member_digest(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "glove.6B.zip", {"glove.6B.50d.txt": b"the 1 2\n"})
    with pytest.raises(AcquisitionError, match="glove.6B.50d.txt.*171,350,079"):
        extract(archive, "glove.6B.50d.txt", tmp_path / "glove.6B.50d.txt")
    assert not (tmp_path / "glove.6B.50d.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["glove.6B.zip"]


def test_extract_missing_member_and_bad_zip(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "glove.x.zip", {"glove.x.50d.txt": b"a 1 2\n"})
    with pytest.raises(AcquisitionError, match=r"no member glove.x.100d.txt.*sources\[\].dims"):
        extract(archive, "glove.x.100d.txt", tmp_path / "glove.x.100d.txt")
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(AcquisitionError, match="not a valid zip archive"):
        extract(bad, "glove.x.50d.txt", tmp_path / "o.txt")


def test_verify_and_file_digests(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    sha = hashlib.sha256(b"abc").hexdigest()
    assert file_digests(path, ["sha256"]) == {"sha256": sha}
    assert verify(path, Digest(size=3, sha256=sha), "x", "y") == {"sha256": sha}
    with pytest.raises(AcquisitionError, match="has 3 bytes, expected 4"):
        verify(path, Digest(size=4), "x", "y")


def test_known_digests_are_the_published_ones() -> None:
    """The digests downloads and extractions are checked against, written out independently:
    Stanford's glove.6B.zip (size, MD5) and the SHA-256 of its members."""
    published = {
        "glove.6B.zip": Digest(size=862_182_613, md5="056ea991adb4740ac6bf1b6d9b50408b"),
        "glove.6B.50d.txt": Digest(
            size=171_350_079,
            sha256="d8f717f8dd4b545cb7f418ef9f3d0c3e6e68a6f48b97d32f8b7aae40cb31f96f",
        ),
        "glove.6B.100d.txt": Digest(
            size=347_116_733,
            sha256="95dde4dfd627ab26608d33e76d1195ec059734bd29089ea52cadb08d07c64544",
        ),
        "glove.6B.300d.txt": Digest(
            size=1_037_962_819,
            sha256="91125602f730fea7ca768736c6f442e668b49db095682bf2aad375db061c21ed",
        ),
    }
    assert published == KNOWN_DIGESTS
