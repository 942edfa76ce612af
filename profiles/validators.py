"""Reusable field validators for the wizard's forms."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

validate_web_url = URLValidator(
    schemes=["http", "https"],
    message=_("Enter a full web address starting with http:// or https://."),
)


def normalize_phone_number(value: str) -> str:
    """Parse an international phone number and return it in E.164 form."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        number = None
    # Letters (vanity numbers) and extensions would not survive E.164.
    spelled = any(ch.isalpha() for ch in value) or "#" in value
    if number is None or spelled or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _(
                "Enter a valid phone number in international format, with the "
                "country code, for example +1 415 555 0100."
            ),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_url_lines(value: str) -> list[str]:
    """Return the non-empty lines of `value`, each checked as a web address."""
    urls = [line.strip() for line in value.splitlines() if line.strip()]
    for url in urls:
        try:
            validate_web_url(url)
        except ValidationError:
            raise ValidationError(
                _("“%(url)s” is not a web address starting with http:// or https://."),
                code="invalid_url",
                params={"url": url[:100]},
            ) from None
    return urls
