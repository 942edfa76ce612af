"""The field checks of profiles.validators: phone numbers and web addresses."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from profiles.evaluation import rules
from profiles.models import AuthorizedRepresentative
from profiles.validators import (
    normalize_phone_number,
    validate_url_lines,
    validate_web_url,
)

E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")

# --- normalize_phone_number -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+1 650 253 0000", "+16502530000"),
        ("+1 (650) 253-0000", "+16502530000"),
        ("+1.650.253.0000", "+16502530000"),
        ("+16502530000", "+16502530000"),
        ("  +1 650 253 0000  ", "+16502530000"),
        ("+44 20 7031 3000", "+442070313000"),
        ("+44 (0)20 7031 3000", "+442070313000"),
        ("+44 7911 123456", "+447911123456"),
        ("+49 30 901820", "+4930901820"),
        ("+33 1 42 68 53 00", "+33142685300"),
        ("+61 2 9374 4000", "+61293744000"),
        ("+81 3-3224-9999", "+81332249999"),
    ],
)
def test_it_normalises_international_numbers_to_e164(value, expected):
    assert normalize_phone_number(value) == expected


def test_the_example_in_the_error_message_is_itself_accepted():
    assert normalize_phone_number("+1 415 555 0100") == "+14155550100"


@pytest.mark.parametrize(
    "value",
    [
        "650 253 0000",
        "(650) 253-0000",
        "6502530000",
        "020 7031 3000",
        "0044 20 7031 3000",
        "1 650 253 0000",
    ],
)
def test_it_refuses_a_national_number_without_the_plus_and_country_code(value):
    with pytest.raises(ValidationError) as raised:
        normalize_phone_number(value)

    assert raised.value.code == "invalid_phone"
    assert "international format" in raised.value.messages[0]


@pytest.mark.parametrize(
    "value", ["call me", "+44 abc", "phone", "+1 ABC DEF GHIJ", "n/a"]
)
def test_it_refuses_letters(value):
    with pytest.raises(ValidationError) as raised:
        normalize_phone_number(value)

    assert raised.value.code == "invalid_phone"


PHONE_INPUTS = [
    "+1 650 253 0000",
    "+16502530000",
    "+44 (0)20 7031 3000",
    "+442070313000",
    "+81 3-3224-9999",
    "650 253 0000",
    "+1 650 253 0000 ext. 12",
    "+1 FLOWERS",
    "+999 123",
    "",
]


@pytest.mark.parametrize("value", PHONE_INPUTS)
def test_the_rules_accept_a_number_exactly_as_the_form_stores_it(value):
    """One check: what the form saves passes the rules, and what the rules
    accept is stored as the form would store it."""
    try:
        stored = normalize_phone_number(value)
    except ValidationError:
        stored = None
    rep = AuthorizedRepresentative(phone_number=value)
    rules_accept = value.strip() == "" or not list(rules.representative_phone(rep))

    assert rules_accept == (value == "" or stored == value)
    if stored is not None:
        rep.phone_number = stored
        assert list(rules.representative_phone(rep)) == []


def test_it_refuses_a_vanity_number_spelled_with_letters():
    # "FLOWERS" is not digits; phonenumbers would quietly turn it into 3569377.
    with pytest.raises(ValidationError) as raised:
        normalize_phone_number("+1 800 FLOWERS")

    assert raised.value.code == "invalid_phone"


@pytest.mark.parametrize(
    "value", ["+1 650 253 0000 ext. 123", "+1 650 253 0000 x5", "+44 20 7031 3000#9"]
)
def test_it_refuses_an_extension_rather_than_silently_dropping_it(value):
    with pytest.raises(ValidationError) as raised:
        normalize_phone_number(value)

    assert raised.value.code == "invalid_phone"


@pytest.mark.parametrize(
    "value", ["", " ", "+", "+1", "+1 650", "+44 20", "+1 650 253 000", "+49 3"]
)
def test_it_refuses_a_number_that_is_too_short(value):
    with pytest.raises(ValidationError) as raised:
        normalize_phone_number(value)

    assert raised.value.code == "invalid_phone"


def test_it_refuses_a_number_that_is_too_long():
    with pytest.raises(ValidationError):
        normalize_phone_number("+1 650 253 0000 0000 0000")


def test_it_refuses_an_unassigned_country_code():
    with pytest.raises(ValidationError):
        normalize_phone_number("+999 123 456 789")


@given(st.text(max_size=60))
def test_any_text_either_normalises_to_e164_or_raises_a_validation_error(value):
    try:
        normalized = normalize_phone_number(value)
    except ValidationError as error:
        assert error.code == "invalid_phone"
    else:
        assert E164.match(normalized), normalized


@given(st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)))
def test_every_region_example_number_in_international_format_is_accepted(region):
    example = phonenumbers.example_number(region)
    if example is None:
        return
    international = phonenumbers.format_number(
        example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    expected = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)

    assert normalize_phone_number(international) == expected


@given(st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)))
def test_normalising_is_idempotent(region):
    example = phonenumbers.example_number(region)
    if example is None:
        return
    once = normalize_phone_number(
        phonenumbers.format_number(
            example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    )

    assert normalize_phone_number(once) == once


# --- validate_web_url -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "https://example.com",
        "https://www.example.co.uk/about?lang=en#team",
        "https://example.com:8443/path",
        "HTTPS://EXAMPLE.COM",
        "https://xn--bcher-kva.example",
        "http://127.0.0.1:8000/",
    ],
)
def test_validate_web_url_accepts_http_and_https(url):
    assert validate_web_url(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file.pdf",
        "javascript:alert(1)",
        "javascript://example.com/%0Aalert(1)",
        "mailto:owner@example.com",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "example.com",
        "//example.com",
        "https://",
        "http://exa mple.com",
        "",
    ],
)
def test_validate_web_url_refuses_anything_but_http_and_https(url):
    with pytest.raises(ValidationError) as raised:
        validate_web_url(url)

    assert "http:// or https://" in raised.value.messages[0]


# --- validate_url_lines ---------------------------------------------------------


def test_validate_url_lines_returns_the_stripped_non_empty_lines_in_order():
    value = (
        "  https://twitter.com/acme  \n\n"
        "http://facebook.com/acme\r\n"
        "   \n"
        "https://linkedin.com/company/acme"
    )

    assert validate_url_lines(value) == [
        "https://twitter.com/acme",
        "http://facebook.com/acme",
        "https://linkedin.com/company/acme",
    ]


@pytest.mark.parametrize("value", ["", "\n", "  \n \r\n\t"])
def test_validate_url_lines_accepts_an_empty_value(value):
    assert validate_url_lines(value) == []


@pytest.mark.parametrize(
    "bad",
    ["ftp://example.com", "javascript:alert(1)", "mailto:owner@example.com"],
)
def test_validate_url_lines_refuses_a_line_that_is_not_http_or_https(bad):
    with pytest.raises(ValidationError) as raised:
        validate_url_lines(f"https://twitter.com/acme\n{bad}\nhttps://x.com/acme")

    assert raised.value.code == "invalid_url"
    assert (
        f"“{bad}” is not a web address starting with http:// or https://."
        in raised.value.messages[0]
    )


def test_validate_url_lines_quotes_at_most_100_characters_of_a_bad_line():
    bad = "ftp://example.com/" + "a" * 500

    with pytest.raises(ValidationError) as raised:
        validate_url_lines(bad)

    message = raised.value.messages[0]
    assert f"“{bad[:100]}”" in message
    assert bad[:101] not in message


@given(
    st.lists(
        st.from_regex(r"\Ahttps?://[a-z]{1,12}\.(com|org|net)(/[a-z0-9]{0,10})?\Z"),
        max_size=5,
    ),
    st.lists(st.sampled_from(["", " ", "\t", "  "]), min_size=6, max_size=6),
)
def test_validate_url_lines_keeps_every_valid_address_whatever_the_blank_lines(
    urls, blanks
):
    lines = []
    for blank, url in zip(blanks, urls, strict=False):
        lines += [blank, f" {url} "]
    lines.append(blanks[-1])

    assert validate_url_lines("\n".join(lines)) == urls


@given(st.text(max_size=200))
def test_validate_url_lines_returns_only_web_addresses_or_raises(value):
    try:
        urls = validate_url_lines(value)
    except ValidationError as error:
        assert error.code == "invalid_url"
    else:
        for url in urls:
            assert url.split("://")[0].lower() in {"http", "https"}
            assert url == url.strip()
            assert url
