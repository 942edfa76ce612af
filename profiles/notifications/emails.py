"""The portal's emails: subject, text and HTML bodies from templates."""

from __future__ import annotations

import re
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from ..choices import Status
from ..models import NotificationAddress, NotificationDelivery
from .errors import DeliveryError
from .tokens import make_token

# Applicant text in a subject is cut to this many characters.
SUBJECT_TEXT_LIMIT = 40
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
QUOTES = re.compile(r"[\"“”„«»]")


def quoted_for_subject(text: str, limit: int = SUBJECT_TEXT_LIMIT) -> str:
    """Applicant text as a subject may show it: one line, short, in quotes.

    Quotes inside become apostrophes, so the text cannot seem to end early and
    pass what follows it for the portal's own words.
    """
    one_line = " ".join(CONTROL.sub(" ", QUOTES.sub("'", text)).split())
    if len(one_line) > limit:
        one_line = one_line[: limit - 3].rstrip() + "..."
    return f'"{one_line}"'


def make_message(name: str, to: str, ctx: dict) -> EmailMultiAlternatives:
    """Render emails/<name>-subject.txt, -body-text.txt and -body-html.html."""
    # One line, whatever the names inside hold.
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", ctx).split())
    text = render_to_string(f"emails/{name}-body-text.txt", ctx)
    html = render_to_string(f"emails/{name}-body-html.html", ctx)
    message = EmailMultiAlternatives(subject, text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


def portal_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def send_decision(delivery: NotificationDelivery) -> None:
    """Email the applicant that their profile was approved or rejected."""
    change = delivery.status_change
    profile = change.profile
    ctx = {
        "profile": profile,
        "subject_name": quoted_for_subject(profile.friendly_name or profile.sid),
        "change": change,
        "approved": change.to_status == Status.TWILIO_APPROVED,
        "status_label": Status(change.to_status).label,
        "reasons": change.reasons,
        "url": portal_url(profile.get_absolute_url()),
    }
    send(make_message("decision", delivery.target, ctx))


def send_address_confirmation(address: NotificationAddress) -> None:
    """Email an address the link that confirms it; nothing of the applicant's."""
    token = make_token(address.pk, address.email)
    ctx = {
        "account": address.account,
        "email": address.email,
        "url": portal_url(reverse("address-confirm", args=[token])),
        "days": max(1, settings.NOTIFICATION_CONFIRMATION_MAX_AGE_SECONDS // 86400),
    }
    send(make_message("address-confirmation", address.email, ctx))


def send(message: EmailMultiAlternatives) -> None:
    """Send; a failure becomes a DeliveryError that says whether to try again."""
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"Recipient refused: {error}", permanent=True) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"Mail server: {error}", permanent=False) from None
