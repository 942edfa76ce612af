"""Supporting documents: upload through the wizard, download, and removal."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from profiles.choices import DocumentType, Status
from profiles.models import SupportingDocument
from profiles.tests.factories import SecondaryProfileFactory, UserFactory
from profiles.tests.files import HTML, PDF, SVG, jpeg_bytes, png_bytes

pytestmark = pytest.mark.django_db


PNG = png_bytes()
JPEG = jpeg_bytes()

ACCEPTED = [
    ("certificate.pdf", PDF, "application/pdf", ".pdf"),
    ("utility-bill.jpg", JPEG, "image/jpeg", ".jpg"),
    ("bank-statement.png", PNG, "image/png", ".png"),
]


# --- helpers --------------------------------------------------------------------


def step_url(profile, step: str = "documents") -> str:
    return reverse("profiles:step", kwargs={"sid": profile.sid, "step": step})


def download_url(document, profile_sid: str | None = None) -> str:
    return reverse(
        "profiles:document", args=[profile_sid or document.profile.sid, document.sid]
    )


def delete_url(document) -> str:
    return reverse(
        "profiles:document-delete", args=[document.profile.sid, document.sid]
    )


def a_file(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def post_documents(
    client: Client,
    profile,
    files=None,
    *,
    document_type: str | None = DocumentType.BUSINESS_REGISTRATION,
    action: str | None = "upload",
):
    """Post the documents step as the browser does."""
    data = {"wizard-current_step": "documents"}
    if document_type is not None:
        data["documents-document_type"] = document_type
    if files is not None:
        data["documents-files"] = files
    if action is not None:
        data["action"] = action
    return client.post(step_url(profile), data)


def post_raw_upload(client: Client, profile, disposition: bytes, content: bytes):
    """Post the documents step with a hand-written multipart body.

    The test client strips folders from file names before sending them; a
    hostile browser does not, so the Content-Disposition is written by hand.
    """
    boundary = b"portal-test-boundary-7d3f"
    fields = {
        "wizard-current_step": "documents",
        "documents-document_type": DocumentType.BUSINESS_REGISTRATION,
        "action": "upload",
    }
    lines = []
    for name, value in fields.items():
        lines += [
            b"--" + boundary,
            b'Content-Disposition: form-data; name="%s"' % name.encode(),
            b"",
            value.encode(),
        ]
    lines += [
        b"--" + boundary,
        b'Content-Disposition: form-data; name="documents-files"; ' + disposition,
        b"Content-Type: application/pdf",
        b"",
        content,
        b"--" + boundary + b"--",
        b"",
    ]
    return client.generic(
        "POST",
        step_url(profile),
        b"\r\n".join(lines),
        content_type="multipart/form-data; boundary=" + boundary.decode(),
    )


def make_document(
    profile,
    content: bytes = PDF,
    name: str = "certificate.pdf",
    mime_type: str = "application/pdf",
) -> SupportingDocument:
    """A document saved straight to the database and the storage."""
    return SupportingDocument.objects.create(
        profile=profile,
        document_type=DocumentType.BUSINESS_REGISTRATION,
        file=ContentFile(content, name=name),
        original_name=name,
        mime_type=mime_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def stored_bytes(document: SupportingDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def downloaded(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def error_list(response, field: str) -> str:
    """The text of the error list rendered next to a documents-step field."""
    match = re.search(
        rf'<ul class="errorlist"[^>]* id="id_documents-{field}_error">(.*?)</ul>',
        response.content.decode(),
        re.S,
    )
    assert match, f"no error list next to the {field} field"
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


def current_step(response) -> str:
    """The wizard step a page shows, from the step its form posts (formtools')."""
    match = re.search(
        r'name="wizard-current_step" value="([^"]*)"', response.content.decode()
    )
    assert match, "no wizard form on the page"
    return match.group(1)


def assert_nothing_stored(profile, document_storage: Path) -> None:
    assert not SupportingDocument.objects.filter(profile=profile).exists()
    assert files_under(document_storage) == []
    profile.refresh_from_db()
    assert "documents" not in profile.completed_steps


# --- accepted uploads -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "mime_type", "suffix"), ACCEPTED, ids=["pdf", "jpeg", "png"]
)
def test_it_stores_an_accepted_upload_with_what_its_content_says(
    applicant_client, profile, name, content, mime_type, suffix
):
    response = post_documents(
        applicant_client,
        profile,
        a_file(name, content, content_type="application/octet-stream"),
        document_type=DocumentType.UTILITY_BILL,
    )

    assert response.status_code == 302
    assert response.url == step_url(profile, "documents")
    document = SupportingDocument.objects.get(profile=profile)
    assert document.document_type == DocumentType.UTILITY_BILL
    assert document.mime_type == mime_type
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.original_name == name
    assert stored_bytes(document) == content


@pytest.mark.parametrize(
    ("name", "content", "mime_type", "suffix"), ACCEPTED, ids=["pdf", "jpeg", "png"]
)
def test_it_stores_an_upload_under_a_random_name_that_hides_the_original(
    applicant_client, profile, name, content, mime_type, suffix
):
    post_documents(applicant_client, profile, a_file(name, content, mime_type))

    document = SupportingDocument.objects.get(profile=profile)
    stored_name = document.file.name
    assert re.fullmatch(r"documents/[0-9a-f]{2}/[0-9a-f]{32}" + suffix, stored_name)
    assert Path(name).stem not in stored_name


@pytest.mark.parametrize(
    ("name", "content", "mime_type", "suffix"), ACCEPTED, ids=["pdf", "jpeg", "png"]
)
def test_it_writes_the_upload_under_the_documents_storage_folder(
    applicant_client, profile, document_storage, name, content, mime_type, suffix
):
    post_documents(applicant_client, profile, a_file(name, content, mime_type))

    document = SupportingDocument.objects.get(profile=profile)
    on_disk = document_storage / document.file.name
    assert on_disk.is_file()
    assert on_disk.read_bytes() == content
    assert Path(document.file.path).resolve().is_relative_to(document_storage)
    assert files_under(document_storage) == [on_disk]


def test_it_says_the_upload_worked_and_stays_on_the_documents_step(
    applicant_client, profile
):
    response = applicant_client.post(
        step_url(profile),
        {
            "wizard-current_step": "documents",
            "documents-document_type": DocumentType.TAX_DOCUMENT,
            "documents-files": a_file("tax.pdf", PDF),
            "action": "upload",
        },
        follow=True,
    )

    assert response.redirect_chain == [(step_url(profile, "documents"), 302)]
    page = response.content.decode()
    assert "Your documents were uploaded." in page
    assert "tax.pdf" in page
    profile.refresh_from_db()
    assert "documents" in profile.completed_steps


def test_it_stores_several_files_posted_together(
    applicant_client, profile, document_storage
):
    files = [
        a_file(name, content, mime_type) for name, content, mime_type, _ in ACCEPTED
    ]

    response = post_documents(
        applicant_client, profile, files, document_type=DocumentType.LEASE_AGREEMENT
    )

    assert response.status_code == 302
    documents = list(SupportingDocument.objects.filter(profile=profile))
    assert [d.original_name for d in documents] == [name for name, *_ in ACCEPTED]
    assert [d.mime_type for d in documents] == [mime for _, _, mime, _ in ACCEPTED]
    assert [stored_bytes(d) for d in documents] == [c for _, c, _, _ in ACCEPTED]
    assert {d.document_type for d in documents} == {DocumentType.LEASE_AGREEMENT}
    assert len({d.file.name for d in documents}) == 3


def test_it_detects_a_pdf_named_png_and_sent_as_image_png_as_a_pdf(
    applicant_client, profile
):
    post_documents(
        applicant_client, profile, a_file("scan.png", PDF, content_type="image/png")
    )

    document = SupportingDocument.objects.get(profile=profile)
    assert document.mime_type == "application/pdf"
    assert document.original_name == "scan.png"
    assert document.file.name.endswith(".pdf")

    response = applicant_client.get(download_url(document))
    assert response["Content-Type"] == "application/pdf"
    assert downloaded(response) == PDF


def test_save_and_continue_with_files_stores_them_and_opens_notifications(
    applicant_client, profile
):
    response = post_documents(
        applicant_client, profile, a_file("certificate.pdf", PDF), action=None
    )

    assert response.status_code == 302
    assert response.url == step_url(profile, "notifications")
    assert SupportingDocument.objects.filter(profile=profile).count() == 1
    profile.refresh_from_db()
    assert "documents" in profile.completed_steps


def test_it_accepts_a_file_of_exactly_the_size_limit(
    settings, applicant_client, profile
):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1000
    content = PDF + b"%" * (1000 - len(PDF))

    response = post_documents(applicant_client, profile, a_file("exact.pdf", content))

    assert response.status_code == 302
    document = SupportingDocument.objects.get(profile=profile)
    assert document.size == 1000
    assert stored_bytes(document) == content


def test_a_rejected_profile_accepts_uploads_again(applicant_client, account):
    profile = SecondaryProfileFactory(account=account, status=Status.TWILIO_REJECTED)

    response = post_documents(applicant_client, profile, a_file("new.pdf", PDF))

    assert response.status_code == 302
    assert SupportingDocument.objects.get(profile=profile).original_name == "new.pdf"


# --- refused uploads ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("evil.pdf", HTML, "application/pdf"),
        ("logo.png", SVG, "image/png"),
        ("notes.pdf", b"plain text pretending to be a PDF\n", "application/pdf"),
        ("animation.png", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/png"),
    ],
    ids=["html as pdf", "svg as png", "text as pdf", "gif as png"],
)
def test_it_refuses_content_that_is_not_pdf_jpeg_or_png(
    applicant_client, profile, document_storage, name, content, content_type
):
    response = post_documents(
        applicant_client, profile, a_file(name, content, content_type)
    )

    assert response.status_code == 200
    assert (
        f"“{name}” is not a PDF, JPEG or PNG file (checked by its content)."
        in error_list(response, "files")
    )
    assert_nothing_stored(profile, document_storage)


def test_it_refuses_html_renamed_to_pdf(applicant_client, profile, document_storage):
    response = post_documents(
        applicant_client, profile, a_file("evil.pdf", HTML, "application/pdf")
    )

    assert response.status_code == 200
    assert error_list(response, "files").strip() == (
        "“evil.pdf” is not a PDF, JPEG or PNG file (checked by its content)."
    )
    assert_nothing_stored(profile, document_storage)


def test_it_refuses_an_svg_renamed_to_png(applicant_client, profile, document_storage):
    response = post_documents(
        applicant_client, profile, a_file("logo.png", SVG, "image/png")
    )

    assert response.status_code == 200
    assert "“logo.png” is not a PDF, JPEG or PNG file" in error_list(response, "files")
    assert_nothing_stored(profile, document_storage)


def test_it_refuses_an_empty_file(applicant_client, profile, document_storage):
    response = post_documents(applicant_client, profile, a_file("blank.pdf", b""))

    assert response.status_code == 200
    assert "is empty" in error_list(response, "files")
    assert_nothing_stored(profile, document_storage)


def test_it_refuses_a_file_one_byte_over_the_size_limit(
    settings, applicant_client, profile, document_storage
):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1000
    content = PDF + b"%" * (1001 - len(PDF))

    response = post_documents(applicant_client, profile, a_file("big.pdf", content))

    assert response.status_code == 200
    errors = error_list(response, "files")
    assert "“big.pdf” is 1001\xa0bytes" in errors
    assert "the largest file accepted is 1000\xa0bytes" in errors
    assert_nothing_stored(profile, document_storage)


def test_a_refused_file_in_a_batch_stores_none_of_the_batch(
    applicant_client, profile, document_storage
):
    files = [
        a_file("certificate.pdf", PDF),
        a_file("evil.pdf", HTML),
        a_file("scan.png", PNG, "image/png"),
    ]

    response = post_documents(applicant_client, profile, files)

    assert response.status_code == 200
    errors = error_list(response, "files")
    assert "“evil.pdf” is not a PDF, JPEG or PNG file" in errors
    assert "certificate.pdf" not in errors
    assert_nothing_stored(profile, document_storage)


def test_it_lists_every_refused_file_of_a_batch(
    applicant_client, profile, document_storage
):
    files = [a_file("evil.pdf", HTML), a_file("blank.pdf", b"")]

    response = post_documents(applicant_client, profile, files)

    errors = error_list(response, "files")
    assert "“evil.pdf” is not a PDF, JPEG or PNG file" in errors
    assert "“blank.pdf” is empty." in errors
    assert_nothing_stored(profile, document_storage)


# --- quotas ---------------------------------------------------------------------


def test_it_refuses_more_files_at_once_than_an_upload_may_carry(
    settings, applicant_client, profile, document_storage
):
    settings.DOCUMENTS_MAX_PER_UPLOAD = 2
    files = [a_file(f"page-{number}.pdf", PDF) for number in range(3)]

    response = post_documents(applicant_client, profile, files)

    assert response.status_code == 200
    assert "Choose at most 2 files at a time." in error_list(response, "files")
    assert_nothing_stored(profile, document_storage)


def test_it_refuses_files_past_the_documents_a_profile_may_hold(
    settings, applicant_client, profile, document_storage
):
    settings.DOCUMENTS_MAX_PER_PROFILE = 3
    kept = [make_document(profile, name=f"kept-{number}.pdf") for number in range(2)]
    files = [a_file("third.pdf", PDF), a_file("fourth.pdf", PDF)]

    response = post_documents(applicant_client, profile, files)

    assert response.status_code == 200
    errors = error_list(response, "files")
    assert "A profile holds at most 3 documents and this one has 2" in errors
    assert "you can add 1 more. Nothing was uploaded." in errors
    assert list(SupportingDocument.objects.filter(profile=profile)) == kept
    assert len(files_under(document_storage)) == 2


def test_it_accepts_files_up_to_the_documents_a_profile_may_hold(
    settings, applicant_client, profile
):
    settings.DOCUMENTS_MAX_PER_PROFILE = 3
    make_document(profile)

    response = post_documents(
        applicant_client, profile, [a_file("b.pdf", PDF), a_file("c.pdf", PDF)]
    )

    assert response.status_code == 302
    assert SupportingDocument.objects.filter(profile=profile).count() == 3


def test_the_documents_step_states_the_limits(settings, applicant_client, profile):
    settings.DOCUMENTS_MAX_PER_UPLOAD = 4
    settings.DOCUMENTS_MAX_PER_PROFILE = 12

    page = applicant_client.get(step_url(profile)).content.decode()

    assert "up to 4 files at a time and 12 in all" in page


@pytest.mark.parametrize("document_type", [None, ""])
def test_it_refuses_a_file_without_a_document_type(
    applicant_client, profile, document_storage, document_type
):
    response = post_documents(
        applicant_client,
        profile,
        a_file("certificate.pdf", PDF),
        document_type=document_type,
    )

    assert response.status_code == 200
    assert "Choose what kind of document you are uploading." in error_list(
        response, "document_type"
    )
    assert_nothing_stored(profile, document_storage)


def test_it_refuses_an_unknown_document_type(
    applicant_client, profile, document_storage
):
    response = post_documents(
        applicant_client,
        profile,
        a_file("certificate.pdf", PDF),
        document_type="passport_selfie",
    )

    assert response.status_code == 200
    assert "passport_selfie" in error_list(response, "document_type")
    assert_nothing_stored(profile, document_storage)


@pytest.mark.parametrize("action", [None, "upload"])
def test_it_refuses_to_go_on_without_any_document(
    applicant_client, profile, document_storage, action
):
    response = post_documents(applicant_client, profile, action=action)

    assert response.status_code == 200
    assert "Upload at least one supporting document." in error_list(response, "files")
    assert_nothing_stored(profile, document_storage)


def test_it_goes_on_to_notifications_without_a_file_when_a_document_exists(
    applicant_client, profile
):
    post_documents(applicant_client, profile, a_file("certificate.pdf", PDF))

    response = post_documents(
        applicant_client, profile, document_type=None, action=None
    )

    assert response.status_code == 302
    assert response.url == step_url(profile, "notifications")
    assert SupportingDocument.objects.filter(profile=profile).count() == 1
    profile.refresh_from_db()
    assert "documents" in profile.completed_steps


# --- hostile file names ---------------------------------------------------------

HOSTILE_NAMES = {
    "parent folders": b'filename="../../etc/passwd.pdf"',
    "absolute path": b'filename="/etc/passwd.pdf"',
    "windows parent folders": b'filename="..\\\\..\\\\etc\\\\passwd.pdf"',
    "control characters": b'filename="pass\x01\x07\x1b[2J\x7fwd.pdf"',
    "encoded parent folders": b"filename*=UTF-8''..%2F..%2Fetc%2Fpasswd.pdf",
    "encoded control characters": b"filename*=UTF-8''pass%0D%0A%00%1Bwd%E2%80%AE.pdf",
    "500 characters": b'filename="' + b"p" * 496 + b'.pdf"',
}


@pytest.mark.parametrize("disposition", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES)
def test_it_cleans_a_hostile_file_name_before_keeping_it(
    applicant_client, profile, disposition
):
    response = post_raw_upload(applicant_client, profile, disposition, PDF)

    assert response.status_code == 302
    document = SupportingDocument.objects.get(profile=profile)
    name = document.original_name
    assert name.endswith(".pdf")
    assert "/" not in name
    assert "\\" not in name
    assert ".." not in name
    assert not any(unicodedata.category(ch).startswith("C") for ch in name)
    assert 0 < len(name) <= 255
    assert stored_bytes(document) == PDF


@pytest.mark.parametrize("disposition", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES)
def test_a_hostile_file_name_never_writes_outside_the_documents_folder(
    applicant_client, profile, document_storage, tmp_path, disposition
):
    post_raw_upload(applicant_client, profile, disposition, PDF)

    document = SupportingDocument.objects.get(profile=profile)
    assert "passwd" not in document.file.name
    assert files_under(tmp_path) == [document_storage / document.file.name]
    # "../../" from the documents folder is the parent of this test's folder.
    assert not [
        path
        for path in files_under(tmp_path.parent)
        if "passwd" in path.name or path.name.startswith("pp")
    ]


def test_it_shows_the_cleaned_name_in_the_download(applicant_client, profile):
    post_raw_upload(applicant_client, profile, b'filename="../../etc/passwd.pdf"', PDF)
    document = SupportingDocument.objects.get(profile=profile)

    response = applicant_client.get(download_url(document))

    assert document.original_name == "passwd.pdf"
    assert response["Content-Disposition"] == 'attachment; filename="passwd.pdf"'
    response.close()


# --- downloads ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "mime_type", "suffix"), ACCEPTED, ids=["pdf", "jpeg", "png"]
)
def test_a_download_is_an_attachment_with_the_uploaded_bytes(
    applicant_client, profile, name, content, mime_type, suffix
):
    post_documents(applicant_client, profile, a_file(name, content, mime_type))
    document = SupportingDocument.objects.get(profile=profile)

    response = applicant_client.get(download_url(document))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == mime_type
    assert downloaded(response) == content


# A name's extension is the uploader's word; the download's follows the content.
MISNAMED = [
    ("x.html", PNG, "text/html", "x.png"),
    ("photo.exe", JPEG, "application/octet-stream", "photo.jpg"),
    ("invoice.png", PDF, "image/png", "invoice.pdf"),
    ("statement", PDF, "application/pdf", "statement.pdf"),
]


@pytest.mark.parametrize(
    ("name", "content", "sent_as", "expected"),
    MISNAMED,
    ids=["png-as-html", "jpeg-as-exe", "pdf-as-png", "pdf-without-extension"],
)
def test_a_download_is_named_with_the_extension_of_its_content(
    applicant_client, profile, name, content, sent_as, expected
):
    post_documents(applicant_client, profile, a_file(name, content, sent_as))
    document = SupportingDocument.objects.get(profile=profile)

    response = applicant_client.get(download_url(document))

    assert document.original_name == name
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'
    assert downloaded(response) == content


@pytest.mark.parametrize(
    ("name", "content", "mime_type"),
    [
        ("scan.JPEG", JPEG, "image/jpeg"),
        ("scan.jpeg", JPEG, "image/jpeg"),
        ("Bill.PDF", PDF, "application/pdf"),
    ],
)
def test_a_download_keeps_a_name_whose_extension_fits_its_content(
    applicant_client, profile, name, content, mime_type
):
    document = make_document(profile, content, name, mime_type)

    response = applicant_client.get(download_url(document))

    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    response.close()


def test_a_download_is_sandboxed_and_not_cached(applicant_client, profile):
    document = make_document(profile)

    response = applicant_client.get(download_url(document))

    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"]
    assert downloaded(response) == PDF


def test_a_reviewer_can_download_any_accounts_document(reviewer_client, other_account):
    profile = SecondaryProfileFactory(account=other_account)
    document = make_document(profile, PNG, "scan.png", "image/png")

    response = reviewer_client.get(download_url(document))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment")
    assert downloaded(response) == PNG


def test_a_member_of_another_account_gets_404_with_this_profiles_sid(
    other_client, profile
):
    document = make_document(profile)

    response = other_client.get(download_url(document))

    assert response.status_code == 404
    assert PDF not in response.content


def test_a_member_of_another_account_gets_404_with_their_own_profiles_sid(
    other_client, other_account, profile
):
    document = make_document(profile)
    their_profile = SecondaryProfileFactory(account=other_account)

    response = other_client.get(download_url(document, profile_sid=their_profile.sid))

    assert response.status_code == 404
    assert PDF not in response.content


def test_a_document_cannot_be_reached_through_another_profile_of_the_account(
    applicant_client, account, profile
):
    document = make_document(profile)
    sibling = SecondaryProfileFactory(account=account)

    response = applicant_client.get(download_url(document, profile_sid=sibling.sid))

    assert response.status_code == 404


def test_a_user_without_an_account_gets_404(profile):
    document = make_document(profile)
    client = Client()
    client.force_login(UserFactory())

    response = client.get(download_url(document))

    assert response.status_code == 404


def test_an_anonymous_user_is_sent_to_the_login_page(profile):
    document = make_document(profile)
    url = download_url(document)

    response = Client().get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "next=" in response.url
    assert PDF not in response.content


def test_a_document_whose_file_is_missing_gives_404_not_500(applicant_client, profile):
    document = make_document(profile)
    document.file.storage.delete(document.file.name)

    response = applicant_client.get(download_url(document))

    assert response.status_code == 404


def test_an_unknown_document_sid_gives_404(applicant_client, profile):
    make_document(profile)

    response = applicant_client.get(
        reverse("profiles:document", args=[profile.sid, "RD" + "0" * 32])
    )

    assert response.status_code == 404


# --- removal --------------------------------------------------------------------


def test_removing_a_document_deletes_the_row_and_then_the_file(
    applicant_client, profile, django_capture_on_commit_callbacks
):
    post_documents(applicant_client, profile, a_file("certificate.pdf", PDF))
    document = SupportingDocument.objects.get(profile=profile)
    storage, name = document.file.storage, document.file.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = applicant_client.post(delete_url(document))

    assert response.status_code == 302
    assert response.url == step_url(profile, "documents")
    assert not SupportingDocument.objects.filter(pk=document.pk).exists()
    assert len(callbacks) == 1
    assert not storage.exists(name)


def test_removing_a_document_deletes_its_file_from_the_documents_folder(
    applicant_client, profile, document_storage, django_capture_on_commit_callbacks
):
    post_documents(applicant_client, profile, a_file("certificate.pdf", PDF))
    document = SupportingDocument.objects.get(profile=profile)
    assert (document_storage / document.file.name).is_file()

    with django_capture_on_commit_callbacks(execute=True):
        applicant_client.post(delete_url(document))

    assert files_under(document_storage) == []


def test_removing_a_document_keeps_the_file_until_the_transaction_commits(
    applicant_client, profile, django_capture_on_commit_callbacks
):
    document = make_document(profile)
    storage, name = document.file.storage, document.file.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        applicant_client.post(delete_url(document))

    assert not SupportingDocument.objects.filter(pk=document.pk).exists()
    assert len(callbacks) == 1
    assert storage.exists(name)
    callbacks[0]()
    assert not storage.exists(name)


def test_removing_a_document_says_so_on_the_documents_step(applicant_client, profile):
    document = make_document(profile, name="lease.pdf")

    response = applicant_client.post(delete_url(document), follow=True)

    assert response.status_code == 200
    assert "“lease.pdf” was removed." in response.content.decode()
    assert current_step(response) == "documents"


def test_removing_a_document_only_removes_that_document(applicant_client, profile):
    kept = make_document(profile, name="kept.pdf")
    removed = make_document(profile, name="removed.pdf")

    applicant_client.post(delete_url(removed))

    assert list(SupportingDocument.objects.filter(profile=profile)) == [kept]
    assert stored_bytes(kept) == PDF


def test_removal_refuses_get(applicant_client, profile):
    document = make_document(profile)

    response = applicant_client.get(delete_url(document))

    assert response.status_code == 405
    assert SupportingDocument.objects.filter(pk=document.pk).exists()
    assert document.file.storage.exists(document.file.name)


@pytest.mark.parametrize(
    "status", [Status.PENDING_REVIEW, Status.IN_REVIEW, Status.TWILIO_APPROVED]
)
def test_removal_from_a_locked_profile_answers_409_and_keeps_everything(
    applicant_client, account, status, django_capture_on_commit_callbacks
):
    profile = SecondaryProfileFactory(account=account, status=status)
    document = make_document(profile)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = applicant_client.post(delete_url(document))

    assert response.status_code == 409
    assert "can no longer be edited" in response.content.decode()
    assert callbacks == []
    assert SupportingDocument.objects.filter(pk=document.pk).exists()
    assert stored_bytes(document) == PDF


def test_removal_by_a_member_of_another_account_answers_404_and_keeps_everything(
    other_client, profile, django_capture_on_commit_callbacks
):
    document = make_document(profile)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = other_client.post(delete_url(document))

    assert response.status_code == 404
    assert callbacks == []
    assert SupportingDocument.objects.filter(pk=document.pk).exists()
    assert stored_bytes(document) == PDF


def test_removal_by_an_anonymous_user_is_sent_to_login(profile):
    document = make_document(profile)

    response = Client().post(delete_url(document))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert SupportingDocument.objects.filter(pk=document.pk).exists()


@pytest.mark.parametrize(
    "status", [Status.PENDING_REVIEW, Status.IN_REVIEW, Status.TWILIO_APPROVED]
)
def test_upload_to_a_locked_profile_answers_409_and_stores_nothing(
    applicant_client, account, document_storage, status
):
    profile = SecondaryProfileFactory(account=account, status=status)

    response = post_documents(applicant_client, profile, a_file("late.pdf", PDF))

    assert response.status_code == 409
    assert "can no longer be edited" in response.content.decode()
    assert not SupportingDocument.objects.filter(profile=profile).exists()
    assert files_under(document_storage) == []


def test_upload_to_another_accounts_profile_answers_404_and_stores_nothing(
    other_client, profile, document_storage
):
    response = post_documents(other_client, profile, a_file("certificate.pdf", PDF))

    assert response.status_code == 404
    assert not SupportingDocument.objects.exists()
    assert files_under(document_storage) == []
