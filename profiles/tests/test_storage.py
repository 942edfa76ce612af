"""Unit tests of profiles.storage: the content check, file names and stored names."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from profiles.models import SupportingDocument
from profiles.storage import (
    clean_filename,
    document_upload_to,
    inspect_upload,
)
from profiles.tests.files import PDF, jpeg_bytes, png_bytes


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def error_codes(raised: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [error.code for error in raised.value.error_list]


def error_text(raised: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(raised.value.messages)


# --- inspect_upload -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "mime_type"),
    [
        ("certificate.pdf", PDF, "application/pdf"),
        ("scan.jpg", jpeg_bytes(), "image/jpeg"),
        ("scan.png", png_bytes(), "image/png"),
    ],
    ids=["pdf", "jpeg", "png"],
)
def test_inspect_upload_accepts_pdf_jpeg_and_png_and_describes_them(
    name, content, mime_type
):
    inspected = inspect_upload(upload(name, content))

    assert inspected.mime_type == mime_type
    assert inspected.size == len(content)
    assert inspected.sha256 == hashlib.sha256(content).hexdigest()
    assert inspected.original_name == name


def test_inspect_upload_leaves_the_file_readable_from_the_start():
    file = upload("certificate.pdf", PDF)

    inspected = inspect_upload(file)

    assert inspected.file is file
    assert inspected.file.read() == PDF


def test_inspect_upload_trusts_the_content_not_the_name_or_the_declared_type():
    inspected = inspect_upload(upload("photo.png", PDF, content_type="image/png"))

    assert inspected.mime_type == "application/pdf"


def test_inspect_upload_refuses_an_empty_file_by_name():
    with pytest.raises(ValidationError) as raised:
        inspect_upload(upload("blank.pdf", b""))

    assert error_codes(raised) == ["empty"]
    assert "“blank.pdf” is empty." in error_text(raised)


def test_inspect_upload_refuses_a_file_over_the_limit_and_says_the_limit(settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1000
    content = PDF + b"%" * (1001 - len(PDF))

    with pytest.raises(ValidationError) as raised:
        inspect_upload(upload("big.pdf", content))

    assert error_codes(raised) == ["too_large"]
    message = error_text(raised)
    assert "“big.pdf”" in message
    assert "the largest file accepted is 1000\xa0bytes" in message


def test_inspect_upload_accepts_a_file_of_exactly_the_limit(settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1000
    content = PDF + b"%" * (1000 - len(PDF))

    inspected = inspect_upload(upload("exact.pdf", content))

    assert inspected.size == 1000
    assert inspected.mime_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.pdf", b"<!doctype html><html><script>alert(1)</script></html>"),
        (
            "logo.png",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(1)</script></svg>",
        ),
        ("notes.pdf", b"just some plain text, no magic number here\n"),
        ("anim.jpg", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        ("archive.pdf", b"PK\x03\x04" + b"\x00" * 60),
        ("random.png", bytes(range(256))),
    ],
    ids=["html", "svg", "text", "gif", "zip", "random bytes"],
)
def test_inspect_upload_refuses_content_that_is_not_pdf_jpeg_or_png(name, content):
    with pytest.raises(ValidationError) as raised:
        inspect_upload(upload(name, content, content_type="application/pdf"))

    assert error_codes(raised) == ["type"]
    assert (
        f"“{name}” is not a PDF, JPEG or PNG file (checked by its content)."
        in error_text(raised)
    )


def test_inspect_upload_names_the_cleaned_file_name_in_its_message():
    with pytest.raises(ValidationError) as raised:
        inspect_upload(upload("dir/\x1b[31mred.pdf", b""))

    assert "“[31mred.pdf” is empty." in error_text(raised)


# --- clean_filename -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("certificate.pdf", "certificate.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("/etc/passwd", "passwd"),
        ("folder/sub/scan.png", "scan.png"),
        ("..\\..\\Windows\\system.ini.pdf", "system.ini.pdf"),
        ("C:\\Users\\me\\Desktop\\bill.jpg", "bill.jpg"),
        ("C:bill.jpg", "bill.jpg"),
        ("\\\\server\\share\\lease.pdf", "lease.pdf"),
        ("mixed/..\\../deed.pdf", "deed.pdf"),
    ],
)
def test_clean_filename_drops_every_folder_part(name, cleaned):
    assert clean_filename(name) == cleaned


@pytest.mark.parametrize("name", ["..", ".", "../..", "..\\..", "/", "\\", "a/.."])
def test_clean_filename_never_returns_a_parent_or_current_folder(name):
    cleaned = clean_filename(name)

    assert cleaned not in {"", ".", ".."}
    assert "/" not in cleaned
    assert "\\" not in cleaned


def test_clean_filename_removes_leading_dots_so_nothing_is_hidden():
    assert clean_filename(".htaccess") == "htaccess"
    assert clean_filename("...pdf") == "pdf"


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("bill\x00.pdf", "bill.pdf"),
        ("bill\r\n.pdf", "bill.pdf"),
        ("\x07bill\x1b.pdf\x7f", "bill.pdf"),
        ("bill\tstatement.pdf", "billstatement.pdf"),
        # A right-to-left override would show "fdp.exe" as "exe.pdf".
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
    ],
)
def test_clean_filename_removes_control_and_format_characters(name, cleaned):
    assert clean_filename(name) == cleaned


def test_clean_filename_keeps_ordinary_unicode_and_spaces_inside():
    assert clean_filename("  Relevé bancaire – mars.pdf ") == (
        "Relevé bancaire – mars.pdf"
    )


def test_clean_filename_shortens_a_very_long_name_but_keeps_the_extension():
    cleaned = clean_filename("a" * 496 + ".pdf")

    assert len(cleaned) <= 255
    assert cleaned.endswith(".pdf")
    assert cleaned.startswith("aaaa")


def test_clean_filename_shortens_a_very_long_name_without_extension():
    cleaned = clean_filename("b" * 500)

    assert 0 < len(cleaned) <= 255
    assert set(cleaned) == {"b"}


def test_clean_filename_shortens_a_long_name_with_a_long_suffix():
    cleaned = clean_filename("c" * 300 + "." + "x" * 300)

    assert 0 < len(cleaned) <= 255


@pytest.mark.parametrize("name", ["", "   ", "\x00\x01", "/", "....", "dir/.."])
def test_clean_filename_falls_back_to_document_when_nothing_is_left(name):
    assert clean_filename(name) == "document"


# --- document_upload_to ---------------------------------------------------------

STORED_NAME = re.compile(r"^documents/([0-9a-f]{2})/([0-9a-f]{32})(\.[a-z]+)?$")


@pytest.mark.parametrize(
    ("mime_type", "suffix"),
    [
        ("application/pdf", ".pdf"),
        ("image/jpeg", ".jpg"),
        ("image/png", ".png"),
    ],
)
def test_document_upload_to_picks_the_extension_from_the_detected_type(
    mime_type, suffix
):
    document = SupportingDocument(mime_type=mime_type)

    name = document_upload_to(document, "whatever.exe")

    match = STORED_NAME.match(name)
    assert match, name
    assert match.group(3) == suffix
    assert match.group(1) == match.group(2)[:2]


def test_document_upload_to_ignores_the_original_name():
    document = SupportingDocument(mime_type="application/pdf")

    name = document_upload_to(document, "../../secret-acme-contract.html")

    assert "secret" not in name
    assert "acme" not in name
    assert ".." not in name
    assert not name.endswith(".html")
    assert name.endswith(".pdf")


def test_document_upload_to_adds_no_extension_for_an_unknown_type():
    document = SupportingDocument(mime_type="text/html")

    name = document_upload_to(document, "page.html")

    match = STORED_NAME.match(name)
    assert match, name
    assert match.group(3) is None


def test_document_upload_to_gives_a_different_name_on_each_call():
    document = SupportingDocument(mime_type="image/png")

    names = {document_upload_to(document, "scan.png") for _ in range(50)}

    assert len(names) == 50
