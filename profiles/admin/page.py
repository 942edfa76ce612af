"""What the review page shows of one profile, read in a fixed number of queries."""

from __future__ import annotations

from operator import attrgetter

from django.db.models import FilteredRelation, Q, QuerySet

from ..choices import Channel
from ..failures import failures_of
from ..lifecycle import decisions_allowed
from ..models import CustomerProfile, NotificationDelivery, StatusChange


def with_review_rows(profiles: QuerySet[CustomerProfile]) -> QuerySet:
    """Profiles with the single rows their review page shows, in the same query."""
    return profiles.select_related(
        "account", "primary", "business_information", "address"
    )


def history_with_deliveries() -> QuerySet[StatusChange]:
    """Status changes with their actor and their delivery on each channel, oldest first.

    A change has at most one delivery per channel (a unique constraint), so each
    channel is a join of the history's query rather than a query of its own.
    """
    deliveries = {
        _delivery_on(channel): FilteredRelation(
            "deliveries", condition=Q(deliveries__channel=channel)
        )
        for channel in Channel.values
    }
    return StatusChange.objects.annotate(**deliveries).select_related(
        "actor", *deliveries
    )


def review_context(profile: CustomerProfile, user) -> dict:
    """Every section as the applicant entered it, its evaluation, its history,
    and the decisions `user` may make on it.

    Four queries, whatever the data, for a profile read by `with_review_rows()`.
    """
    evaluation = profile.evaluations.first()
    history = list(history_with_deliveries().filter(profile=profile))
    return {
        "profile": profile,
        "business_information": getattr(profile, "business_information", None),
        "representatives": list(profile.representatives.all()),
        "address": getattr(profile, "address", None),
        "documents": list(profile.documents.all()),
        "evaluation": evaluation,
        "failures": failures_of(evaluation.results) if evaluation else [],
        "history": history,
        "deliveries": deliveries_of(history),
        "decisions": decisions_allowed(profile, user),
    }


def deliveries_of(history: list[StatusChange]) -> list[NotificationDelivery]:
    """The deliveries of these status changes, newest first."""
    deliveries = [
        getattr(change, _delivery_on(channel), None)
        for change in history
        for channel in Channel.values
    ]
    return sorted(
        filter(None, deliveries), key=attrgetter("created_at", "pk"), reverse=True
    )


def _delivery_on(channel: str) -> str:
    return f"{channel}_delivery"
