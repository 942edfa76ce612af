"""The secondary profile's wizard: its seven steps, declared once each."""

from __future__ import annotations

from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from .. import drafts, forms
from ..choices import ProfileKind
from ..evaluation.policy import SECONDARY_BUSINESS_POLICY
from ..models import CustomerProfile
from ..notifications import awaiting_confirmation
from ..reads import row_list
from .registry import Step, Wizard, asks, form_asks

# --- How each step's form is filled from the saved answers ---------------------


def business_information_answers(profile: CustomerProfile) -> dict:
    # A missing one-to-one row raises a subclass of AttributeError.
    return {"instance": getattr(profile, "business_information", None)}


def representatives_answers(profile: CustomerProfile) -> dict:
    fields = forms.RepresentativeForm.base_fields
    return {
        "initial": [
            model_to_dict(rep, fields=fields)
            for rep in row_list(profile, "representatives")
        ]
    }


def address_answers(profile: CustomerProfile) -> dict:
    return {"instance": getattr(profile, "address", None)}


def documents_answers(profile: CustomerProfile) -> dict:
    return {"document_count": len(row_list(profile, "documents"))}


def notifications_answers(profile: CustomerProfile) -> dict:
    return {"instance": profile}


def email_confirmation(profile: CustomerProfile) -> dict:
    """The notification email's row while it waits to be confirmed, or None."""
    return {"unconfirmed_email": awaiting_confirmation(profile)}


# --- The secondary profile's wizard ----------------------------------------------

POLICY = SECONDARY_BUSINESS_POLICY
BUSINESS = "customer_profile_business_information"
ADDRESS = "customer_profile_address"

SECONDARY_WIZARD = Wizard(
    steps=(
        Step(
            "general",
            _("General information"),
            forms.GeneralInformationForm,
            "profiles/steps/general.html",
            summary="profiles/steps/general_summary.html",
            answers=business_information_answers,
            save=drafts.write_general,
            reads=("business_information",),
            asks=(form_asks(POLICY, BUSINESS, forms.GeneralInformationForm),),
            reviewer_codes=((18601, "business_name"),),
        ),
        Step(
            "business",
            _("Business information"),
            forms.BusinessInformationForm,
            "profiles/steps/business.html",
            summary="profiles/steps/business_summary.html",
            answers=business_information_answers,
            save=drafts.write_business,
            reads=("business_information",),
            asks=(form_asks(POLICY, BUSINESS, forms.BusinessInformationForm),),
            reviewer_codes=((18602, "business_registration_number"),),
        ),
        Step(
            "representatives",
            _("Authorized representatives"),
            forms.RepresentativesFormSet,
            "profiles/steps/representatives.html",
            summary="profiles/steps/representatives_summary.html",
            answers=representatives_answers,
            save=drafts.write_representatives,
            reads=("representatives",),
            asks=(
                form_asks(
                    POLICY,
                    "authorized_representative_1",
                    forms.RepresentativeForm,
                    index="0",
                ),
                form_asks(
                    POLICY,
                    "authorized_representative_2",
                    forms.RepresentativeForm,
                    index="1",
                ),
            ),
            reviewer_codes=(
                (18604, "0-first_name"),
                (18605, "1-first_name"),
                (18606, "0-email"),
            ),
        ),
        Step(
            "address",
            _("Address"),
            forms.AddressForm,
            "profiles/steps/address.html",
            summary="profiles/steps/address_summary.html",
            answers=address_answers,
            save=drafts.write_address,
            reads=("address",),
            asks=(form_asks(POLICY, ADDRESS, forms.AddressForm),),
            reviewer_codes=((18603, "street"),),
        ),
        Step(
            "documents",
            _("Supporting documents"),
            forms.SupportingDocumentsForm,
            "profiles/steps/documents.html",
            summary="profiles/steps/documents_summary.html",
            answers=documents_answers,
            save=drafts.write_documents,
            reads=("documents",),
            asks=(asks(ADDRESS, supporting_documents="files"),),
        ),
        Step(
            "notifications",
            _("Notification settings"),
            forms.NotificationSettingsForm,
            "profiles/steps/notifications.html",
            summary="profiles/steps/notifications_summary.html",
            answers=notifications_answers,
            save=drafts.write_notifications,
            context=email_confirmation,
        ),
        Step(
            "review",
            _("Review and submit"),
            forms.ReviewForm,
            "profiles/steps/review.html",
            reads=("business_information", "address", "representatives", "documents"),
            reviews=True,
            context=email_confirmation,
        ),
    ),
    policy=POLICY,
    kind=ProfileKind.SECONDARY,
)
