"""Decision emails: subject, text and HTML bodies from templates."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from ..choices import Status
from ..models import NotificationDelivery
from .errors import DeliveryError


def make_message(name: str, to: str, ctx: dict) -> EmailMultiAlternatives:
    """Render emails/<name>-subject.txt, -body-text.txt and -body-html.html."""
    # One line, whatever the names inside hold.
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", ctx).split())
    text = render_to_string(f"emails/{name}-body-text.txt", ctx)
    html = render_to_string(f"emails/{name}-body-html.html", ctx)
    message = EmailMultiAlternatives(subject, text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


def send_decision(delivery: NotificationDelivery) -> None:
    """Email the applicant that their profile was approved or rejected."""
    change = delivery.status_change
    profile = change.profile
    ctx = {
        "profile": profile,
        "change": change,
        "approved": change.to_status == Status.TWILIO_APPROVED,
        "status_label": Status(change.to_status).label,
        "reasons": change.reasons,
        "url": settings.PORTAL_BASE_URL.rstrip("/") + profile.get_absolute_url(),
    }
    try:
        make_message("decision", delivery.target, ctx).send()
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"Recipient refused: {error}", permanent=True) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"Mail server: {error}", permanent=False) from None
