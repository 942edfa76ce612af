"""The Jinja2 environment's helpers give what Django's own methods give, and its
texts are translated by Django's catalogues."""

from __future__ import annotations

import pytest
from django.template import engines
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


def render(source: str, language: str, **context) -> str:
    """A portal (Jinja2) template's text in `language`."""
    template = engines["jinja2"].from_string(source)
    with translation.override(language):
        return template.render(context)


def test_texts_are_translated_by_djangos_catalogues():
    # "Page not found" is in the French catalogue of an installed app (the admin).
    assert render('{{ _("Page not found") }}', "fr") == "Page non trouvée"
    assert render('{{ _("Page not found") }}', "en") == "Page not found"


def test_plurals_follow_djangos_catalogues_and_the_count():
    source = '{{ ngettext("%(num)d day", "%(num)d days", n) }}'

    assert render(source, "fr", n=1) == "1 jour"
    assert render(source, "fr", n=3) == "3 jours"
    assert render(source, "en", n=3) == "3 days"


def test_variables_are_escaped_into_the_translation():
    source = '{{ _("Hello %(name)s", name=name) }} {{ _("100%% sure") }}'

    html = render(source, "en", name="<b>Ada</b>")

    assert html == "Hello &lt;b&gt;Ada&lt;/b&gt; 100% sure"


def test_a_trans_block_translates_and_escapes_its_variables():
    source = "{% trans name=name %}Welcome, {{ name }}: 100% done{% endtrans %}"

    assert render(source, "en", name="<i>") == "Welcome, &lt;i&gt;: 100% done"
