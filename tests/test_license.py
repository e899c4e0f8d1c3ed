"""The LICENSE file is the licence pyproject.toml declares, and the built package carries it."""

from __future__ import annotations

import tomllib
from importlib.metadata import metadata

from tests.helpers import ROOT

# the operative sentences of the MIT licence (https://opensource.org/license/mit)
MIT = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy",
    'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND',
)


def test_license_file_matches_the_declared_licence() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = " ".join((ROOT / "LICENSE").read_text().split())
    assert text.startswith("MIT License")
    for sentence in MIT:
        assert sentence in text


def test_installed_package_declares_it() -> None:
    meta = metadata("embedlab")
    assert meta["License-Expression"] == "MIT"
    assert "LICENSE" in (meta.get_all("License-File") or [])
