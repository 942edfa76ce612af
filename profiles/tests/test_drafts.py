"""The draft service: each step's answers saved at once, documents, and refusals."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from profiles.choices import ProfileKind, Status
from profiles.drafts import (
    document_remove,
    draft_create,
    draft_save_step,
    write_documents,
)
from profiles.lifecycle import (
    NotEditableHere,
    PrimaryProfileNotApproved,
    ProfileLocked,
)
from profiles.models import (
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    SupportingDocument,
)
from profiles.steps import SECONDARY_WIZARD
from profiles.storage import inspect_upload
from profiles.tests.builders import add_document
from profiles.tests.factories import AccountFactory, SecondaryProfileFactory
from profiles.tests.files import PDF
from profiles.tests.wizard_data import (
    ADDRESS,
    BUSINESS,
    FIRST_REPRESENTATIVE,
    GENERAL,
    NOTIFICATIONS,
    SECOND_REPRESENTATIVE,
)

pytestmark = pytest.mark.django_db

LOCKED_STATUSES = [Status.PENDING_REVIEW, Status.IN_REVIEW, Status.TWILIO_APPROVED]
# The kind of profile the wizard that calls the service edits.
SECONDARY = ProfileKind.SECONDARY
FIRST = {**FIRST_REPRESENTATIVE, "phone_number": "+14155550100"}
SECOND = {**SECOND_REPRESENTATIVE, "phone_number": "+442079460958"}


def save(profile, step: str, data) -> CustomerProfile:
    """Save `step` through the service; the profile as the database has it."""
    draft_save_step(
        profile=profile, step=SECONDARY_WIZARD[step], data=data, kind=SECONDARY
    )
    return CustomerProfile.objects.get(pk=profile.pk)


def uploads(*names: str) -> dict:
    """The documents step's cleaned data: inspected PDF uploads."""
    files = [
        inspect_upload(SimpleUploadedFile(name, PDF, "application/pdf"))
        for name in names
    ]
    return {"document_type": "business_registration", "files": files}


@pytest.fixture
def draft(account):
    return SecondaryProfileFactory(account=account, friendly_name="")


# --- Creating ----------------------------------------------------------------------


def test_a_draft_is_created_linked_to_the_approved_primary(account):
    profile = draft_create(account=account)

    assert profile.status == Status.DRAFT
    assert profile.primary == account.profiles.get(kind="primary")


def test_no_draft_without_an_approved_primary():
    with pytest.raises(PrimaryProfileNotApproved):
        draft_create(account=AccountFactory())

    assert not CustomerProfile.objects.exists()


# --- Saving each step --------------------------------------------------------------


def test_the_general_step_names_the_profile_after_the_business(draft):
    saved = save(draft, "general", GENERAL)

    business = BusinessInformation.objects.get(profile=draft)
    assert (business.business_name, business.website_url) == (
        "Acme Widgets",
        "https://acme.example.com",
    )
    assert saved.friendly_name == "Acme Widgets"
    assert saved.completed_steps == ["general"]


def test_the_business_step_fills_the_same_row_as_the_general_step(draft):
    save(draft, "general", GENERAL)

    saved = save(draft, "business", BUSINESS)

    business = BusinessInformation.objects.get(profile=draft)
    assert business.business_name == "Acme Widgets"
    assert business.business_registration_number == "12-3456789"
    assert business.business_regions_of_operation == ["USA_AND_CANADA", "EUROPE"]
    assert saved.completed_steps == ["general", "business"]


def test_the_representatives_step_saves_both_in_their_positions(draft):
    save(draft, "representatives", [FIRST, SECOND])

    reps = AuthorizedRepresentative.objects.filter(profile=draft).order_by("position")
    assert [(rep.position, rep.first_name) for rep in reps] == [
        (1, "Ada"),
        (2, "Grace"),
    ]


def test_an_empty_second_representative_removes_the_saved_one(draft):
    save(draft, "representatives", [FIRST, SECOND])

    save(draft, "representatives", [FIRST, {}])

    reps = AuthorizedRepresentative.objects.filter(profile=draft)
    assert [rep.position for rep in reps] == [1]


def test_the_address_step_saves_the_address(draft):
    save(draft, "address", ADDRESS)

    address = Address.objects.get(profile=draft)
    assert (address.street, str(address.iso_country)) == ("375 Beale Street", "US")


def test_the_documents_step_stores_each_upload_as_a_document(draft):
    save(draft, "documents", uploads("a.pdf", "b.pdf"))

    documents = SupportingDocument.objects.filter(profile=draft).order_by("pk")
    assert [doc.original_name for doc in documents] == ["a.pdf", "b.pdf"]
    for document in documents:
        assert document.mime_type == "application/pdf"
        assert document.file.read() == PDF


def test_the_notifications_step_saves_both_channels_on_the_profile(draft):
    saved = save(draft, "notifications", NOTIFICATIONS)

    assert saved.email == "alerts@acme.example.com"
    assert saved.status_callback == "https://hooks.acme.example.com/trusthub"


def test_saving_a_step_again_updates_its_rows_and_counts_it_once(draft):
    save(draft, "address", ADDRESS)

    saved = save(draft, "address", {**ADDRESS, "city": "Oakland"})

    assert Address.objects.get(profile=draft).city == "Oakland"
    assert Address.objects.filter(profile=draft).count() == 1
    assert saved.completed_steps == ["address"]


def test_saving_moves_the_profile_to_the_top_of_its_list(draft):
    before = CustomerProfile.objects.get(pk=draft.pk).updated_at

    saved = save(draft, "general", GENERAL)

    assert saved.updated_at > before


def test_a_rejected_profile_can_be_saved(account):
    rejected = SecondaryProfileFactory(account=account, status=Status.TWILIO_REJECTED)

    saved = save(rejected, "general", GENERAL)

    assert saved.friendly_name == "Acme Widgets"
    assert saved.status == Status.TWILIO_REJECTED


# --- Refusals ----------------------------------------------------------------------


@pytest.mark.parametrize("status", LOCKED_STATUSES)
@pytest.mark.parametrize(
    ("step", "data"),
    [
        ("general", GENERAL),
        ("representatives", [FIRST, SECOND]),
        ("address", ADDRESS),
        ("notifications", NOTIFICATIONS),
    ],
)
def test_a_submitted_profile_refuses_every_step_with_60711(account, status, step, data):
    profile = SecondaryProfileFactory(account=account, status=status, email="")

    with pytest.raises(ProfileLocked) as refused:
        save(profile, step, data)

    assert refused.value.code == 60711
    assert not BusinessInformation.objects.exists()
    assert not AuthorizedRepresentative.objects.exists()
    assert not Address.objects.exists()
    profile.refresh_from_db()
    assert (profile.email, profile.completed_steps) == ("", [])


def test_a_submitted_profile_refuses_new_documents(account):
    profile = SecondaryProfileFactory(account=account, status=Status.IN_REVIEW)

    with pytest.raises(ProfileLocked):
        save(profile, "documents", uploads("late.pdf"))

    assert not SupportingDocument.objects.exists()


def test_the_service_reads_the_status_itself_not_the_callers_copy(draft):
    """A page read before the profile was submitted cannot save into it."""
    stale = CustomerProfile.objects.get(pk=draft.pk)
    CustomerProfile.objects.filter(pk=draft.pk).update(status=Status.PENDING_REVIEW)

    with pytest.raises(ProfileLocked):
        save(stale, "general", GENERAL)

    assert not BusinessInformation.objects.exists()


def test_the_service_adds_to_the_saved_steps_not_the_callers_copy(draft):
    stale = CustomerProfile.objects.get(pk=draft.pk)
    save(draft, "general", GENERAL)

    saved = save(stale, "address", ADDRESS)

    assert saved.completed_steps == ["general", "address"]


# --- Documents ---------------------------------------------------------------------


def test_removing_a_document_deletes_its_row_and_then_its_file(
    draft, django_capture_on_commit_callbacks
):
    document = add_document(draft)
    storage, name = document.file.storage, document.file.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document_remove(profile=draft, document=document, kind=SECONDARY)
    assert storage.exists(name)  # the file outlives a rolled back delete
    for callback in callbacks:
        callback()

    assert not SupportingDocument.objects.filter(pk=document.pk).exists()
    assert not storage.exists(name)


@pytest.mark.parametrize("status", LOCKED_STATUSES)
def test_a_submitted_profile_keeps_its_documents(account, status):
    profile = SecondaryProfileFactory(account=account, status=status)
    document = add_document(profile)

    with pytest.raises(ProfileLocked):
        document_remove(profile=profile, document=document, kind=SECONDARY)

    assert SupportingDocument.objects.filter(pk=document.pk).exists()
    assert document.file.storage.exists(document.file.name)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.TWILIO_REJECTED])
def test_a_primary_is_not_changed_through_the_secondary_wizard(account, status):
    primary = account.profiles.primary().get()
    primary.status = status
    primary.save()
    document = add_document(primary)

    with pytest.raises(NotEditableHere):
        draft_save_step(
            profile=primary,
            step=SECONDARY_WIZARD["general"],
            data=GENERAL,
            kind=SECONDARY,
        )
    with pytest.raises(NotEditableHere):
        document_remove(profile=primary, document=document, kind=SECONDARY)

    assert not BusinessInformation.objects.filter(profile=primary).exists()
    assert SupportingDocument.objects.filter(pk=document.pk).exists()


# --- Quotas ---------------------------------------------------------------------


def test_the_service_refuses_documents_past_the_profile_limit(settings, draft):
    settings.DOCUMENTS_MAX_PER_PROFILE = 2
    add_document(draft)

    with pytest.raises(ValidationError) as refused:
        save(draft, "documents", uploads("b.pdf", "c.pdf"))

    assert refused.value.code == "too_many_documents"
    assert draft.documents.count() == 1
    assert "documents" not in CustomerProfile.objects.get(pk=draft.pk).completed_steps


def test_the_service_refuses_more_files_than_an_upload_may_carry(settings, draft):
    settings.DOCUMENTS_MAX_PER_UPLOAD = 1

    with pytest.raises(ValidationError) as refused:
        save(draft, "documents", uploads("a.pdf", "b.pdf"))

    assert refused.value.code == "too_many_files"
    assert not draft.documents.exists()


def test_an_account_cannot_keep_more_drafts_than_its_limit(settings, account):
    settings.DRAFTS_MAX_PER_ACCOUNT = 2
    draft_create(account=account)
    draft_create(account=account)
    # Submitted and rejected profiles are not drafts: they do not count.
    SecondaryProfileFactory(account=account, status=Status.TWILIO_REJECTED)
    SecondaryProfileFactory(account=account, status=Status.IN_REVIEW)

    with pytest.raises(ValidationError) as refused:
        draft_create(account=account)

    assert refused.value.code == "too_many_drafts"
    assert account.profiles.filter(status=Status.DRAFT).count() == 2


# --- Saves at the same time ---------------------------------------------------------


@dataclass(frozen=True)
class HeldStep:
    """A step whose writer holds the profile's lock until it is released."""

    name: str
    locked: threading.Event
    release: threading.Event

    def save(self, profile, data) -> dict:
        self.locked.set()
        assert self.release.wait(10)
        return {}


def in_thread(target) -> threading.Thread:
    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_save_waits_for_another_and_keeps_its_step(account):
    """Two tabs save two steps at once: the second waits for the first's lock
    and adds its step to the first's, rather than to what it read before."""
    profile = SecondaryProfileFactory(account=account)
    held = HeldStep("documents", threading.Event(), threading.Event())

    first = in_thread(
        lambda: draft_save_step(profile=profile, step=held, data={}, kind=SECONDARY)
    )
    assert held.locked.wait(10)
    second = in_thread(lambda: save(profile, "general", GENERAL))
    time.sleep(0.3)  # the second is now waiting for the lock
    assert not BusinessInformation.objects.filter(profile=profile).exists()
    held.release.set()
    first.join(10)
    second.join(10)

    profile.refresh_from_db()
    assert profile.completed_steps == ["documents", "general"]
    assert profile.friendly_name == "Acme Widgets"


@dataclass(frozen=True)
class HeldUpload:
    """The documents step, holding the profile's lock once its files are written."""

    name: str
    locked: threading.Event
    release: threading.Event

    def save(self, profile, data) -> dict:
        write_documents(profile, data)
        self.locked.set()
        assert self.release.wait(10)
        return {}


@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_cannot_pass_the_documents_limit(settings, account):
    """Each upload fits alone; the second counts the first's documents because
    it counts under the profile's lock, after the first committed."""
    settings.DOCUMENTS_MAX_PER_PROFILE = 3
    profile = SecondaryProfileFactory(account=account)
    held = HeldUpload("documents", threading.Event(), threading.Event())
    refusals = []

    def second_upload():
        try:
            save(profile, "documents", uploads("c.pdf", "d.pdf"))
        except ValidationError as error:
            refusals.append(error.code)

    first = in_thread(
        lambda: draft_save_step(
            profile=profile, step=held, data=uploads("a.pdf", "b.pdf"), kind=SECONDARY
        )
    )
    assert held.locked.wait(10)
    second = in_thread(second_upload)
    time.sleep(0.3)  # the second is now waiting for the lock
    held.release.set()
    first.join(10)
    second.join(10)

    assert refusals == ["too_many_documents"]
    names = sorted(profile.documents.values_list("original_name", flat=True))
    assert names == ["a.pdf", "b.pdf"]


@pytest.mark.django_db(transaction=True)
def test_two_drafts_started_at_once_cannot_pass_the_drafts_limit(settings, account):
    settings.DRAFTS_MAX_PER_ACCOUNT = 3
    start = threading.Barrier(4)
    refusals = []

    def start_draft():
        start.wait(10)
        try:
            draft_create(account=account)
        except ValidationError as error:
            refusals.append(error.code)

    threads = [in_thread(start_draft) for _ in range(4)]
    for thread in threads:
        thread.join(30)

    assert refusals == ["too_many_drafts"]
    assert account.profiles.filter(status=Status.DRAFT).count() == 3
