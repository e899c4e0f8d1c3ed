"""What `glove.source` means: the bundled vectors, a URL, a local zip, or a local text file.

Kept out of the Snakefile so the rules stay declarative and this decision is unit-tested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from embedlab.acquire import BUNDLED_NAME, KNOWN_DIGESTS, Digest

Kind = Literal["bundled", "url", "zip", "text"]


class ConfigError(ValueError):
    """A configuration value that cannot work; the message names the key and what to set."""


@dataclass(frozen=True)
class GloveSource:
    kind: Kind
    location: str
    names: tuple[str, ...]
    archive: str | None = None
    pinned: Digest = field(default_factory=Digest)

    @property
    def archive_digest(self) -> Digest:
        """The pinned checksum, else the published one for a known archive name."""
        if self.pinned != Digest():
            return self.pinned
        return KNOWN_DIGESTS.get(self.archive or "", Digest())

    def text_digest(self, name: str) -> Digest:
        if self.kind == "text" and self.pinned != Digest():
            return self.pinned
        return KNOWN_DIGESTS.get(f"{name}.txt", Digest())


def parse_checksum(checksum: str | None) -> Digest:
    if not checksum:
        return Digest()
    algo, _, value = checksum.partition(":")
    value = value.strip().lower()
    if algo == "md5" and re.fullmatch(r"[0-9a-f]{32}", value):
        return Digest(md5=value)
    if algo == "sha256" and re.fullmatch(r"[0-9a-f]{64}", value):
        return Digest(sha256=value)
    raise ConfigError(
        f"glove.checksum {checksum!r} is not 'md5:<32 hex digits>' or 'sha256:<64 hex digits>'"
    )


def glove_source(source: str, dims: list[int], checksum: str | None = None) -> GloveSource:
    pinned = parse_checksum(checksum)
    if source == "bundled":
        if list(dims) != [50]:
            raise ConfigError(
                f"glove.source 'bundled' holds only the 50d vectors, but glove.dims is {dims}; set "
                "glove.dims: [50] or point glove.source at glove.6B.zip (URL or local path)."
            )
        if pinned != Digest():
            raise ConfigError("glove.checksum does not apply to 'bundled' (its digest is built in)")
        return GloveSource("bundled", "bundled", (BUNDLED_NAME,))
    parsed = urlparse(source)
    is_url = parsed.scheme in ("http", "https")
    file_name = Path(parsed.path if is_url else source).name
    if not file_name:
        raise ConfigError(f"glove.source {source!r} names no file")
    if file_name.endswith(".zip"):
        stem = file_name[: -len(".zip")]
        if re.search(r"\.\d+d$", stem):  # glove.42B.300d.zip holds just glove.42B.300d.txt
            names: tuple[str, ...] = (stem,)
        else:
            names = tuple(f"{stem}.{d}d" for d in dims)
        return GloveSource("url" if is_url else "zip", source, names, file_name, pinned)
    if is_url:
        raise ConfigError(
            f"glove.source {source!r}: only zip archives are downloaded; download text files "
            "yourself and set glove.source to the local path."
        )
    name = file_name[: -len(".txt")] if file_name.endswith(".txt") else file_name
    return GloveSource("text", source, (name,), None, pinned)
