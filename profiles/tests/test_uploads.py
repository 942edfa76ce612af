"""Request bodies: the size limit and who may send files (portal/uploads.py).

The live tests speak HTTP to a real server over a socket and send only the
start of a large body: a response that arrives while the rest is unsent shows
the server refused without reading it.
"""

from __future__ import annotations

import socket
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.test import Client, RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from profiles.choices import DocumentType
from profiles.models import SupportingDocument
from profiles.tests.factories import MembershipFactory, SecondaryProfileFactory
from profiles.tests.files import PDF

SIXTY_MB = 60_000_000
SENT_FIRST = 256 * 1024


def step_url(profile) -> str:
    return reverse("profiles:step", kwargs={"sid": profile.sid, "step": "documents"})


def multipart_head(boundary: bytes) -> bytes:
    """The start of the documents step's form, then a file part that goes on."""
    return (
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="wizard-current_step"\r\n\r\n'
        b"documents\r\n"
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="documents-files"; '
        b'filename="huge.pdf"\r\nContent-Type: application/pdf\r\n\r\n' + PDF
    )


def post_partially(url: str, declared: int, cookie: str = "") -> tuple[int, str]:
    """POST `declared` bytes of multipart body but send only the first
    SENT_FIRST, then wait for the answer; (status, page)."""
    parts = urlsplit(url)
    boundary = b"limit-test-boundary"
    body_start = multipart_head(boundary)
    body_start += b"%" * (SENT_FIRST - len(body_start))
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary.decode()}\r\n"
        f"Content-Length: {declared}\r\n"
        + (f"Cookie: {cookie}\r\n" if cookie else "")
        + "\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head + body_start)
        # A server that reads the body waits here for the rest, and times out.
        answer = b""
        while b"</html>" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.decode(errors="replace")


@pytest.fixture
def upload_tmp(settings, tmp_path):
    """Where Django would spool uploads, watched by the tests."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


@pytest.fixture
def signed_in_cookie(settings, account) -> tuple[str, object]:
    """A member's session cookie for the live server, and a draft of theirs."""
    user = MembershipFactory(account=account).user
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    profile = SecondaryProfileFactory(account=account)
    return f"{settings.SESSION_COOKIE_NAME}={session}", profile


# --- Over real HTTP -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_60_mb_upload_is_refused_before_its_body_is_read(
    live_server, signed_in_cookie, upload_tmp
):
    cookie, profile = signed_in_cookie

    status, page = post_partially(live_server.url + step_url(profile), SIXTY_MB, cookie)

    assert status == 413
    assert "The upload is too large" in page
    assert "Nothing was saved." in page
    assert not SupportingDocument.objects.exists()
    assert list(upload_tmp.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_60_mb_post_is_refused_before_its_body_is_read(
    live_server, upload_tmp
):
    status, page = post_partially(live_server.url + reverse("login"), SIXTY_MB)

    assert status == 413
    assert list(upload_tmp.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_multipart_post_under_the_limit_is_refused_unread(
    live_server, upload_tmp
):
    """3 MB is under the request limit, but no visitor posts files."""
    status, page = post_partially(live_server.url + reverse("login"), 3_000_000)

    assert status == 403
    assert "Sign in before you upload files." in page
    assert list(upload_tmp.iterdir()) == []


# --- Through the test client --------------------------------------------------------


def test_an_upload_over_the_limit_is_a_413_that_saves_nothing(
    settings, applicant_client, profile, document_storage
):
    settings.REQUEST_MAX_BODY_BYTES = 20_000
    big = SimpleUploadedFile("big.pdf", PDF + b"%" * 30_000, "application/pdf")

    response = applicant_client.post(
        step_url(profile),
        {
            "wizard-current_step": "documents",
            "documents-document_type": DocumentType.BUSINESS_REGISTRATION,
            "documents-files": big,
            "action": "upload",
        },
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert "files are accepted up to 10.0\xa0MB each, 5 at a time" in page
    assert not SupportingDocument.objects.exists()
    assert not list(document_storage.rglob("*.*"))


def test_an_upload_within_the_limit_is_stored(settings, applicant_client, profile):
    settings.REQUEST_MAX_BODY_BYTES = 20_000

    response = applicant_client.post(
        step_url(profile),
        {
            "wizard-current_step": "documents",
            "documents-document_type": DocumentType.BUSINESS_REGISTRATION,
            "documents-files": SimpleUploadedFile("ok.pdf", PDF, "application/pdf"),
            "action": "upload",
        },
    )

    assert response.status_code == 302
    assert SupportingDocument.objects.filter(profile=profile).count() == 1


@pytest.mark.django_db
def test_a_visitor_posting_a_file_is_refused_and_not_signed_in(applicant, upload_tmp):
    client = Client()

    response = client.post(
        reverse("login"),
        {
            "username": applicant.email,
            "password": "pass-word-123",
            "attachment": SimpleUploadedFile("a.pdf", PDF, "application/pdf"),
        },
    )

    assert response.status_code == 403
    assert "Sign in before you upload files." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_default_limit_is_a_full_upload_and_its_form(settings):
    assert settings.REQUEST_MAX_BODY_BYTES == (
        settings.DOCUMENTS_MAX_PER_UPLOAD * settings.DOCUMENT_MAX_UPLOAD_BYTES + 2**20
    )
    assert settings.FILE_UPLOAD_HANDLERS[0] == "portal.uploads.BodyLimitUploadHandler"


# --- The upload handler on its own -------------------------------------------------


class CountingInput:
    """A request body that counts what the server reads of it."""

    def __init__(self, data: bytes):
        self.stream, self.read_bytes = BytesIO(data), 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.read_bytes += len(data)
        return data

    def readline(self, size=-1):
        line = self.stream.readline(size)
        self.read_bytes += len(line)
        return line


@pytest.mark.django_db
def test_the_handler_stops_reading_once_the_files_pass_the_limit(
    settings, applicant, upload_tmp
):
    """Whatever the headers said: the handler counts the bytes themselves."""
    settings.REQUEST_MAX_BODY_BYTES = 200_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    files = [
        SimpleUploadedFile(f"part-{n}.pdf", PDF + b"%" * 150_000, "application/pdf")
        for n in range(20)
    ]
    body = encode_multipart(BOUNDARY, {"documents-files": files})
    environ = RequestFactory().generic("POST", "/", body, MULTIPART_CONTENT).environ
    environ["wsgi.input"] = counted = CountingInput(body)
    request = WSGIRequest(environ)
    request.user = applicant

    uploaded = request.FILES.getlist("documents-files")

    assert request.upload_refused == "too_large"
    # The first file was whole before the limit; the second was cut off.
    assert [upload.name for upload in uploaded] == ["part-0.pdf"]
    assert counted.read_bytes < 400_000 < len(body)
    assert len(list(upload_tmp.iterdir())) == 1
    # Django closes (and so deletes) the request's files when it is done.
    request.close()
    assert list(upload_tmp.iterdir()) == []
