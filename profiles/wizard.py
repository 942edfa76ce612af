"""The secondary-profile wizard, on django-formtools.

The profile's rows are the source of truth: every valid step is written to the
database at once (through `drafts`), the current step lives in the URL, and
nothing is kept in the session, so a draft survives a closed browser and two
drafts in two tabs cannot mix.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.files.storage import FileSystemStorage
from django.forms.models import model_to_dict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from formtools.wizard.forms import ManagementForm
from formtools.wizard.storage.base import BaseStorage
from formtools.wizard.views import NamedUrlWizardView

from . import forms
from .access import get_profile_or_404
from .drafts import draft_save_step
from .lifecycle import (
    PrimaryProfileNotApproved,
    ProfileLocked,
    is_editable,
    profile_submit,
)


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    form_class: type


STEPS = [
    Step("general", _("General information"), forms.GeneralInformationForm),
    Step("business", _("Business information"), forms.BusinessInformationForm),
    Step(
        "representatives",
        _("Authorized representatives"),
        forms.RepresentativesFormSet,
    ),
    Step("address", _("Address"), forms.AddressForm),
    Step("documents", _("Supporting documents"), forms.SupportingDocumentsForm),
    Step("notifications", _("Notification settings"), forms.NotificationSettingsForm),
    Step("review", _("Review and submit"), forms.ReviewForm),
]
STEP_TITLES = {step.name: step.title for step in STEPS}
REPRESENTATIVE_FIELDS = forms.RepresentativeForm._meta.fields


def resume_step(profile) -> str:
    """The first step the applicant has not saved yet, else the review."""
    done = set(profile.completed_steps)
    return next((s.name for s in STEPS if s.name not in done), STEPS[-1].name)


class ProfileStorage(BaseStorage):
    """Wizard storage that keeps nothing between requests."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_data()

    def set_step_data(self, step, cleaned_data):
        pass

    def set_step_files(self, step, files):
        pass

    def update_response(self, response):
        pass


def locked_response(request, profile):
    """The 409 page for an edit of a submitted profile (Trust Hub 60711)."""
    context = {"profile": profile, "error": ProfileLocked()}
    return render(request, "profiles/locked.html", context, status=409)


class ProfileWizard(NamedUrlWizardView):
    form_list = [(step.name, step.form_class) for step in STEPS]
    storage_name = "profiles.wizard.ProfileStorage"
    # formtools insists on one for forms with file fields; ProfileStorage never
    # writes to it, since uploads go straight to the document storage.
    file_storage = FileSystemStorage(location="/nonexistent")
    template_name = "profiles/wizard.html"

    def dispatch(self, request, *args, **kwargs):
        """Load the user's profile and refuse any request once it is locked."""
        self.profile = get_profile_or_404(request.user, kwargs["sid"])
        if not is_editable(self.profile):
            return locked_response(request, self.profile)
        try:
            return super().dispatch(request, *args, **kwargs)
        except ProfileLocked:
            return locked_response(request, self.profile)

    def get_prefix(self, request, *args, **kwargs):
        return "wizard"

    def get_step_url(self, step):
        return reverse(self.url_name, kwargs={"sid": self.profile.sid, "step": step})

    def get(self, request, *args, **kwargs):
        """Render the step named in the URL; anything else resumes the draft."""
        step = kwargs.get("step")
        if step not in self.get_form_list():
            return redirect(self.get_step_url(resume_step(self.profile)))
        self.storage.current_step = step
        return self.render(self.get_form())

    def post(self, *args, **kwargs):
        """Save the posted step; a stale or forged page changes nothing."""
        goto = self.request.POST.get("wizard_goto_step")
        if goto in self.get_form_list():
            return self.render_goto_step(goto)
        step = kwargs.get("step")
        management = ManagementForm(self.request.POST, prefix=self.prefix)
        if (
            step not in self.get_form_list()
            or not management.is_valid()
            or (management.cleaned_data["current_step"] != step)
        ):
            messages.error(
                self.request,
                _(
                    "That page was out of date, so nothing was saved. Please check "
                    "this step and save it again."
                ),
            )
            return redirect(self.get_step_url(resume_step(self.profile)))
        self.storage.current_step = step
        return super().post(*args, **kwargs)

    def get_form_instance(self, step):
        if step in ("general", "business"):
            return self.business_information
        if step == "address":
            return getattr(self.profile, "address", None)
        if step == "notifications":
            return self.profile
        return None

    def get_form_initial(self, step):
        if step == "representatives":
            return [
                model_to_dict(rep, fields=REPRESENTATIVE_FIELDS)
                for rep in self.profile.representatives.all()
            ]
        return {}

    def get_form_kwargs(self, step=None):
        if step == "documents":
            return {"document_count": self.profile.documents.count()}
        return {}

    def process_step(self, form):
        """Write the valid step to the profile's rows straight away."""
        data = form.cleaned_data
        self.profile = draft_save_step(
            profile=self.profile, step=self.steps.current, data=data
        )
        return {}

    def render_next_step(self, form, **kwargs):
        if self.request.POST.get("action") == "upload":
            messages.success(self.request, _("Your documents were uploaded."))
            return redirect(self.get_step_url(self.steps.current))
        return super().render_next_step(form, **kwargs)

    def render_done(self, form, **kwargs):
        """The review step was posted: submit, whatever the steps hold."""
        return self.done([form], **kwargs)

    def done(self, form_list, **kwargs):
        """Submit the profile through the lifecycle and show its page."""
        try:
            profile_submit(profile=self.profile, actor=self.request.user)
        except PrimaryProfileNotApproved as error:
            messages.error(self.request, error.message)
            return redirect(self.get_step_url(self.steps.current))
        messages.success(self.request, _("Your profile was submitted for review."))
        return redirect(self.profile)

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        context.update(
            profile=self.profile,
            step_title=STEP_TITLES[self.steps.current],
            step_links=self.step_links(),
            documents=self.profile.documents.all(),
        )
        if self.steps.current == "review":
            context.update(
                business_information=self.business_information,
                representatives=self.profile.representatives.all(),
                address=getattr(self.profile, "address", None),
            )
        return context

    def step_links(self) -> list[dict]:
        """The progress list: a step is reachable once the ones before are saved."""
        done, links, reachable = set(self.profile.completed_steps), [], True
        for number, step in enumerate(STEPS, start=1):
            links.append(
                {
                    "number": number,
                    "title": step.title,
                    "url": self.get_step_url(step.name) if reachable else None,
                    "done": step.name in done,
                    "current": step.name == self.steps.current,
                }
            )
            reachable = reachable and step.name in done
        return links

    @cached_property
    def business_information(self):
        # A missing one-to-one row raises a subclass of AttributeError.
        return getattr(self.profile, "business_information", None)
