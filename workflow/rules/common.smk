# Shared helpers: config validation and the mapping from config to file names.
# The decisions themselves live in the tested package (src/embedlab/sources.py).

import re
from pathlib import Path

from snakemake.utils import validate

from embedlab.sources import ConfigError, glove_source

validate(config, schema="../schemas/config.schema.yaml", set_default=True)

try:
    GLOVE = glove_source(
        config["glove"]["source"], config["glove"]["dims"], config["glove"]["checksum"]
    )
except ConfigError as error:
    raise ValueError(f"Invalid configuration: {error}") from None


def glove_text(wildcards):
    """The GloVe text file a store is parsed from."""
    if GLOVE.kind == "text":
        return GLOVE.location
    return f"resources/glove/{wildcards.name}.txt"


def glove_archive():
    """The zip archive members are extracted from: downloaded, or the user's local file."""
    if GLOVE.kind == "url":
        return f"resources/glove/{GLOVE.archive}"
    return GLOVE.location


def digest_param(digest):
    """A Digest as a plain dict, so that Snakemake params (and reruns) see its values."""
    return {"size": digest.size, "md5": digest.md5, "sha256": digest.sha256}


def glove_stores():
    return expand("results/glove/{name}.h5", name=GLOVE.names)


def all_outputs():
    return glove_stores()
