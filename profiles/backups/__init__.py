"""Backups of the database and the document store, and their restore.

A backup is a folder: the database (pg_dump's custom format, or a copy of the
SQLite file), every document of the document store under documents/, and
manifest.json with the SHA-256 of each file, written last, so a folder without
it is an interrupted backup. A restore checks every hash before it changes
anything, loads into an empty database and document store only, and reads each
document back to check it again.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from django.db import connections

from profiles.storage import documents

from .database import dump_database, has_tables, load_database
from .errors import BackupError
from .files import file_sha256, safe_name
from .store import copy_documents_in, copy_documents_out, storage_conflicts

MANIFEST = "manifest.json"
FORMAT = 1

__all__ = ("BackupError", "backup_create", "backup_restore")


def backup_create(*, directory: Path, database: str = "default") -> dict:
    """Write a backup of the database and the document store into `directory`."""
    if directory.exists() and not directory.is_dir():
        raise BackupError(f"{directory} is a file: back up into a new folder.")
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: back up into a new folder.")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    connection = connections[database]
    # The database first: documents are never changed once stored, so every
    # document the dump names is in the store when they are copied after it.
    dump = dump_database(directory, connection=connection)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {
            "vendor": connection.vendor,
            "file": dump.name,
            "sha256": file_sha256(dump),
        },
        "documents": copy_documents_out(documents, directory / "documents"),
    }
    partial = directory / f"{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    os.replace(partial, directory / MANIFEST)
    return manifest


def backup_restore(*, directory: Path, database: str = "default") -> dict:
    """Restore a backup into an empty database and document store."""
    manifest = read_manifest(directory)
    check_backup_files(directory, manifest)
    connection = connections[database]
    if manifest["database"]["vendor"] != connection.vendor:
        raise BackupError(
            f"The backup is of a {manifest['database']['vendor']} database; "
            f"the configured one is {connection.vendor}."
        )
    if has_tables(connection):
        raise BackupError(
            "The database already has tables: restore into a new, empty database "
            "(e.g. createdb) named by DATABASE_URL."
        )
    conflicts = storage_conflicts(documents, manifest)
    if conflicts:
        raise BackupError(
            "The document store already holds other files under these names: "
            f"{', '.join(conflicts[:5])}. Restore into an empty folder or bucket."
        )
    load_database(directory / manifest["database"]["file"], connection=connection)
    copy_documents_in(directory / "documents", documents, manifest["documents"])
    return manifest


def read_manifest(directory: Path) -> dict:
    """The backup's manifest, its names checked."""
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(
            f"{path} is missing: not a backup, or one that did not finish."
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{path} cannot be read: {error}") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("database"), dict)
        or not isinstance(manifest.get("documents"), dict)
    ):
        raise BackupError(f"{path} is not a manifest of format {FORMAT}.")
    names = [manifest["database"]["file"], *manifest["documents"]]
    for name in names:
        safe_name(name)
    return manifest


def check_backup_files(directory: Path, manifest: dict) -> None:
    """Every file of the backup has the hash its manifest records."""
    expected = {
        manifest["database"]["file"]: manifest["database"]["sha256"],
        **{
            f"documents/{name}": digest
            for name, digest in manifest["documents"].items()
        },
    }
    damaged = [
        name
        for name, digest in expected.items()
        if not (directory / name).is_file() or file_sha256(directory / name) != digest
    ]
    if damaged:
        raise BackupError(
            f"{len(damaged)} file(s) of the backup are missing or differ from the "
            f"manifest, e.g. {', '.join(damaged[:5])}. Nothing was restored."
        )
