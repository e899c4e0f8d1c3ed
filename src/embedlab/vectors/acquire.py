"""Getting word-vector files: the published sources and their digests, and zip extraction
(the downloads themselves: embedlab.common.downloads; the bundled vectors: bundled.py).
"""

from __future__ import annotations

import logging
import os
import zipfile
from pathlib import Path

from tqdm import tqdm

from embedlab.common.atomic import atomic_output
from embedlab.common.downloads import CHUNK, AcquisitionError, Digest, verify

log = logging.getLogger(__name__)

DEFAULT_URL = "https://nlp.stanford.edu/data/glove.6B.zip"


# glove.6B.zip (nlp.stanford.edu/projects/glove): `md5sum glove.6B.zip`, `sha256sum glove.6B.*d.txt`
KNOWN_DIGESTS: dict[str, Digest] = {
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


def zip_member(archive: str | os.PathLike[str], name: str) -> str:
    """The member of `archive` that holds text file `name` (``glove.6B.50d.txt``)."""
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
    for member in names:
        if Path(member).name == name:
            return member
    raise AcquisitionError(
        f"{archive} has no member {name}; it holds {', '.join(names[:10])}. "
        "Check vectors.sources[].dims."
    )


def extract(
    archive: str | os.PathLike[str], member_name: str, dest: str | os.PathLike[str]
) -> Path:
    """Extract one member to `dest`, checked against its known digest where one is known."""
    dest = Path(dest)
    try:
        member = zip_member(archive, member_name)
    except zipfile.BadZipFile as e:
        raise AcquisitionError(
            f"{archive} is not a valid zip archive ({e}); delete it and rerun to download it again."
        ) from e
    with atomic_output(dest) as tmp, zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(member)
        with (
            zf.open(member) as src,
            open(tmp, "wb") as out,
            tqdm(total=info.file_size, unit="B", unit_scale=True, desc=member_name) as bar,
        ):
            while block := src.read(CHUNK):
                out.write(block)
                bar.update(len(block))
        expected = KNOWN_DIGESTS.get(member_name, Digest())
        digests = verify(
            tmp,
            expected,
            f"extracting {member_name} from {archive}",
            "The archive is not the published one: delete it and download it again.",
            also=("sha256",),
        )
        log.info(
            "%s: sha256 %s (%s)",
            member_name,
            digests.get("sha256", "-"),
            "checked" if expected.sha256 else "no published digest to check against",
        )
    return dest
