"""manage.py backup and restore: what a backup holds comes back whole.

The commands run as real processes against the test database (PostgreSQL in
CI, the SQLite test file locally) and a documents folder; the restore goes into
a new, empty database and a new folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from profiles.backups.store import (
    copy_documents_in,
    copy_documents_out,
    storage_conflicts,
)
from profiles.choices import DeliveryState, Status
from profiles.models import (
    CustomerProfile,
    NotificationDelivery,
    SupportingDocument,
)
from profiles.storage import documents
from profiles.tests.builders import (
    complete_secondary_profile,
    pdf_document,
    pending_delivery,
)
from profiles.tests.compose import ROOT
from profiles.tests.factories import AccountFactory, PrimaryProfileFactory
from profiles.tests.files import PDF
from profiles.tests.processes import database_url
from profiles.tests.s3 import use_s3_documents

SNAPSHOT = (
    "import json, django; django.setup(); "
    "from profiles.tests.test_backups import snapshot; print(json.dumps(snapshot()))"
)


def snapshot() -> dict:
    """Every profile, document (its stored content's hash) and pending delivery."""
    stored = {}
    for document in SupportingDocument.objects.all():
        with documents.open(document.file.name, "rb") as stream:
            stored[document.sid] = hashlib.sha256(stream.read()).hexdigest()
    return {
        "profiles": sorted(
            [p.sid, p.account.sid, p.kind, p.status, p.friendly_name]
            for p in CustomerProfile.objects.select_related("account")
        ),
        "documents": sorted(
            [d.sid, d.profile.sid, d.file.name, d.sha256, stored[d.sid]]
            for d in SupportingDocument.objects.select_related("profile")
        ),
        "pending": sorted(
            [d.message_id, d.status_change.profile.sid, d.channel, d.target]
            for d in NotificationDelivery.objects.filter(
                state=DeliveryState.PENDING
            ).select_related("status_change__profile")
        ),
    }


def add_own_document(profile, number: int) -> SupportingDocument:
    """A document whose content (and so hash) is its own."""
    content = PDF + f"% document {number}\n".encode()
    document = pdf_document(profile, ContentFile(content, name="certificate.pdf"))
    document.size = len(content)
    document.sha256 = hashlib.sha256(content).hexdigest()
    document.save()
    return document


def portal_with_data() -> None:
    """Two accounts' profiles with documents, one delivery pending, one sent."""
    for number in range(2):
        account = AccountFactory()
        PrimaryProfileFactory(account=account)
        profile = complete_secondary_profile(account, status=Status.PENDING_REVIEW)
        add_own_document(profile, number)
        delivery = pending_delivery(profile)
        if number:
            delivery.state = DeliveryState.DELIVERED
            delivery.save()


def portal_env(database: str, documents_root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database,
        "DOCUMENTS_STORAGE": "filesystem",
        "DOCUMENTS_ROOT": str(documents_root),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@contextmanager
def fresh_database(tmp_path: Path):
    """A new, empty database beside the test database, as a DATABASE_URL."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_restore"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url().rsplit("/", 1)[0] + f"/{name}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backup_into(directory: Path) -> str:
    out = StringIO()
    call_command("backup", str(directory), stdout=out)
    return out.getvalue()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_restore_into_a_new_database_and_folder_has_everything_backed_up(
    tmp_path, document_storage
):
    if connection.vendor == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump and pg_restore (PostgreSQL's client tools) are missing")
    portal_with_data()
    expected = snapshot()
    backup = tmp_path / "backup"

    backed_up = run(
        ["manage.py", "backup", str(backup)],
        portal_env(database_url(), document_storage),
    )
    assert backed_up.returncode == 0, backed_up.stderr
    with fresh_database(tmp_path) as restore_url:
        env = portal_env(restore_url, tmp_path / "restored-documents")
        restored = run(["manage.py", "restore", str(backup)], env)
        assert restored.returncode == 0, restored.stderr
        seen = run(["-c", SNAPSHOT], env)
        assert seen.returncode == 0, seen.stderr

    assert json.loads(seen.stdout.splitlines()[-1]) == expected
    assert len(expected["profiles"]) == 4
    assert len(expected["documents"]) == 4
    assert len(expected["pending"]) == 1
    # Each document's stored content has the hash its row records.
    assert all(row[3] == row[4] for row in expected["documents"])
    assert len({row[4] for row in expected["documents"]}) == 3


# --- what a restore refuses, changing nothing -----------------------------------


@pytest.fixture
def backup(db, tmp_path, account):
    """A backup of the test database with one document."""
    profile = complete_secondary_profile(account)
    directory = tmp_path / "backup"
    backup_into(directory)
    assert (directory / "documents" / profile.documents.get().file.name).is_file()
    return directory


def restore(directory: Path) -> None:
    call_command("restore", str(directory), stdout=StringIO())


def stored_files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def test_a_backup_writes_a_manifest_with_the_hash_of_every_file(backup):
    manifest = json.loads((backup / "manifest.json").read_text())

    assert manifest["database"]["vendor"] == connection.vendor
    assert (backup / manifest["database"]["file"]).is_file()
    for name, digest in manifest["documents"].items():
        content = (backup / "documents" / name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == digest


def test_a_backup_refuses_a_folder_that_is_not_empty(db, tmp_path):
    directory = tmp_path / "backup"
    directory.mkdir()
    (directory / "notes.txt").write_text("keep me")

    with pytest.raises(CommandError, match="not empty"):
        backup_into(directory)

    assert stored_files(directory) == {"notes.txt": b"keep me"}


def test_a_restore_refuses_a_backup_whose_document_changed(backup, document_storage):
    document = next((backup / "documents").rglob("*.pdf"))
    document.write_bytes(document.read_bytes() + b"tampered")
    before = stored_files(document_storage)

    with pytest.raises(CommandError, match="differ from the manifest"):
        restore(backup)

    assert stored_files(document_storage) == before


def test_a_restore_refuses_a_backup_missing_a_document(backup):
    next((backup / "documents").rglob("*.pdf")).unlink()

    with pytest.raises(CommandError, match="missing or differ"):
        restore(backup)


def test_a_restore_refuses_a_backup_that_did_not_finish(backup):
    (backup / "manifest.json").unlink()

    with pytest.raises(CommandError, match="did not finish"):
        restore(backup)


@pytest.mark.parametrize(
    "name", ["../outside.pdf", "/etc/passwd", "documents/../../x", "", "a\\b"]
)
def test_a_restore_refuses_a_manifest_naming_a_file_outside_the_backup(backup, name):
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["documents"] = {name: "0" * 64}
    (backup / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(CommandError, match="not a file of a backup"):
        restore(backup)


@pytest.mark.parametrize("text", ["{", "[]", '{"format": 2}', "\udcff"])
def test_a_restore_refuses_a_manifest_it_cannot_read(backup, text):
    (backup / "manifest.json").write_text(text, errors="surrogateescape")

    with pytest.raises(CommandError, match="manifest.json"):
        restore(backup)


def test_a_restore_refuses_a_database_that_has_tables(backup):
    before = CustomerProfile.objects.count()

    with pytest.raises(CommandError, match="empty database"):
        restore(backup)

    assert CustomerProfile.objects.count() == before


def test_the_documents_of_an_s3_bucket_come_back_whole_in_a_new_bucket(
    db, tmp_path, settings, account, s3_documents, s3_server
):
    profile = complete_secondary_profile(account)
    stored = {d.file.name: d.sha256 for d in [add_own_document(profile, 1)]}
    stored |= {d.file.name: d.sha256 for d in profile.documents.all()}
    backup = tmp_path / "backup"
    hashes = copy_documents_out(documents, backup / "documents")
    bucket = f"restored-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    use_s3_documents(settings, s3_server.endpoint, bucket)

    copy_documents_in(backup / "documents", documents, hashes)

    assert hashes == stored
    objects = s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]
    assert sorted(item["Key"] for item in objects) == sorted(stored)


def test_a_backup_refuses_a_path_that_is_a_file(db, tmp_path):
    target = tmp_path / "backup"
    target.write_text("keep me")

    with pytest.raises(CommandError, match="is a file"):
        backup_into(target)

    assert target.read_text() == "keep me"


def test_a_store_holding_other_content_under_a_backed_up_name_is_a_conflict(
    backup, document_storage
):
    manifest = json.loads((backup / "manifest.json").read_text())
    name = next(iter(manifest["documents"]))
    (document_storage / name).write_bytes(b"other content")

    assert storage_conflicts(documents, manifest) == [name]
    (document_storage / name).write_bytes((backup / "documents" / name).read_bytes())
    assert storage_conflicts(documents, manifest) == []
