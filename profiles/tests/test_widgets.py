"""CachedSelect renders exactly what Django's Select renders, only once."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation
from django.utils.safestring import mark_safe

from profiles.forms import (
    AddressForm,
    BusinessInformationForm,
    RepresentativeForm,
    SupportingDocumentsForm,
)
from profiles.tests.builders import new_draft
from profiles.tests.wizard_client import post_step
from profiles.tests.wizard_data import valid_data
from profiles.widgets import CachedSelect

# Every drop-down of the wizard, with one of its valid values.
SELECTS = [
    (AddressForm, "iso_country", "FR"),
    (BusinessInformationForm, "business_identity", "direct_customer"),
    (BusinessInformationForm, "business_type", "Partnership"),
    (BusinessInformationForm, "business_industry", "TECHNOLOGY"),
    (BusinessInformationForm, "business_registration_identifier", "EIN"),
    (RepresentativeForm, "job_position", "CEO"),
    (SupportingDocumentsForm, "document_type", "utility_bill"),
]
HOSTILE = [("a<b", 'Tom & "Jerry" <x>'), ("it's", "l'été & <b>co</b>")]


def stock(bound_field) -> str:
    """The field as Django's own Select renders it."""
    widget = bound_field.field.widget
    return bound_field.as_widget(
        widget=forms.Select(attrs=widget.attrs, choices=widget.choices)
    )


def bound(form_class, name, value=None, data=None):
    """The field of a form with `value` as its initial value or `data` posted."""
    form = form_class(prefix="step", initial={name: value}, data=data)
    return form[name]


@pytest.mark.parametrize(("form_class", "name", "valid"), SELECTS)
def test_the_wizards_drop_downs_use_the_cached_select(form_class, name, valid):
    assert isinstance(form_class().fields[name].widget, CachedSelect)


@pytest.mark.parametrize(("form_class", "name", "valid"), SELECTS)
@pytest.mark.parametrize("value", [None, "", "valid", "ZZ-not-a-choice"])
def test_it_renders_the_same_html_as_select(form_class, name, valid, value):
    field = bound(form_class, name, valid if value == "valid" else value)

    assert str(field) == stock(field)


@pytest.mark.parametrize(("form_class", "name", "valid"), SELECTS)
def test_the_prompt_is_selected_while_there_is_no_value(form_class, name, valid):
    html = str(bound(form_class, name))

    assert '<option value="" selected>Choose' in html
    assert html.count(" selected>") == 1


@pytest.mark.parametrize(("form_class", "name", "valid"), SELECTS)
def test_a_valid_value_is_the_one_option_selected(form_class, name, valid):
    html = str(bound(form_class, name, valid))

    assert f'<option value="{valid}" selected>' in html
    assert html.count(" selected>") == 1


def test_an_invalid_value_selects_nothing():
    html = str(bound(AddressForm, "iso_country", "ZZ"))

    assert " selected>" not in html


def test_the_selected_value_is_kept_after_a_post_with_errors():
    field = bound(AddressForm, "iso_country", data={"step-iso_country": "DE"})

    assert field.errors == []
    assert field.form.errors
    assert '<option value="DE" selected>Germany</option>' in str(field)
    assert str(field) == stock(field)


def test_the_address_step_keeps_the_chosen_country_when_it_has_errors(
    applicant_client, account
):
    draft = new_draft(account)
    data = valid_data("address", street="", iso_country="DE")

    response = post_step(applicant_client, draft, "address", data)

    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert '<option value="DE" selected>Germany</option>' in page
    assert page.count(" selected>") == 1


def test_a_missing_required_country_is_marked_invalid_like_select():
    field = bound(AddressForm, "iso_country", data={"step-iso_country": ""})

    assert 'aria-invalid="true"' in str(field)
    assert str(field) == stock(field)


@pytest.mark.parametrize("language", ["fr", "de"])
def test_labels_follow_the_active_language(language):
    english = str(bound(AddressForm, "iso_country", "DE"))

    with translation.override(language):
        translated = bound(AddressForm, "iso_country", "DE")
        html = str(translated)
        assert html == stock(translated)

    assert html != english
    assert "Germany" not in html
    assert str(bound(AddressForm, "iso_country", "DE")) == english


def test_labels_and_values_are_escaped():
    widget = CachedSelect(choices=[("", "Choose…"), *HOSTILE])

    html = widget.render("x", "a<b")

    assert html == forms.Select(choices=widget.choices).render("x", "a<b")
    # Jinja2's escapes: &#34; and &#39; for quotes.
    assert '<option value="a&lt;b" selected>Tom &amp; &#34;Jerry&#34; &lt;x&gt;' in html
    assert '<option value="it&#39;s">l&#39;été &amp; &lt;b&gt;co&lt;/b&gt;' in html


def test_a_label_marked_safe_is_not_escaped_twice():
    choices = [("b", mark_safe("<b>Bold</b>")), ("p", "<b>Plain</b>")]

    html = CachedSelect(choices=choices).render("x", "b")

    assert html == forms.Select(choices=choices).render("x", "b")
    assert "<b>Bold</b>" in html


def test_only_the_first_option_with_a_repeated_value_is_selected():
    choices = [("a", "First"), ("a", "Again"), ("b", "Other")]

    html = CachedSelect(choices=choices).render("x", "a")

    assert html == forms.Select(choices=choices).render("x", "a")
    assert html.count(" selected>") == 1


def test_choices_with_numbers_as_values_are_compared_as_text():
    choices = [(1, "One"), (2, "Two")]

    html = CachedSelect(choices=choices).render("x", 2)

    assert html == forms.Select(choices=choices).render("x", 2)
    assert '<option value="2" selected>Two</option>' in html


def test_no_choices_render_an_empty_select():
    assert CachedSelect().render("x", None) == forms.Select().render("x", None)


def test_option_groups_are_refused():
    widget = CachedSelect(choices=[("Europe", [("FR", "France")])])

    with pytest.raises(TypeError):
        widget.render("x", "FR")


def test_every_form_shares_one_list_of_choices_per_language():
    first = AddressForm().fields["iso_country"].choices
    second = AddressForm().fields["iso_country"].choices
    with translation.override("fr"):
        french = AddressForm().fields["iso_country"].choices

    assert first is second
    assert french is not first
    assert ("DE", "Germany") in list(first)
    assert ("DE", "Allemagne") in list(french)


def test_the_options_markup_is_worked_out_once_per_list_of_choices():
    choices = AddressForm().fields["iso_country"].choices
    first = str(AddressForm()["iso_country"])
    kept = choices.rendered

    assert kept is not None
    assert str(AddressForm(data={"iso_country": "FR"})["iso_country"]) != first
    assert choices.rendered is kept


def test_fixed_choices_still_validate_like_a_list():
    form = AddressForm(data={"iso_country": "ZZ"})
    form.is_valid()

    assert "iso_country" in form.errors
    assert AddressForm().fields["iso_country"].valid_value("FR")
