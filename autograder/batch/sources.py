"""Where submissions come from: a folder, a notebook, a submission zip or a Moodle download.

Everything is read into memory with size limits; nothing is extracted. Members of an archive
whose names try to leave their folder (absolute, `..`, drive letters) are set aside unread.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import UserError
from ..submission import MAX_MEMBER_BYTES, read_member
from .moodle import MoodleName, parse_prefix

MAX_ARCHIVE_MEMBERS = 20000
MAX_ARCHIVE_BYTES = 4 * 1024**3
SUBMISSION_SUFFIXES = (".ipynb", ".zip")
METADATA_PARTS = ("__MACOSX", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db")


@dataclass
class Candidate:
    """One file that may be a submission."""

    origin: str  # where it came from, for messages
    name: str  # its own file name
    data: bytes
    moodle: MoodleName | None = None  # whose, as Moodle wrote it
    folder: str | None = None  # the nearest enclosing folder (not for Moodle files)


@dataclass
class Skipped:
    """A file that is not a submission; listed, and kept aside when `data` is not None."""

    origin: str
    reason: str
    data: bytes | None = None


def candidates(path: Path) -> Iterator[Candidate | Skipped]:
    if path.is_dir():
        yield from _walk(path)
    elif path.is_file():
        if path.suffix.lower() == ".zip" and _is_moodle_archive(path):
            yield from _archive(path)
        else:
            yield _file(path, path.name, path.name, None)
    else:
        raise UserError(f"{path}: no such file or folder")


def _classify(parts: tuple[str, ...]) -> tuple[MoodleName | None, str, str | None]:
    """The Moodle name, the file's own name, and its nearest plain folder.

    Only the first part Moodle could have written counts: a student's own subfolders and file
    names come after it (a student can upload a file named like another participant's prefix,
    and it then sits inside their own folder or after their own prefix)."""
    name = parts[-1]
    for part in parts[:-1]:
        folder = parse_prefix(part)
        if folder is not None and not folder.rest:
            return folder, name, None
    flat = parse_prefix(name)
    if flat is not None and flat.rest:
        return flat, flat.rest, None
    return None, name, parts[-2] if len(parts) > 1 else None


def _file(path: Path, origin: str, rel: str, root: Path | None) -> Candidate | Skipped:
    if path.is_symlink():
        return Skipped(origin, "a symbolic link: not followed")
    parts = PurePosixPath(rel).parts
    if any(p in METADATA_PARTS for p in parts):
        return Skipped(origin, "editor or system metadata, not a submission")
    size = path.stat().st_size
    if size > MAX_MEMBER_BYTES:
        return Skipped(origin, f"larger than {MAX_MEMBER_BYTES // 2**20} MiB: not read")
    moodle, name, folder = _classify(parts)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Skipped(origin, f"cannot be read: {exc.strerror or exc}")
    return Candidate(origin, name, data, moodle, folder)


def _walk(root: Path) -> Iterator[Candidate | Skipped]:
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            yield _file(path, str(path), rel, root)


def _is_moodle_archive(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()[:MAX_ARCHIVE_MEMBERS]
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return any(_classify(PurePosixPath(n).parts)[0] is not None for n in names if n.strip("/"))


def _unsafe(name: str) -> bool:
    posix = name.replace("\\", "/")
    parts = PurePosixPath(posix).parts
    return (posix.startswith("/") or ".." in parts or (len(posix) > 1 and posix[1] == ":")
            or "\x00" in posix)


def _archive(path: Path) -> Iterator[Candidate | Skipped]:
    try:
        archive = zipfile.ZipFile(path)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UserError(f"{path}: broken zip file ({exc})") from None
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise UserError(f"{path}: {len(members)} files, more than {MAX_ARCHIVE_MEMBERS}")
    total = 0
    with archive:
        for member in members:
            origin = f"{path.name}:{member.filename}"
            if member.is_dir():
                continue
            if _unsafe(member.filename):
                yield Skipped(origin, "unsafe path inside the zip (absolute or '..'): not read")
                continue
            parts = PurePosixPath(member.filename.replace("\\", "/")).parts
            if any(p in METADATA_PARTS for p in parts):
                yield Skipped(origin, "editor or system metadata, not a submission")
                continue
            if member.file_size > MAX_MEMBER_BYTES:
                yield Skipped(origin, f"larger than {MAX_MEMBER_BYTES // 2**20} MiB: not read")
                continue
            try:
                data = read_member(archive, member)
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError,
                    NotImplementedError) as exc:
                yield Skipped(origin, f"cannot be read from the zip: {exc}")
                continue
            total += len(data)
            if total > MAX_ARCHIVE_BYTES:
                raise UserError(f"{path}: more than {MAX_ARCHIVE_BYTES // 2**30} GiB unpacked")
            moodle, name, folder = _classify(parts)
            yield Candidate(origin, name, data, moodle, folder)
