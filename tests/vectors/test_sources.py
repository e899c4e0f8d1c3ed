"""What vectors.sources means: the stores of a run, their names, and where each comes from."""

from __future__ import annotations

import pytest

from embedlab.common.config import ConfigError, check_config, load_schema, reject_old_keys
from embedlab.common.downloads import Digest
from embedlab.vectors.sources import (
    default_name,
    parse_checksum,
    vector_set,
    vector_source,
)
from tests.helpers import ROOT

SCHEMA = load_schema(ROOT / "workflow/schemas/config.schema.yaml")


def test_bundled() -> None:
    src = vector_source("bundled", [50])
    assert (src.kind, src.names) == ("bundled", ("glove.6B.50d",))
    # the published figures of Stanford's glove.6B.50d.txt (its size and SHA-256)
    assert src.text_digest("glove.6B.50d") == Digest(
        size=171_350_079,
        sha256="d8f717f8dd4b545cb7f418ef9f3d0c3e6e68a6f48b97d32f8b7aae40cb31f96f",
    )


def test_bundled_has_only_50d() -> None:
    with pytest.raises(ConfigError, match=r"only the 50d.*glove.6B.zip"):
        vector_source("bundled", [100])


def test_url_zip_members_by_dims() -> None:
    src = vector_source("https://nlp.stanford.edu/data/glove.6B.zip", [50, 300])
    assert (src.kind, src.is_zip) == ("url", True)
    assert src.names == ("glove.6B.50d", "glove.6B.300d")
    assert src.member("glove.6B.300d") == "glove.6B.300d.txt"
    assert src.archive_digest == Digest(size=862_182_613, md5="056ea991adb4740ac6bf1b6d9b50408b")
    # members are checked against their published digests
    assert src.text_digest("glove.6B.300d").sha256 == (
        "91125602f730fea7ca768736c6f442e668b49db095682bf2aad375db061c21ed"
    )


def test_single_member_archive_and_local_zip() -> None:
    src = vector_source("/data/glove.42B.300d.zip", [50])
    assert (src.kind, src.names, src.archive_digest) == ("zip", ("glove.42B.300d",), Digest())


def test_text_file_with_pinned_checksum() -> None:
    src = vector_source("vectors/my.glove.txt", [50], "sha256:" + "a" * 64)
    assert (src.kind, src.names) == ("file", ("my.glove",))
    assert src.text_digest("my.glove") == Digest(sha256="a" * 64)
    assert src.parse_options("my.glove")["digest"]["sha256"] == "a" * 64


def test_pinned_checksum_overrides_published() -> None:
    src = vector_source("https://example.org/glove.6B.zip", [50], "md5:" + "b" * 32)
    assert src.archive_digest == Digest(md5="b" * 32)


@pytest.mark.parametrize("bad", ["md5:xyz", "sha1:" + "a" * 40, "a" * 64])
def test_bad_checksum_strings(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"vectors.sources\[2\].checksum"):
        parse_checksum(bad, "vectors.sources[2].checksum")


@pytest.mark.parametrize(
    ("file_name", "name"),
    [
        ("glove.6B.50d.txt", "glove.6B.50d"),
        ("GoogleNews-vectors-negative300.bin.gz", "GoogleNews-vectors-negative300"),
        ("GoogleNews-vectors-negative300.bin", "GoogleNews-vectors-negative300"),
        ("wiki.en.vec", "wiki.en"),
        ("crawl-300d-2M.vec.gz", "crawl-300d-2M"),
        ("glove.840B.300d.txt.gz", "glove.840B.300d"),
        ("vectors", "vectors"),
    ],
)
def test_default_store_names(file_name: str, name: str) -> None:
    assert default_name(file_name) == name
    assert vector_source(f"/data/{file_name}").names == (name,)


def test_downloaded_vector_files_are_parsed_not_extracted() -> None:
    url = "https://dl.fbaipublicfiles.com/fasttext/vectors-english/crawl-300d-2M.vec.zip"
    assert vector_source(url).is_zip  # fastText ships zips too: extracted like GloVe's
    src = vector_source("https://example.org/GoogleNews-vectors-negative300.bin.gz")
    assert (src.kind, src.is_zip, src.file_name) == (
        "url",
        False,
        "GoogleNews-vectors-negative300.bin.gz",
    )
    assert src.names == ("GoogleNews-vectors-negative300",)


def test_other_schemes_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"vectors.sources\[0\].source 'ftp://.*only http"):
        vector_source("ftp://example.org/glove.txt")


def test_name_overrides_and_reader_options_reach_the_parse_job() -> None:
    src = vector_source(
        "/data/w.bin", name="w2v", format="word2vec-binary", limit=1000, unicode_errors="ignore"
    )
    assert src.names == ("w2v",)
    assert src.parse_options("w2v") == {
        "source": "/data/w.bin",
        "format": "word2vec-binary",
        "limit": 1000,
        "unicode_errors": "ignore",
        "digest": {"size": None, "md5": None, "sha256": None},
    }


@pytest.mark.parametrize("source", ["/data/w.bin", "bundled", "/data/glove.6B.zip"])
def test_an_empty_name_is_a_config_error_not_the_default(source: str) -> None:
    """`name: ''` is not `name: null`: it names no store, so the run stops and says so."""
    with pytest.raises(ConfigError, match=r"^vectors.sources\[0\].name = '': must not be empty"):
        vector_source(source, name="")


def test_a_name_cannot_stand_for_several_zip_members() -> None:
    with pytest.raises(ConfigError, match=r"sources\[0\].name 'g': the zip expands to 2 stores"):
        vector_source("/data/glove.6B.zip", [50, 300], name="g")
    assert vector_source("/data/glove.6B.zip", [300], name="g").member("g") == "glove.6B.300d.txt"


def sources(*items: dict[str, object]) -> list[dict[str, object]]:
    """`vectors.sources` as the schema checks it, defaults filled in."""
    return check_config({"vectors": {"sources": list(items)}}, SCHEMA)["vectors"]["sources"]


def test_schema_fills_defaults_inside_list_items() -> None:
    items = sources({"source": "a.txt"}, {"source": "b.vec", "format": "word2vec-text"})
    assert items[0] == {
        "source": "a.txt",
        "name": None,
        "format": "auto",
        "dims": [50],
        "checksum": None,
        "limit": None,
        "unicode_errors": "strict",
    }
    assert items[1]["format"] == "word2vec-text"
    assert check_config({}, SCHEMA)["vectors"]["sources"] == [{**items[0], "source": "bundled"}]


def test_several_sources_in_config_order() -> None:
    stores = vector_set(
        sources(
            {"source": "bundled"},
            {"source": "https://nlp.stanford.edu/data/glove.6B.zip", "dims": [100, 300]},
            {"source": "/data/GoogleNews-vectors-negative300.bin.gz", "limit": 500000},
            {"source": "/data/wiki.en.vec", "name": "fasttext"},
        )
    )
    assert stores.names == (
        "glove.6B.50d",
        "glove.6B.100d",
        "glove.6B.300d",
        "GoogleNews-vectors-negative300",
        "fasttext",
    )
    assert stores.members == ("glove.6B.100d", "glove.6B.300d")
    assert list(stores.downloads) == ["glove.6B.zip"]
    assert stores.of("glove.6B.300d").kind == "url"
    assert stores.of("GoogleNews-vectors-negative300").limit == 500000
    assert stores.of("fasttext").location == "/data/wiki.en.vec"


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            [{"source": "a/glove.6B.50d.txt"}, {"source": "bundled"}],
            r"sources\[1\]: store name 'glove.6B.50d' is also the name of vectors.sources\[0\]; "
            r"set a different vectors.sources\[1\].name",
        ),
        (
            [{"source": "a/x.txt"}, {"source": "b/x.vec"}],
            r"sources\[1\]: store name 'x' is also the name of vectors.sources\[0\]",
        ),
        (
            [{"source": "a/x.txt", "name": "y"}, {"source": "b/y.txt"}],
            r"store name 'y' is also",
        ),
        (
            [{"source": "a/x.txt", "name": "../y"}],
            r"sources\[0\]: store name '../y' is not a plain file name",
        ),
        (  # the bundled text keeps its name however the store is called
            [{"source": "bundled", "name": "b"}, {"source": "/d/glove.6B.zip"}],
            r"sources\[1\]: store name 'glove.6B.50d' is also the name of vectors.sources\[0\]",
        ),
        (
            [{"source": "http://a/v.bin", "name": "a"}, {"source": "https://b/v.bin", "name": "b"}],
            r"sources\[1\].source: 'v.bin' is also downloaded by vectors.sources\[0\]",
        ),
    ],
)
def test_store_names_must_be_unique_and_plain(items: list[dict[str, object]], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        vector_set(sources(*items))


def test_old_glove_section_stops_with_one_line_naming_vectors() -> None:
    reject_old_keys({"vectors": {}})  # the new section passes
    with pytest.raises(ConfigError) as info:
        reject_old_keys({"glove": {"source": "bundled"}})
    message = str(info.value)
    assert "\n" not in message and "`glove:` section is now `vectors:`" in message
