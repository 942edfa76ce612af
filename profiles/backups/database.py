"""The database's part of a backup: pg_dump's custom format, or SQLite's copy.

PostgreSQL is dumped and restored by its own tools (pg_dump and pg_restore,
which must be at least the server's version), without owners or privileges, so
the restore works under another role. SQLite is copied with its backup API,
which reads a consistent snapshot while the portal keeps writing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from .errors import BackupError

DUMP_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


def dump_database(directory: Path, *, connection) -> Path:
    """Write the database into `directory`; returns the file written."""
    target = directory / dump_file(connection)
    if connection.vendor == "postgresql":
        run_postgres_tool(
            "pg_dump", "--format=custom", f"--file={target}", connection=connection
        )
    else:
        copy_sqlite(connection.settings_dict["NAME"], target)
    return target


def load_database(dump: Path, *, connection) -> None:
    """Load a dump into the (empty) database of `connection`."""
    if connection.vendor == "postgresql":
        run_postgres_tool(
            "pg_restore",
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
            connection=connection,
        )
    else:
        connection.close()
        copy_sqlite(dump, connection.settings_dict["NAME"])


def copy_sqlite(source: Path | str, target: Path | str) -> None:
    """Copy a SQLite database page by page, a consistent snapshot of it."""
    with (
        closing(sqlite3.connect(source)) as reading,
        closing(sqlite3.connect(target)) as writing,
    ):
        reading.backup(writing)


def has_tables(connection) -> bool:
    with connection.cursor() as cursor:
        return bool(connection.introspection.table_names(cursor))


def dump_file(connection) -> str:
    try:
        return DUMP_FILES[connection.vendor]
    except KeyError:
        raise BackupError(
            f"Backups cover PostgreSQL and SQLite, not {connection.vendor}."
        ) from None


def run_postgres_tool(program: str, *args: str, connection) -> None:
    """Run pg_dump or pg_restore against the connection's database."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed (PostgreSQL's client tools).")
    result = subprocess.run(  # noqa: S603
        [executable, *args],
        env={**os.environ, **postgres_environment(connection.settings_dict)},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")


def postgres_environment(database: dict) -> dict[str, str]:
    """libpq's variables for Django's database settings (no password in argv)."""
    options = database.get("OPTIONS", {})
    names = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout"),
        "PGSSLMODE": options.get("sslmode"),
    }
    return {name: str(value) for name, value in names.items() if value}
