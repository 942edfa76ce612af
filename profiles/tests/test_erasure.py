"""Erasure: a deleted draft or account leaves no row and no stored file behind.

Files are deleted once the deletion commits, so the tests run the on-commit
callbacks (django_capture_on_commit_callbacks) and look at the storage itself:
the documents folder, or the bucket of the real S3 API server.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from profiles.accounts import account_erase
from profiles.choices import ErasureKind, Status
from profiles.drafts import draft_delete
from profiles.lifecycle import NotADraft, profile_submit
from profiles.models import (
    Account,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    Erasure,
    Evaluation,
    Membership,
    StatusChange,
    SupportingDocument,
)
from profiles.tests.builders import add_document, complete_secondary_profile

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def rolled_back(capture_on_commit, erase) -> list:
    """Run `erase` in a transaction that rolls back; the on-commit callbacks
    it left (run, as a commit would)."""
    with (
        capture_on_commit(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        erase()
        raise Rollback
    return callbacks


def stored_files(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def bucket_keys(s3_server, bucket: str) -> list[str]:
    listed = s3_server.client().list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


@pytest.fixture
def draft(account):
    """A complete secondary draft with two documents."""
    profile = complete_secondary_profile(account, friendly_name="Owl Secrets Ltd")
    add_document(profile, name="utility-bill.pdf", document_type="utility_bill")
    return profile


def delete_url(profile) -> str:
    return reverse("profiles:delete", args=[profile.sid])


# --- A draft, deleted by a member of its account ------------------------------------


def test_deleting_a_draft_asks_first_and_changes_nothing_until_confirmed(
    applicant_client, draft, document_storage
):
    response = applicant_client.get(delete_url(draft))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Owl Secrets Ltd" in page
    assert "cannot be undone" in page
    assert CustomerProfile.objects.filter(pk=draft.pk).exists()
    assert len(stored_files(document_storage)) == 2


def test_a_deleted_draft_leaves_no_row_and_no_file(
    applicant_client,
    applicant,
    draft,
    document_storage,
    django_capture_on_commit_callbacks,
):
    assert len(stored_files(document_storage)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(delete_url(draft), follow=True)

    assert response.redirect_chain[-1][0] == "/profiles/?tab=secondary"
    assert "The draft “Owl Secrets Ltd” was deleted." in response.content.decode()
    assert not CustomerProfile.objects.filter(pk=draft.pk).exists()
    for model in (BusinessInformation, AuthorizedRepresentative, SupportingDocument):
        assert not model.objects.filter(profile_id=draft.pk).exists()
    assert stored_files(document_storage) == []
    erasure = Erasure.objects.get()
    assert (erasure.kind, erasure.sid, erasure.account_sid) == (
        ErasureKind.DRAFT,
        draft.sid,
        draft.account.sid,
    )
    assert (erasure.actor, erasure.profile_count, erasure.document_count) == (
        applicant,
        1,
        2,
    )


def test_the_erasure_record_keeps_no_personal_data(applicant, draft):
    erasure = draft_delete(profile=draft, actor=applicant)

    record = " ".join(
        str(getattr(erasure, field.attname)) for field in Erasure._meta.concrete_fields
    )
    for answer in ("Owl Secrets Ltd", "grace@acme.example.com", "certificate.pdf"):
        assert answer not in record


def test_a_rolled_back_draft_deletion_keeps_its_rows_and_files(
    applicant, draft, document_storage, django_capture_on_commit_callbacks
):
    callbacks = rolled_back(
        django_capture_on_commit_callbacks,
        lambda: draft_delete(profile=draft, actor=applicant),
    )

    assert callbacks == []
    assert SupportingDocument.objects.filter(profile=draft).count() == 2
    assert len(stored_files(document_storage)) == 2
    assert not Erasure.objects.exists()


@pytest.mark.parametrize(
    "status",
    [
        Status.PENDING_REVIEW,
        Status.IN_REVIEW,
        Status.TWILIO_REJECTED,
        Status.TWILIO_APPROVED,
    ],
)
def test_a_submitted_profile_is_not_deleted(
    applicant_client, account, status, document_storage
):
    profile = complete_secondary_profile(account, status=status)

    page = applicant_client.get(delete_url(profile), follow=True)
    response = applicant_client.post(delete_url(profile), follow=True)

    for answer in (page, response):
        assert answer.redirect_chain[-1][0] == profile.get_absolute_url()
        assert str(NotADraft.message) in answer.content.decode()
    assert CustomerProfile.objects.filter(pk=profile.pk).exists()
    assert len(stored_files(document_storage)) == 1
    assert not Erasure.objects.exists()


def test_a_primary_profile_is_not_deleted_even_as_a_draft(applicant_client, account):
    primary = account.profiles.get()
    CustomerProfile.objects.filter(pk=primary.pk).update(status=Status.DRAFT)

    response = applicant_client.post(delete_url(primary))

    assert response.status_code == 302
    assert CustomerProfile.objects.filter(pk=primary.pk).exists()


def test_the_list_links_drafts_to_their_deletion(applicant_client, draft, account):
    submitted = complete_secondary_profile(account, status=Status.IN_REVIEW)

    page = applicant_client.get("/profiles/").content.decode()

    assert delete_url(draft) in page
    assert delete_url(submitted) not in page


def test_a_draft_deleted_on_s3_leaves_no_object_in_the_bucket(
    applicant_client,
    account,
    s3_documents,
    s3_server,
    django_capture_on_commit_callbacks,
):
    draft = complete_secondary_profile(account)
    add_document(draft, name="utility-bill.pdf")
    assert len(bucket_keys(s3_server, s3_documents)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(delete_url(draft))

    assert response.status_code == 302
    assert bucket_keys(s3_server, s3_documents) == []


def test_a_rolled_back_deletion_on_s3_keeps_the_objects(
    applicant, account, s3_documents, s3_server, django_capture_on_commit_callbacks
):
    draft = complete_secondary_profile(account)

    rolled_back(
        django_capture_on_commit_callbacks,
        lambda: draft_delete(profile=draft, actor=applicant),
    )

    keys = bucket_keys(s3_server, s3_documents)
    assert keys == [draft.documents.get().file.name]


# --- An account, deleted by an operator -----------------------------------------


@pytest.fixture
def full_account(account, applicant, draft, django_capture_on_commit_callbacks):
    """The account with a primary, a draft and a decided profile with history."""
    decided = complete_secondary_profile(account)
    with django_capture_on_commit_callbacks(execute=True):
        profile_submit(profile=decided, actor=applicant)
    assert Evaluation.objects.filter(profile=decided).exists()
    return account


def test_the_admin_lists_what_deleting_an_account_erases(admin_client, full_account):
    url = reverse("admin:profiles_account_delete", args=[full_account.pk])

    page = admin_client.get(url).content.decode()

    assert "Cannot delete" not in page
    assert "their documents" in page
    assert "customer profiles: 3" in page.lower()
    assert "supporting documents: 3" in page.lower()


def test_an_operator_deleting_an_account_leaves_no_row_and_no_file(
    admin_client,
    admin_user,
    full_account,
    applicant,
    document_storage,
    django_capture_on_commit_callbacks,
):
    assert len(stored_files(document_storage)) == 3
    url = reverse("admin:profiles_account_delete", args=[full_account.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Account.objects.filter(pk=full_account.pk).exists()
    for model in (CustomerProfile, SupportingDocument, StatusChange, Membership):
        assert not model.objects.exists(), model
    assert stored_files(document_storage) == []
    erasure = Erasure.objects.get()
    assert (erasure.kind, erasure.sid, erasure.account_sid, erasure.actor) == (
        ErasureKind.ACCOUNT,
        full_account.sid,
        full_account.sid,
        admin_user,
    )
    assert (erasure.profile_count, erasure.document_count) == (3, 3)
    # The member's login stays, without an account.
    assert get_user_model().objects.filter(pk=applicant.pk).exists()


def test_the_delete_action_of_the_account_list_erases_each_account(
    admin_client,
    full_account,
    other_account,
    document_storage,
    django_capture_on_commit_callbacks,
):
    complete_secondary_profile(other_account)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:profiles_account_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [full_account.pk, other_account.pk],
                "post": "yes",
            },
        )

    assert response.status_code == 302
    assert not Account.objects.exists()
    assert not CustomerProfile.objects.exists()
    assert stored_files(document_storage) == []
    assert Erasure.objects.filter(kind=ErasureKind.ACCOUNT).count() == 2


def test_a_rolled_back_account_erasure_keeps_everything(
    admin_user, full_account, document_storage, django_capture_on_commit_callbacks
):
    callbacks = rolled_back(
        django_capture_on_commit_callbacks,
        lambda: account_erase(account=full_account, actor=admin_user),
    )

    assert callbacks == []

    assert CustomerProfile.objects.filter(account=full_account).count() == 3
    assert len(stored_files(document_storage)) == 3
    assert not Erasure.objects.exists()


def test_an_account_erased_on_s3_leaves_no_object_in_the_bucket(
    admin_user, account, s3_documents, s3_server, django_capture_on_commit_callbacks
):
    for _ in range(2):
        complete_secondary_profile(account)
    assert len(bucket_keys(s3_server, s3_documents)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        account_erase(account=account, actor=admin_user)

    assert bucket_keys(s3_server, s3_documents) == []


def test_the_erasure_record_is_read_only_in_the_admin(admin_client, applicant, draft):
    erasure = draft_delete(profile=draft, actor=applicant)

    listed = admin_client.get(reverse("admin:profiles_erasure_changelist"))
    add = admin_client.get(reverse("admin:profiles_erasure_add"))
    delete = admin_client.get(
        reverse("admin:profiles_erasure_delete", args=[erasure.pk])
    )

    assert listed.status_code == 200
    assert draft.sid in listed.content.decode()
    assert (add.status_code, delete.status_code) == (403, 403)
