"""The document store's part of a backup: every file, through the storage API.

The same code copies a filesystem folder and an S3 bucket (STORAGES["documents"]).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage

from .errors import BackupError
from .files import CHUNK, file_sha256, stream_sha256


def stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in the storage, folders walked."""
    folders, files = storage.listdir(folder)
    prefix = f"{folder.rstrip('/')}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for name in sorted(folders):
        yield from stored_names(storage, prefix + name)


def copy_documents_out(storage: Storage, target: Path) -> dict[str, str]:
    """Copy every stored document under `target`; returns name -> SHA-256."""
    hashes = {}
    try:
        names = list(stored_names(storage))
    except FileNotFoundError:
        # A filesystem store whose folder nothing was stored in yet.
        names = []
    for name in names:
        path = target / name
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with storage.open(name, "rb") as source, path.open("xb") as copy:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                copy.write(chunk)
        path.chmod(0o600)
        hashes[name] = file_sha256(path)
    return hashes


def storage_conflicts(storage: Storage, manifest: dict) -> list[str]:
    """Names the storage already holds with other content than the backup's."""
    return [
        name
        for name, digest in manifest["documents"].items()
        if storage.exists(name) and stored_sha256(storage, name) != digest
    ]


def copy_documents_in(source: Path, storage: Storage, hashes: dict[str, str]) -> None:
    """Store each document under its own name and check what was stored."""
    for name, digest in hashes.items():
        if not storage.exists(name):
            with (source / name).open("rb") as stream:
                saved = storage.save(name, File(stream, name=name))
            if saved != name:
                raise BackupError(f"The document store saved {name} as {saved}.")
        if stored_sha256(storage, name) != digest:
            raise BackupError(f"{name} reads back from the document store changed.")


def stored_sha256(storage: Storage, name: str) -> str:
    with storage.open(name, "rb") as stream:
        return stream_sha256(stream)
