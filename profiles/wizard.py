"""The secondary-profile wizard, on django-formtools.

The profile's rows are the source of truth: every valid step is written to the
database at once (through `drafts`), the current step lives in the URL, and
nothing is kept in the session, so a draft survives a closed browser and two
drafts in two tabs cannot mix. The steps, their forms and pages come from the
wizard's declaration (see steps).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from formtools.wizard.forms import ManagementForm
from formtools.wizard.storage.base import BaseStorage
from formtools.wizard.views import NamedUrlWizardView

from .access import get_profile_or_404
from .choices import Status
from .drafts import draft_save_step
from .evaluation import judge, load_submission
from .evaluation.submission import submission_of
from .failures import annotate_form, failures_of, group_by_step, reviewer_failures
from .lifecycle import (
    PrimaryProfileNotApproved,
    ProfileLocked,
    edit_refusal,
    profile_submit,
)
from .reads import row_list
from .steps import SECONDARY_WIZARD, Step


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


def locked_response(request, profile, error: ProfileLocked):
    """The 409 page for an edit the lifecycle refuses (Trust Hub 60711)."""
    context = {"profile": profile, "error": error}
    return render(request, "profiles/locked.html", context, status=409)


class ProfileWizard(NamedUrlWizardView):
    # The steps; another wizard is this view with its own `registry`.
    registry = SECONDARY_WIZARD
    form_list = SECONDARY_WIZARD.form_list
    storage_name = "profiles.wizard.ProfileStorage"
    # formtools insists on one for forms with file fields; ProfileStorage never
    # writes to it, since uploads go straight to the document storage.
    file_storage = FileSystemStorage(location="/nonexistent")

    def dispatch(self, request, *args, **kwargs):
        """Load the user's profile and refuse any request the lifecycle does not
        allow: a profile of another kind, or one that is locked."""
        step, posting = kwargs.get("step"), request.method != "GET"
        profiles = self.registry.profiles_reading(step, posting=posting)
        self.profile = get_profile_or_404(request.user, kwargs["sid"], profiles)
        refusal = edit_refusal(self.profile, kind=self.registry.kind, user=request.user)
        if refusal is not None:
            return locked_response(request, self.profile, refusal)
        try:
            return super().dispatch(request, *args, **kwargs)
        except ProfileLocked as error:
            return locked_response(request, self.profile, error)

    def get_prefix(self, request, *args, **kwargs):
        return "wizard"

    def get_step_url(self, step):
        return self.step_urls.get(step) or self.registry.step_url(self.profile, step)

    @cached_property
    def step_urls(self) -> dict[str, str]:
        return self.registry.step_urls(self.profile)

    @property
    def step(self) -> Step:
        """The current step's declaration."""
        return self.registry[self.steps.current]

    def get_template_names(self):
        """The current step's page."""
        return [self.step.template]

    def get(self, request, *args, **kwargs):
        """Render the step named in the URL; anything else resumes the draft."""
        step = kwargs.get("step")
        if step not in self.get_form_list():
            return redirect(self.get_step_url(self.resume_step))
        self.storage.current_step = step
        form = self.get_form()
        annotate_form(form, step, self.current_failures)
        return self.render(form)

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
            return redirect(self.get_step_url(self.resume_step))
        self.storage.current_step = step
        return super().post(*args, **kwargs)

    @property
    def resume_step(self) -> str:
        return self.registry.resume_step(self.profile)

    def get_form(self, step=None, data=None, files=None):
        """The step's form, filled with the saved answers and requiring what the
        policy requires (see steps)."""
        step = self.registry[step or self.steps.current]
        kwargs = step.answers(self.profile)
        required = self.registry.required[step.name]
        if required:
            kwargs["required_fields"] = required
        prefix = self.get_form_prefix(step.name, step.form)
        return step.form(data=data, files=files, prefix=prefix, **kwargs)

    def process_step(self, form):
        """Write the valid step to the profile's rows straight away."""
        # A step that saves nothing (the review) submits instead: see done().
        if self.step.save is None:
            return {}
        try:
            draft_save_step(
                profile=self.profile,
                step=self.step,
                data=form.cleaned_data,
                kind=self.registry.kind,
            )
        except ValidationError as error:
            # A quota the form checked, found reached under the profile's lock
            # (another tab's upload): shown on the form, nothing saved.
            form.add_error(None, error)
            return {}
        messages.success(self.request, self.saved_message())
        return {}

    def saved_message(self) -> str:
        if self.request.POST.get("action") == "upload":
            return _("Your documents were uploaded.")
        return _("%(step)s saved.") % {"step": self.step.title}

    def render_next_step(self, form, **kwargs):
        # A save refused under the lock (see process_step) shows the form again.
        if not form.is_valid():
            return self.render(form)
        if self.request.POST.get("action") == "upload":
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
            step_title=self.step.title,
            step_links=self.step_links(),
            upload_limit=settings.DOCUMENT_MAX_UPLOAD_BYTES,
            documents_per_upload=settings.DOCUMENTS_MAX_PER_UPLOAD,
            documents_per_profile=settings.DOCUMENTS_MAX_PER_PROFILE,
            **self.step.context(self.profile),
        )
        if "documents" in self.step.reads:
            context["documents"] = self.documents
        if self.step.reviews:
            context.update(self.review_context())
        return context

    def review_context(self) -> dict:
        """Every answer, and what the rules would say if it were submitted now."""
        answers, verdict = self.submission, self.verdict
        return {
            "preflight": group_by_step(
                self.profile, failures_of(verdict.results, self.registry), self.registry
            ),
            "warnings": verdict.warnings,
            "business_information": answers.business,
            "representatives": list(answers.representatives.values()),
            "address": answers.address,
            "documents": answers.documents,
            "step_urls": self.step_urls,
            "summary_steps": self.registry.summary_steps,
        }

    def step_links(self) -> list[dict]:
        """The progress list: a step is reachable once the ones before are saved."""
        done, links, reachable = set(self.profile.completed_steps), [], True
        current = self.steps.current
        for number, step in enumerate(self.registry.steps, start=1):
            links.append(
                {
                    "number": number,
                    "title": step.title,
                    "url": self.step_urls[step.name] if reachable else None,
                    "done": step.name in done,
                    "current": step.name == current,
                }
            )
            reachable = reachable and step.name in done
        return links

    @cached_property
    def current_failures(self):
        """What the rules find now in a rejected profile, shown at its fields."""
        if self.profile.status != Status.TWILIO_REJECTED:
            return []
        live = failures_of(self.verdict.results, self.registry)
        return reviewer_failures(self.profile.errors, self.registry) + live

    @cached_property
    def submission(self):
        """The answers saved so far, as the evaluation reads them."""
        if not hasattr(self.profile, "approved_primary_id"):
            # A rejected profile's other steps, read without its answers (see
            # dispatch), also show what the rules find.
            return load_submission(self.profile)
        return submission_of(self.profile)

    @cached_property
    def verdict(self):
        """What the rules find in the answers saved so far."""
        return judge(self.submission)

    @cached_property
    def documents(self) -> list:
        """The documents saved so far, as the step lists them."""
        return row_list(self.profile, "documents")
