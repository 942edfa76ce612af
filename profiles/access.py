"""Who may see what: every object is looked up through the user's account."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.shortcuts import get_object_or_404

from .models import Account, CustomerProfile, SupportingDocument

REVIEWERS_GROUP = "Reviewers"


class AccountBackend(ModelBackend):
    """Django's model backend, reading the user's account with the user."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("membership__account")
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def account_for(user) -> Account | None:
    """The account the user belongs to, or None (anonymous, staff without one)."""
    if not user.is_authenticated:
        return None
    # Read with the user by AccountBackend; one query otherwise.
    membership = getattr(user, "membership", None)
    return membership.account if membership else None


def is_reviewer(user) -> bool:
    """Staff in the Reviewers group (remembered on the user for the request)."""
    if not (user.is_authenticated and user.is_staff):
        return False
    if not hasattr(user, "is_portal_reviewer"):
        user.is_portal_reviewer = user.groups.filter(name=REVIEWERS_GROUP).exists()
    return user.is_portal_reviewer


def get_profile_or_404(user, sid: str, profiles=None) -> CustomerProfile:
    """A profile of the user's own account; anything else is a 404.

    `profiles` may add what to read with it (related rows, annotations).
    """
    account = account_for(user)
    if profiles is None:
        profiles = CustomerProfile.objects.all()
    profile = get_object_or_404(profiles.for_account(account), sid=sid)
    # The user's own account, read with the user: no join to read it again.
    profile.account = account
    return profile


def get_document_or_404(user, profile_sid: str, sid: str) -> SupportingDocument:
    """A document the user may open: their account's, or any for a reviewer."""
    documents = SupportingDocument.objects.select_related("profile")
    if not is_reviewer(user):
        documents = documents.filter(profile__account=account_for(user))
    return get_object_or_404(documents, profile__sid=profile_sid, sid=sid)
