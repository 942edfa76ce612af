"""One form per wizard step. Field names are the Trust Hub attribute names.

Forms only validate; the wizard hands their cleaned data to `drafts`. Which
fields the policy requires, the wizard's step says (`required_fields`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .choices import DocumentType, Region, RegistrationIdentifier
from .models import (
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
)
from .notifications.targets import UnsafeTarget, check_callback_url
from .quotas import check_document_count
from .storage import inspect_upload
from .throttle import ThrottledAuthenticationMixin
from .validators import normalize_phone_number, validate_url_lines, validate_web_url
from .widgets import CachedSelect, FixedChoices


class EmailAuthenticationForm(ThrottledAuthenticationMixin, AuthenticationForm):
    """Django's login form, with the email address as the username.

    Repeated failures per login and per address are throttled (see throttle).
    """

    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter a correct email and password. Both are case-sensitive "
            "except the email."
        ),
    }

    def clean_username(self):
        return self.cleaned_data["username"].lower()


CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SingleLineMixin:
    """Refuse line breaks and control characters in one-line text fields."""

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            multiline = isinstance(self.fields[name].widget, forms.Textarea)
            if isinstance(value, str) and not multiline and CONTROL.search(value):
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("Remove line breaks and control characters."),
                        code="control_characters",
                    ),
                )
        return cleaned


class PolicyRequiredMixin:
    """The fields the policy requires are required (`required_fields`, from
    the wizard's step: see steps), whatever the model allows for a draft."""

    def __init__(self, *args, required_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in required_fields:
            self.fields[name].required = True


class ChoosePromptMixin:
    """Drop-downs open on "Choose…" rather than Django's dashes.

    For fields with fixed choices (not a queryset's).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            choices = prompted_choices(type(self), name, get_language())
            if choices is not None:
                self.fields[name].choices = choices


@lru_cache(maxsize=128)
def prompted_choices(form_class, name: str, language: str | None):
    """A drop-down's choices with the prompt first, listed once per language.

    Listing choices can be slow: django-countries translates and sorts its 249
    names each time.
    """
    field = form_class.base_fields[name]
    choices = list(getattr(field, "choices", []))
    if (
        not choices
        or choices[0][0] != ""
        or isinstance(field.widget, forms.CheckboxSelectMultiple)
    ):
        return None
    return FixedChoices([("", _("Choose…")), *choices[1:]])


class WebURLField(forms.URLField):
    """An http(s) address; a bare domain gets https:// in front."""

    default_validators = [validate_web_url]
    default_error_messages = {"invalid": validate_web_url.message}

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)


class GeneralInformationForm(PolicyRequiredMixin, SingleLineMixin, forms.ModelForm):
    website_url = WebURLField(
        label=_("Website URL"),
        help_text=_(
            "The public website of the brand or business, e.g. https://example.com."
        ),
    )

    class Meta:
        model = BusinessInformation
        fields = ["business_name", "website_url"]
        help_texts = {
            "business_name": _(
                "The legal name of the brand or entity this profile registers."
            ),
        }


class BusinessInformationForm(
    PolicyRequiredMixin, ChoosePromptMixin, SingleLineMixin, forms.ModelForm
):
    business_regions_of_operation = forms.MultipleChoiceField(
        label=_("Operating regions"),
        choices=Region.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose every region where this business operates."),
    )

    class Meta:
        model = BusinessInformation
        fields = [
            "business_identity",
            "business_type",
            "business_industry",
            "business_registration_identifier",
            "business_registration_identifier_other",
            "business_registration_number",
            "business_regions_of_operation",
            "social_media_profile_urls",
        ]
        widgets = {
            "business_identity": CachedSelect,
            "business_type": CachedSelect,
            "business_industry": CachedSelect,
            "business_registration_identifier": CachedSelect,
            "social_media_profile_urls": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "business_identity": _(
                "Direct customer: the business uses the services itself. ISV, "
                "reseller or partner: it provides them to its own customers."
            ),
            "business_registration_identifier_other": _(
                "Only when the registration ID type is Other: its official name."
            ),
            "business_registration_number": _(
                "As on the registration document, e.g. an EIN as 12-3456789."
            ),
            "social_media_profile_urls": _("Optional. One address per line."),
        }

    def clean_social_media_profile_urls(self):
        return "\n".join(
            validate_url_lines(self.cleaned_data["social_media_profile_urls"])
        )

    def clean(self):
        cleaned = super().clean()
        other = cleaned.get("business_registration_identifier_other", "").strip()
        if (
            cleaned.get("business_registration_identifier")
            != RegistrationIdentifier.OTHER
        ):
            cleaned["business_registration_identifier_other"] = ""
        elif not other:
            self.add_error(
                "business_registration_identifier_other",
                forms.ValidationError(
                    _("Enter the name of the registration ID type."), code="required"
                ),
            )
        return cleaned


class RepresentativeForm(
    PolicyRequiredMixin, ChoosePromptMixin, SingleLineMixin, forms.ModelForm
):
    class Meta:
        model = AuthorizedRepresentative
        fields = [
            "first_name",
            "last_name",
            "email",
            "phone_number",
            "business_title",
            "job_position",
        ]
        widgets = {"job_position": CachedSelect}
        help_texts = {
            "phone_number": _(
                "International format with country code, e.g. +1 415 555 0100."
            ),
            "business_title": _(
                "Their title in the business, e.g. Head of Operations."
            ),
        }

    def clean_phone_number(self):
        return normalize_phone_number(self.cleaned_data["phone_number"])

    def has_changed(self):
        # The optional second representative is "left empty" when every posted
        # field is blank, even if a saved one is being cleared.
        return any(str(self[name].data or "").strip() for name in self.fields)


class BaseRepresentativesFormSet(forms.BaseFormSet):
    """Two representatives; the first is required here, both for approval.

    `required_fields` go to each representative's form.
    """

    def __init__(self, *args, required_fields=(), **kwargs):
        self.required_fields = required_fields
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["required_fields"] = self.required_fields
        kwargs["empty_permitted"] = index > 0
        kwargs["use_required_attribute"] = index == 0
        return kwargs


RepresentativesFormSet = forms.formset_factory(
    RepresentativeForm,
    formset=BaseRepresentativesFormSet,
    extra=1,
    min_num=1,
    max_num=2,
    absolute_max=2,
    validate_min=True,
    validate_max=True,
)


class AddressForm(
    PolicyRequiredMixin, ChoosePromptMixin, SingleLineMixin, forms.ModelForm
):
    class Meta:
        model = Address
        fields = [
            "customer_name",
            "street",
            "street_secondary",
            "city",
            "region",
            "postal_code",
            "iso_country",
        ]
        widgets = {"iso_country": CachedSelect}
        help_texts = {
            "customer_name": _("The business name as it appears at this address."),
            "street": _("A physical street address; PO boxes are not accepted."),
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file input that takes several files; cleans to a list."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class SupportingDocumentsForm(forms.Form):
    document_type = forms.ChoiceField(
        label=_("Document type"),
        choices=[("", _("Choose a type…")), *DocumentType.choices],
        widget=CachedSelect,
        required=False,
        help_text=_(
            "A registration certificate proves the business; a utility bill, bank "
            "statement or lease proves the address."
        ),
    )
    files = MultipleFileField(
        label=_("Files"),
        required=False,
        # inspect_upload refuses empty files, naming each one.
        allow_empty_file=True,
        help_text=_("PDF, JPEG or PNG. You can choose several files of the same type."),
    )

    def __init__(self, *args, document_count: int = 0, **kwargs):
        self.document_count = document_count
        super().__init__(*args, **kwargs)

    def clean_files(self):
        uploads = self.cleaned_data["files"]
        check_document_count(existing=self.document_count, adding=len(uploads))
        errors, inspected = [], []
        for upload in uploads:
            try:
                inspected.append(inspect_upload(upload))
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            raise forms.ValidationError(errors)
        return inspected

    def clean(self):
        cleaned = super().clean()
        files = cleaned.get("files")
        if files and not cleaned.get("document_type"):
            self.add_error(
                "document_type",
                forms.ValidationError(
                    _("Choose what kind of document you are uploading."),
                    code="required",
                ),
            )
        if files == [] and not self.document_count:
            self.add_error(
                "files",
                forms.ValidationError(
                    _("Upload at least one supporting document."), code="required"
                ),
            )
        return cleaned


class NotificationSettingsForm(SingleLineMixin, forms.ModelForm):
    status_callback = WebURLField(
        label=_("Status callback URL"),
        required=False,
        max_length=2000,
        help_text=_(
            "We POST every status change to this address, signed with your "
            "account's signing secret."
        ),
    )

    class Meta:
        model = CustomerProfile
        fields = ["email", "status_callback"]
        help_texts = {
            "email": _("We email the decision, with any reasons, to this address."),
        }

    def clean_status_callback(self):
        url = self.cleaned_data["status_callback"]
        if url:
            try:
                check_callback_url(url, resolve_required=False)
            except UnsafeTarget as error:
                raise forms.ValidationError(str(error), code="unsafe_url") from None
        return url

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (
            cleaned.get("email") or cleaned.get("status_callback")
        ):
            raise forms.ValidationError(
                _(
                    "Choose at least one way to be notified: an email address, a "
                    "status callback URL, or both."
                ),
                code="no_channel",
            )
        return cleaned


class ReviewForm(forms.Form):
    """The last step has nothing to fill: posting it submits the profile."""
