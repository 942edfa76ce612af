"""The bench's data, written with the ORM (bulk inserts where it can)."""

from __future__ import annotations

import hashlib
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
from django.core.files.base import ContentFile

from profiles.access import REVIEWERS_GROUP
from profiles.choices import Status
from profiles.models import (
    Account,
    AuthorizedRepresentative,
    Membership,
    SupportingDocument,
)
from profiles.steps import STEP_NAMES
from profiles.storage import document_storage
from profiles.tests.builders import bulk_secondary_profiles
from profiles.tests.factories import PrimaryProfileFactory
from profiles.tests.files import PDF

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


def stored_pdf() -> str:
    """One stored PDF that the bulk-created documents all point at."""
    return document_storage().save("bench/bill.pdf", ContentFile(PDF))


def profiles(account, count: int, *, complete: bool = False, status=Status.IN_REVIEW):
    """`count` secondary profiles in bulk; complete ones pass the policy."""
    rows = bulk_secondary_profiles(
        account,
        count,
        lambda n: {
            "status": Status.DRAFT if complete else status,
            "email": "ops@bulk.example.com" if complete else "",
            "completed_steps": list(STEP_NAMES[:-1]) if complete else [],
        },
    )
    if complete:
        AuthorizedRepresentative.objects.bulk_create(
            AuthorizedRepresentative(
                profile=profile,
                position=position,
                first_name=first,
                last_name="Bench",
                email=f"{first.lower()}@bulk.example.com",
                phone_number="+14155550100",
                business_title="Head of Operations",
                job_position="Director",
            )
            for profile in rows
            for position, first in ((1, "Ada"), (2, "Grace"))
        )
        name = stored_pdf()
        SupportingDocument.objects.bulk_create(
            SupportingDocument(
                profile=profile,
                document_type="utility_bill",
                file=name,
                original_name="bill.pdf",
                mime_type="application/pdf",
                size=len(PDF),
                sha256=hashlib.sha256(PDF).hexdigest(),
            )
            for profile in rows
        )
    return rows
