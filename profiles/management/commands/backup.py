"""Back up the database and the document store into a new folder."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from profiles.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write the database (pg_dump or a SQLite copy), every document and a "
        "manifest of SHA-256 hashes into DIRECTORY (new or empty)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        try:
            manifest = backup_create(directory=directory)
        # A folder that cannot be read or written: the system's own words.
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up the {manifest['database']['vendor']} database and "
                f"{len(manifest['documents'])} document(s) into {directory}"
            )
        )
