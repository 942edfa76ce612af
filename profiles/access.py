"""Who may see what: every object is looked up through the user's account."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from .models import Account, CustomerProfile, Membership, SupportingDocument

REVIEWERS_GROUP = "Reviewers"


def account_for(user) -> Account | None:
    """The account the user belongs to, or None (anonymous, staff without one)."""
    if not user.is_authenticated:
        return None
    # Asked several times a request; one query, remembered on the user object.
    if not hasattr(user, "_portal_account"):
        membership = (
            Membership.objects.select_related("account").filter(user=user).first()
        )
        user._portal_account = membership.account if membership else None
    return user._portal_account


def is_reviewer(user) -> bool:
    """Staff in the Reviewers group (remembered on the user for the request)."""
    if not (user.is_authenticated and user.is_staff):
        return False
    if not hasattr(user, "_portal_is_reviewer"):
        user._portal_is_reviewer = user.groups.filter(name=REVIEWERS_GROUP).exists()
    return user._portal_is_reviewer


def get_profile_or_404(user, sid: str) -> CustomerProfile:
    """A profile of the user's own account; anything else is a 404."""
    profiles = CustomerProfile.objects.for_account(account_for(user))
    return get_object_or_404(profiles.select_related("account"), sid=sid)


def get_document_or_404(user, profile_sid: str, sid: str) -> SupportingDocument:
    """A document the user may open: their account's, or any for a reviewer."""
    documents = SupportingDocument.objects.select_related("profile")
    if not is_reviewer(user):
        documents = documents.filter(profile__account=account_for(user))
    return get_object_or_404(documents, profile__sid=profile_sid, sid=sid)
