"""Hashes and names of the files in a backup folder."""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from .errors import BackupError

CHUNK = 2**20


def stream_sha256(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return stream_sha256(stream)


def safe_name(name: str) -> str:
    """A relative name inside the backup folder, or BackupError."""
    if not isinstance(name, str) or not name or "\\" in name:
        raise BackupError(f"The manifest names {name!r}: not a file of a backup.")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"The manifest names {name!r}: not a file of a backup.")
    return name
