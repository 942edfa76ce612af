"""The Jinja2 environment's helpers give what Django's own methods give."""

from __future__ import annotations

import pytest
from django.utils import translation

from portal.jinja2 import display
from profiles.tests.factories import (
    AddressFactory,
    BusinessInformationFactory,
    SecondaryProfileFactory,
)

pytestmark = pytest.mark.django_db

CHOICE_FIELDS = [
    ("profile", "status"),
    ("profile", "kind"),
    ("business", "business_identity"),
    ("business", "business_type"),
    ("business", "business_industry"),
    ("business", "business_registration_identifier"),
]


@pytest.fixture
def rows():
    profile = SecondaryProfileFactory()
    business = BusinessInformationFactory(profile=profile)
    AddressFactory(profile=profile)
    return {"profile": profile, "business": business}


@pytest.mark.parametrize(("row", "name"), CHOICE_FIELDS)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_display_gives_the_label_that_get_display_gives(rows, row, name, language):
    obj = rows[row]
    with translation.override(language):
        assert display(obj, name) == getattr(obj, f"get_{name}_display")()


def test_a_value_outside_the_choices_is_shown_as_it_is(rows):
    profile = rows["profile"]
    profile.status = "not-a-status"

    assert display(profile, "status") == "not-a-status"


def test_a_missing_row_displays_nothing():
    assert display(None, "business_industry") is None
