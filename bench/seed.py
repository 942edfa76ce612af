"""The bench's data, written with the ORM (bulk inserts where it can)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore

from profiles.access import REVIEWERS_GROUP
from profiles.choices import Status
from profiles.models import Account, Membership
from profiles.tests.builders import (
    bulk_secondary_profiles,
    complete_secondary_profiles,
)
from profiles.tests.factories import PrimaryProfileFactory

User = get_user_model()


@dataclass
class Login:
    user_id: int
    sessionid: str
    csrftoken: str

    @property
    def cookies(self) -> dict[str, str]:
        return {"sessionid": self.sessionid, "csrftoken": self.csrftoken}


def login(user) -> Login:
    """A signed-in session, written straight to the session store."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return Login(user.pk, session.session_key, secrets.token_hex(16))


def applicant_account(name: str) -> tuple[Account, object]:
    """An account with an approved primary profile, and a member."""
    account = Account.objects.create(name=name)
    PrimaryProfileFactory(account=account)
    email = f"{secrets.token_hex(6)}@bench.example.com"
    user = User.objects.create_user(username=email, email=email, password=None)
    Membership.objects.create(user=user, account=account)
    return account, user


def reviewer():
    user = User.objects.create_user(
        username="reviewer@bench.example.com", password=None, is_staff=True
    )
    user.groups.add(Group.objects.get_or_create(name=REVIEWERS_GROUP)[0])
    return user


def profiles(account, count: int, *, complete: bool = False, status=Status.IN_REVIEW):
    """`count` secondary profiles in bulk; complete ones pass the policy."""
    if complete:
        return complete_secondary_profiles(account, count)
    return bulk_secondary_profiles(
        account,
        count,
        lambda n: {"status": status, "email": "", "completed_steps": []},
    )
