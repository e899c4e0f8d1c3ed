"""What glove.source means."""

from __future__ import annotations

import pytest

from embedlab.acquire import Digest
from embedlab.sources import ConfigError, glove_source, parse_checksum


def test_bundled() -> None:
    src = glove_source("bundled", [50])
    assert (src.kind, src.names) == ("bundled", ("glove.6B.50d",))
    # the published figures of Stanford's glove.6B.50d.txt (its size and SHA-256)
    assert src.text_digest("glove.6B.50d") == Digest(
        size=171_350_079,
        sha256="d8f717f8dd4b545cb7f418ef9f3d0c3e6e68a6f48b97d32f8b7aae40cb31f96f",
    )


def test_bundled_has_only_50d() -> None:
    with pytest.raises(ConfigError, match=r"only the 50d.*glove.6B.zip"):
        glove_source("bundled", [100])


def test_url_zip_members_by_dims() -> None:
    src = glove_source("https://nlp.stanford.edu/data/glove.6B.zip", [50, 300])
    assert src.kind == "url"
    assert src.names == ("glove.6B.50d", "glove.6B.300d")
    assert src.archive_digest == Digest(size=862_182_613, md5="056ea991adb4740ac6bf1b6d9b50408b")


def test_single_member_archive_and_local_zip() -> None:
    src = glove_source("/data/glove.42B.300d.zip", [50])
    assert (src.kind, src.names, src.archive_digest) == ("zip", ("glove.42B.300d",), Digest())


def test_text_file_with_pinned_checksum() -> None:
    src = glove_source("vectors/my.glove.txt", [50], "sha256:" + "a" * 64)
    assert (src.kind, src.names) == ("text", ("my.glove",))
    assert src.text_digest("my.glove") == Digest(sha256="a" * 64)


def test_pinned_checksum_overrides_published() -> None:
    src = glove_source("https://example.org/glove.6B.zip", [50], "md5:" + "b" * 32)
    assert src.archive_digest == Digest(md5="b" * 32)


@pytest.mark.parametrize("bad", ["md5:xyz", "sha1:" + "a" * 40, "a" * 64])
def test_bad_checksum_strings(bad: str) -> None:
    with pytest.raises(ConfigError, match="glove.checksum"):
        parse_checksum(bad)


def test_text_urls_are_refused() -> None:
    with pytest.raises(ConfigError, match="only zip archives are downloaded"):
        glove_source("https://example.org/glove.txt", [50])
