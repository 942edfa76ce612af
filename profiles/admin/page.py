"""What the review page shows of one profile, read in a fixed number of queries."""

from __future__ import annotations

from django.utils import timezone

from ..choices import ProfileKind, Status
from ..failures import failures_of
from ..models import CustomerProfile, NotificationDelivery


def review_context(profile: CustomerProfile) -> dict:
    """Every section as the applicant entered it, its evaluation and its history."""
    evaluation = profile.evaluations.first()
    return {
        "profile": profile,
        "business_information": getattr(profile, "business_information", None),
        "representatives": list(profile.representatives.all()),
        "address": getattr(profile, "address", None),
        "documents": list(profile.documents.all()),
        "evaluation": evaluation,
        "failures": failures_of(evaluation.results) if evaluation else [],
        "history": list(profile.status_changes.select_related("actor")),
        "deliveries": list(
            NotificationDelivery.objects.filter(
                status_change__profile=profile
            ).select_related("status_change")
        ),
        "decisions": decisions(profile),
    }


def decisions(profile: CustomerProfile) -> set[str]:
    """The buttons worth showing; lifecycle still refuses what is not allowed."""
    if profile.status == Status.IN_REVIEW:
        return {"approve", "reject"}
    if profile.status == Status.TWILIO_APPROVED and profile.kind == ProfileKind.PRIMARY:
        unexpired = profile.valid_until is None or profile.valid_until > timezone.now()
        return {"reject", "expire"} if unexpired else {"reject"}
    return set()
