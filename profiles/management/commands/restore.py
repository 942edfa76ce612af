"""Restore a backup into an empty database and document store."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from profiles.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Check every hash of the backup in DIRECTORY, then load it into the "
        "configured database (which must be empty) and document store."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        try:
            manifest = backup_restore(directory=directory)
        # A folder that cannot be read or written: the system's own words.
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the database and {len(manifest['documents'])} "
                f"document(s) from {directory} (backup of {manifest['created_at']})"
            )
        )
