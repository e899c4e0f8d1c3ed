"""What `vectors.sources` means: which word-vector stores a run makes, and from what.

Each source is the bundled vectors, a URL, a local zip, or a local vector file (GloVe text,
word2vec/fastText text or binary, optionally gzip-compressed). A zip expands to one store per
member it lists (`dims`); every other source is one store. Store names default to the file name
without its extensions (glove.6B.50d, GoogleNews-vectors-negative300), may be set with `name`,
and must be unique: they name results/vectors/<name>.h5 and every later word-side output.

Kept out of the Snakefile so the rules stay declarative and these decisions are unit-tested.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from embedlab.common.config import ConfigError
from embedlab.common.downloads import Digest
from embedlab.vectors.acquire import KNOWN_DIGESTS
from embedlab.vectors.bundled import BUNDLED_NAME

Kind = Literal["bundled", "url", "zip", "file"]

# extensions dropped from a file's name to make its store name (in this order, from the end)
COMPRESSED = (".gz",)
VECTOR_EXTENSIONS = (".txt", ".vec", ".bin")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


@dataclass(frozen=True)
class VectorSource:
    """One item of `vectors.sources`, resolved.

    kind: `bundled`; `url` (downloaded to resources/vectors/download/<file_name>, then a zip
    is extracted, any other file parsed); `zip` (a local archive, extracted); `file` (a local
    vector file, parsed in place).
    """

    kind: Kind
    location: str
    names: tuple[str, ...]
    file_name: str = ""
    # the members of a zip the stores come from, parallel to `names` (glove.6B.50d.txt)
    member_files: tuple[str, ...] = ()
    is_zip: bool = False
    pinned: Digest = field(default_factory=Digest)
    format: str = "auto"
    limit: int | None = None
    unicode_errors: str = "strict"
    key: str = "vectors.sources[0]"

    # a download's file or a zip archive; empty for bundled and local vector files
    @property
    def archive(self) -> str | None:
        return self.file_name if self.kind == "url" or self.is_zip else None

    @property
    def archive_digest(self) -> Digest:
        """The pinned checksum, else the published one for a known file name."""
        if self.pinned != Digest():
            return self.pinned
        return KNOWN_DIGESTS.get(self.file_name, Digest())

    def member(self, name: str) -> str:
        """The zip member store `name` is extracted from."""
        return self.member_files[self.names.index(name)]

    def text_digest(self, name: str) -> Digest:
        """What the parsed file must be: the bundled file's published digest; a pinned local
        vector file; a known zip member (glove.6B.*d.txt) or local file by its file name."""
        if self.kind == "bundled":
            return KNOWN_DIGESTS[f"{BUNDLED_NAME}.txt"]
        if self.kind == "url" and not self.is_zip:
            return Digest()  # the download itself was checked (pinned or known by file name)
        if self.kind == "file":
            return (
                self.pinned
                if self.pinned != Digest()
                else KNOWN_DIGESTS.get(self.file_name, Digest())
            )
        return KNOWN_DIGESTS.get(self.member(name), Digest())

    def parse_options(self, name: str) -> dict[str, Any]:
        """The values the parse job of store `name` depends on (Snakemake params)."""
        return {
            "source": self.location,
            "format": self.format,
            "limit": self.limit,
            "unicode_errors": self.unicode_errors,
            "digest": _digest_dict(self.text_digest(name)),
        }


def _digest_dict(digest: Digest) -> dict[str, Any]:
    return {"size": digest.size, "md5": digest.md5, "sha256": digest.sha256}


def parse_checksum(checksum: str | None, key: str = "vectors.sources[0].checksum") -> Digest:
    if not checksum:
        return Digest()
    algo, _, value = checksum.partition(":")
    value = value.strip().lower()
    if algo == "md5" and re.fullmatch(r"[0-9a-f]{32}", value):
        return Digest(md5=value)
    if algo == "sha256" and re.fullmatch(r"[0-9a-f]{64}", value):
        return Digest(sha256=value)
    raise ConfigError(
        f"{key} {checksum!r} is not 'md5:<32 hex digits>' or 'sha256:<64 hex digits>'"
    )


def default_name(file_name: str) -> str:
    """glove.6B.50d.txt -> glove.6B.50d; GoogleNews-vectors-negative300.bin.gz ->
    GoogleNews-vectors-negative300; wiki.en.vec -> wiki.en."""
    name = file_name
    for ext in COMPRESSED:
        if name.endswith(ext):
            name = name[: -len(ext)]
    for ext in VECTOR_EXTENSIONS:
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    return name


def vector_source(
    source: str,
    dims: Sequence[int] = (50,),
    checksum: str | None = None,
    name: str | None = None,
    format: str = "auto",
    limit: int | None = None,
    unicode_errors: str = "strict",
    key: str = "vectors.sources[0]",
) -> VectorSource:
    """One `vectors.sources` item resolved; ConfigError naming `key` when it cannot work."""
    if name is not None and not name.strip():
        raise ConfigError(
            f"{key}.name = {name!r}: must not be empty; give a store name, or null (leave it out)"
            " for the file name's"
        )
    pinned = parse_checksum(checksum, f"{key}.checksum")
    options: dict[str, Any] = {
        "format": format,
        "limit": limit,
        "unicode_errors": unicode_errors,
        "key": key,
    }
    if source == "bundled":
        if list(dims) != [50]:
            raise ConfigError(
                f"{key}.source 'bundled' holds only the 50d vectors, but {key}.dims is "
                f"{list(dims)}; set {key}.dims: [50] or point {key}.source at glove.6B.zip "
                "(URL or local path)."
            )
        if pinned != Digest():
            raise ConfigError(
                f"{key}.checksum does not apply to 'bundled' (its digest is built in)"
            )
        return VectorSource("bundled", "bundled", (name or BUNDLED_NAME,), **options)
    parsed = urlparse(source)
    is_url = parsed.scheme in ("http", "https")
    if parsed.scheme and not is_url and len(parsed.scheme) > 1:  # 'C:' is a drive, not a scheme
        raise ConfigError(
            f"{key}.source {source!r}: only http(s) URLs are downloaded; fetch the file yourself "
            "and give its local path."
        )
    file_name = Path(parsed.path if is_url else source).name
    if not file_name:
        raise ConfigError(f"{key}.source {source!r} names no file")
    kind: Kind = "url" if is_url else "file"
    if file_name.endswith(".zip"):
        stem = file_name[: -len(".zip")]
        if re.search(r"\.\d+d$", stem):  # glove.42B.300d.zip holds just glove.42B.300d.txt
            names: tuple[str, ...] = (stem,)
        else:
            names = tuple(f"{stem}.{d}d" for d in dims)
        members = tuple(f"{n}.txt" for n in names)
        if name is not None:
            if len(names) > 1:
                raise ConfigError(
                    f"{key}.name {name!r}: the zip expands to {len(names)} stores "
                    f"({', '.join(names)}), named after its members; remove {key}.name, or "
                    f"list one size in {key}.dims."
                )
            names = (name,)
        return VectorSource(
            "url" if is_url else "zip", source, names, file_name, members, True, pinned, **options
        )
    return VectorSource(
        kind, source, (name or default_name(file_name),), file_name, (), False, pinned, **options
    )


@dataclass(frozen=True)
class VectorSet:
    """Every store of the run, in config order, with the source each comes from."""

    sources: tuple[VectorSource, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for s in self.sources for n in s.names)

    def of(self, name: str) -> VectorSource:
        for source in self.sources:
            if name in source.names:
                return source
        raise KeyError(name)

    @property
    def downloads(self) -> dict[str, VectorSource]:
        """resources/vectors/download/<file name> -> its URL source."""
        return {s.file_name: s for s in self.sources if s.kind == "url"}

    @property
    def members(self) -> tuple[str, ...]:
        """Stores extracted from a zip (resources/vectors/<name>.txt)."""
        return tuple(n for s in self.sources if s.is_zip for n in s.names)


def vector_set(items: Sequence[Mapping[str, Any]]) -> VectorSet:
    """`vectors.sources` (defaults filled in by the schema) resolved; ConfigError on a store
    name that is invalid or used twice, or two downloads of the same file name."""
    sources = []
    for i, item in enumerate(items):
        key = f"vectors.sources[{i}]"
        sources.append(
            vector_source(
                item["source"],
                item.get("dims", [50]),
                item.get("checksum"),
                item.get("name"),
                item.get("format", "auto"),
                item.get("limit"),
                item.get("unicode_errors", "strict"),
                key,
            )
        )
    seen: dict[str, str] = {}
    files: dict[str, str] = {}
    for source in sources:
        for name in source.names:
            if not NAME_PATTERN.fullmatch(name):
                raise ConfigError(
                    f"{source.key}: store name {name!r} is not a plain file name (letters, "
                    f"digits, '.', '_', '+', '-'); set {source.key}.name."
                )
            if name in seen:
                raise ConfigError(
                    f"{source.key}: store name {name!r} is also the name of {seen[name]}; "
                    f"set a different {source.key}.name (results/vectors/<name>.h5)."
                )
            seen[name] = source.key
        if source.kind == "bundled" and source.names[0] != BUNDLED_NAME:
            seen.setdefault(BUNDLED_NAME, source.key)  # its text is resources/vectors/<that>.txt
        if source.kind == "url":
            if source.file_name in files:
                raise ConfigError(
                    f"{source.key}.source: {source.file_name!r} is also downloaded by "
                    f"{files[source.file_name]}; give each source once."
                )
            files[source.file_name] = source.key
    return VectorSet(tuple(sources))
