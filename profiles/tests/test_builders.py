"""The builders the tests and the bench share: one complete profile, two ways."""

from __future__ import annotations

import pytest

from profiles.evaluation.engine import judge
from profiles.evaluation.submission import load_submission
from profiles.tests.builders import (
    complete_secondary_profile,
    complete_secondary_profiles,
)

pytestmark = pytest.mark.django_db

# What differs between two rows built alike: keys, names of stored files, clocks.
OWN = {"id", "sid", "profile_id", "file", "created_at", "updated_at", "uploaded_at"}


def answers(profile) -> dict:
    """The profile's fields and rows, less what differs between any two profiles."""

    def kept(row) -> dict:
        return {
            field.attname: getattr(row, field.attname)
            for field in row._meta.concrete_fields
            if field.attname not in OWN
        }

    return {
        "profile": kept(profile),
        "business": kept(profile.business_information),
        "representatives": [kept(r) for r in profile.representatives.all()],
        "address": kept(profile.address),
        "documents": [kept(d) for d in profile.documents.all()],
    }


def test_bulk_built_profiles_are_the_complete_profile_in_bulk(account):
    single = complete_secondary_profile(account)

    bulk = complete_secondary_profiles(account, 3)

    assert len(bulk) == 3
    for profile in bulk:
        profile.refresh_from_db()
        assert answers(profile) == answers(single)
        assert profile.documents.get().file.read() == single.documents.get().file.read()
        assert judge(load_submission(profile)).compliant is True
