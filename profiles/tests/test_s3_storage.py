"""Documents on S3 (DOCUMENTS_STORAGE=s3), against moto's real S3 API server."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from profiles.choices import DocumentType
from profiles.models import SupportingDocument
from profiles.tests.builders import PDF

pytestmark = pytest.mark.django_db


def upload(client, profile, name="certificate.pdf", content=PDF):
    """Post the wizard's documents step with one file, as the browser does."""
    return client.post(
        reverse("profiles:step", kwargs={"sid": profile.sid, "step": "documents"}),
        {
            "wizard-current_step": "documents",
            "documents-document_type": DocumentType.BUSINESS_REGISTRATION,
            "documents-files": SimpleUploadedFile(name, content, "application/pdf"),
            "action": "upload",
        },
    )


def stored_document(profile, name="certificate.pdf") -> SupportingDocument:
    """A document saved through the storage, without the wizard."""
    return SupportingDocument.objects.create(
        profile=profile,
        document_type=DocumentType.BUSINESS_REGISTRATION,
        file=ContentFile(PDF, name=name),
        original_name=name,
        mime_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )


def download_url(document) -> str:
    return reverse("profiles:document", args=[document.profile.sid, document.sid])


def object_exists(s3_server, bucket: str, key: str) -> bool:
    try:
        s3_server.client().head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        return False
    return True


def test_an_upload_through_the_wizard_is_stored_in_the_bucket(
    applicant_client, profile, s3_documents, s3_server
):
    response = upload(applicant_client, profile)

    assert response.status_code == 302
    document = SupportingDocument.objects.get(profile=profile)
    stored = s3_server.client().get_object(Bucket=s3_documents, Key=document.file.name)
    assert stored["Body"].read() == PDF
    assert document.file.name.startswith("documents/")


def test_a_stored_object_is_private(applicant_client, profile, s3_documents, s3_server):
    upload(applicant_client, profile)
    document = SupportingDocument.objects.get(profile=profile)

    unsigned = requests.get(
        f"{s3_server.endpoint}/{s3_documents}/{document.file.name}", timeout=10
    )

    assert unsigned.status_code == 403
    assert PDF not in unsigned.content
    grants = s3_server.client().get_object_acl(
        Bucket=s3_documents, Key=document.file.name
    )["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert grants[0]["Grantee"]["Type"] == "CanonicalUser"


def test_a_download_redirects_to_a_short_lived_signed_link(
    applicant_client, profile, s3_documents, s3_server
):
    document = stored_document(profile, name="Certificate of Incorporation.pdf")

    response = applicant_client.get(download_url(document))

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    link = urlsplit(response["Location"])
    query = parse_qs(link.query)
    assert f"{link.scheme}://{link.netloc}" == f"http://localhost:{s3_server.port}"
    assert link.path == f"/{s3_documents}/{document.file.name}"
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-Signature"]
    assert query["response-content-disposition"] == [
        'attachment; filename="Certificate of Incorporation.pdf"'
    ]


def test_the_signed_link_serves_the_stored_bytes_as_an_attachment(
    applicant_client, profile, s3_documents
):
    upload(applicant_client, profile, name="bill.pdf")
    document = SupportingDocument.objects.get(profile=profile)

    link = applicant_client.get(download_url(document))["Location"]
    fetched = requests.get(link, timeout=10)

    assert fetched.status_code == 200
    assert fetched.content == PDF
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="bill.pdf"'


def test_the_signed_link_names_the_download_after_its_content(
    applicant_client, profile, s3_documents
):
    upload(applicant_client, profile, name="x.html")
    document = SupportingDocument.objects.get(profile=profile)

    link = applicant_client.get(download_url(document))["Location"]
    fetched = requests.get(link, timeout=10)

    assert parse_qs(urlsplit(link).query)["response-content-disposition"] == [
        'attachment; filename="x.pdf"'
    ]
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="x.pdf"'
    assert fetched.content == PDF


def test_another_account_gets_a_404_and_no_link(other_client, profile, s3_documents):
    document = stored_document(profile)

    response = other_client.get(download_url(document))

    assert response.status_code == 404
    assert "Location" not in response


def test_a_reviewer_gets_a_link_too(reviewer_client, profile, s3_documents):
    document = stored_document(profile)

    response = reviewer_client.get(download_url(document))

    assert response.status_code == 302
    assert requests.get(response["Location"], timeout=10).content == PDF


def test_removing_a_document_deletes_its_object(
    applicant_client,
    profile,
    s3_documents,
    s3_server,
    django_capture_on_commit_callbacks,
):
    document = stored_document(profile)
    key = document.file.name
    assert object_exists(s3_server, s3_documents, key)

    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(
            reverse("profiles:document-delete", args=[profile.sid, document.sid])
        )

    assert response.status_code == 302
    assert not SupportingDocument.objects.filter(pk=document.pk).exists()
    assert not object_exists(s3_server, s3_documents, key)


def test_a_missing_object_gives_a_clean_404(
    applicant_client, profile, s3_documents, s3_server
):
    document = stored_document(profile)
    s3_server.client().delete_object(Bucket=s3_documents, Key=document.file.name)

    response = applicant_client.get(download_url(document))

    assert response.status_code == 404
    assert "Location" not in response
