"""A submission as the grader receives it: a notebook, or a zip made by `autograder submit`.

Zips are untrusted: member sizes and counts are checked before reading, nothing is extracted to
disk, and only the notebook and the manifest are read.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .notebook import InvalidNotebook, read_bytes

MAX_ZIP_MEMBERS = 200
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MANIFEST = "manifest.json"
# a student id as `autograder submit` accepts it and collect keeps it as a folder name
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


@dataclass
class Submission:
    """The notebook's bytes (taken out of a zip if it came in one) and the zip's manifest."""

    path: Path
    notebook: bytes
    manifest: dict = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.notebook).hexdigest()


def load_submission(path: Path) -> Submission:
    """Read a submission; a file that is neither a notebook nor a usable zip is InvalidNotebook."""
    return parse_submission(read_bytes(path), path)


def parse_submission(data: bytes, path: Path) -> Submission:
    """A submission from bytes already read (`path` names it in messages)."""
    if not data.startswith(b"PK\x03\x04"):
        return Submission(path, data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidNotebook(f"{path}: broken zip file ({exc})") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise InvalidNotebook(f"{path}: zip has {len(members)} files, more than {MAX_ZIP_MEMBERS}")
    notebooks = [m for m in members if m.filename.endswith(".ipynb")
                 and "/." not in "/" + m.filename and "__MACOSX" not in m.filename]
    if len(notebooks) != 1:
        raise InvalidNotebook(f"{path}: zip must hold exactly one .ipynb notebook, "
                              f"found {len(notebooks)}")
    manifest: dict = {}
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES:
            raise InvalidNotebook(f"{path}: {member.filename} is larger than "
                                  f"{MAX_MEMBER_BYTES // 2**20} MiB")
    try:
        notebook = read_member(archive, notebooks[0])
        if MANIFEST in archive.namelist():
            loaded = json.loads(read_member(archive, archive.getinfo(MANIFEST)))
            manifest = loaded if isinstance(loaded, dict) else {}
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as exc:
        raise InvalidNotebook(f"{path}: broken zip file ({exc})") from None
    return Submission(path, notebook, manifest)


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """A zip member's bytes, reading at most MAX_MEMBER_BYTES whatever its header claims."""
    with archive.open(member) as handle:
        data = handle.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise ValueError(f"{member.filename} is larger than its zip header says")
    return data
