"""The page where reviewers read a profile and decide, on the review queue's admin
(queue.py).

Nothing here edits a profile: every change goes through `lifecycle`, and only
members of the Reviewers group may call it.
"""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from .. import lifecycle
from ..access import is_reviewer
from ..downloads import document_response
from ..models import CustomerProfile, NotificationDelivery
from ..notifications import outbox
from .forms import PrimaryProfileForm, RejectForm
from .page import review_context, with_review_rows
from .queue import ReviewQueueAdmin


@admin.register(CustomerProfile)
class CustomerProfileAdmin(ReviewQueueAdmin):
    change_form_template = "admin/profiles/customerprofile/review.html"
    add_form_template = "admin/profiles/customerprofile/add_primary.html"

    def has_add_permission(self, request):
        """Only reviewers register primary profiles (through lifecycle)."""
        return is_reviewer(request.user)

    def has_change_permission(self, request, obj=None):
        """Nobody edits a profile here: statuses change through lifecycle only."""
        return False

    def has_delete_permission(self, request, obj=None):
        """Profiles are the audit record; they are never deleted here."""
        return False

    def can_open_documents(self, request) -> bool:
        user = request.user
        return is_reviewer(user) or user.has_perm("profiles.view_supportingdocument")

    def get_urls(self):
        """The decisions, document and resend views, before the admin's own."""
        info = f"{self.opts.app_label}_{self.opts.model_name}"

        def route(suffix, view, name):
            view = self.admin_site.admin_view(view)
            return path(f"<int:object_id>/{suffix}", view, name=f"{info}_{name}")

        return [
            route("approve/", require_POST(self.approve_view), "approve"),
            route("reject/", require_POST(self.reject_view), "reject"),
            route("expire/", require_POST(self.expire_view), "expire"),
            route(
                "documents/<sid:document_sid>/",
                xframe_options_sameorigin(self.document_view),
                "document",
            ),
            route(
                "deliveries/<int:delivery_id>/resend/",
                require_POST(self.resend_view),
                "resend",
            ),
            *super().get_urls(),
        ]

    # --- Reading -------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The read-only review page; a POST here would be an edit, so it is refused."""
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        profile = self.get_profile(request, object_id)
        return self.review_page(request, profile, RejectForm())

    def review_page(self, request, profile, reject_form, status=200):
        """Render the review page, with a fresh or a refused reject form."""
        context = {
            **self.admin_site.each_context(request),
            **review_context(profile, request.user),
            "opts": self.opts,
            "original": profile,
            "title": _("Review %(name)s") % {"name": profile},
            "change": True,
            "has_view_permission": True,
            "can_decide": is_reviewer(request.user),
            "can_open_documents": self.can_open_documents(request),
            "reject_form": reject_form,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, self.change_form_template, context, status=status
        )

    def get_profile(self, request, object_id) -> CustomerProfile:
        """The profile, if the user may read it, with what its review page shows."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        profiles = with_review_rows(self.get_queryset(request))
        try:
            return profiles.get(pk=self.opts.pk.to_python(object_id))
        except (ValidationError, CustomerProfile.DoesNotExist):
            raise Http404(_("No such profile.")) from None

    def document_view(self, request, object_id, document_sid):
        """Stream a document; ?inline=1 previews a PDF or an image in the page."""
        if not self.can_open_documents(request):
            raise PermissionDenied
        profile = self.get_profile(request, object_id)
        document = get_object_or_404(profile.documents, sid=document_sid)
        inline = request.GET.get("inline") == "1"
        # The review page frames the preview; nothing else may.
        return document_response(document, inline=inline, framable=True)

    # --- Deciding --------------------------------------------------------------

    def approve_view(self, request, object_id):
        profile = self.get_decidable_profile(request, object_id)
        approve = partial(
            lifecycle.profile_approve, profile=profile, reviewer=request.user
        )
        return self.decide(request, profile, approve, _("%(name)s was approved."))

    def reject_view(self, request, object_id):
        """Reject with the codes ticked and their reasons, or say what is missing."""
        profile = self.get_decidable_profile(request, object_id)
        form = RejectForm(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                _("The profile was not rejected: %(problem)s")
                % {"problem": " ".join(_form_errors(form))},
            )
            return self.review_page(request, profile, form, status=400)
        reject = partial(
            lifecycle.profile_reject,
            profile=profile,
            reviewer=request.user,
            errors=form.errors_payload,
        )
        return self.decide(request, profile, reject, _("%(name)s was rejected."))

    def expire_view(self, request, object_id):
        profile = self.get_decidable_profile(request, object_id)
        expire = partial(
            lifecycle.profile_expire, profile=profile, reviewer=request.user
        )
        return self.decide(request, profile, expire, _("%(name)s has expired."))

    def resend_view(self, request, object_id, delivery_id):
        """Queue a notification of this profile again."""
        profile = self.get_decidable_profile(request, object_id)
        delivery = get_object_or_404(
            NotificationDelivery, pk=delivery_id, status_change__profile=profile
        )
        try:
            outbox.resend(delivery, by_reviewer=True)
        except outbox.ResendRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request, _("%(delivery)s was queued again.") % {"delivery": delivery}
            )
        return redirect(self.review_url(profile) + "#deliveries")

    def get_decidable_profile(self, request, object_id) -> CustomerProfile:
        if not is_reviewer(request.user):
            raise PermissionDenied
        return self.get_profile(request, object_id)

    def decide(self, request, profile, action, done_message):
        """Run a lifecycle step; a refusal becomes a message, never an error page."""
        try:
            action()
        except lifecycle.LifecycleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done_message % {"name": profile})
        return redirect(self.review_url(profile))

    def review_url(self, profile) -> str:
        return reverse(
            f"{self.admin_site.name}:profiles_customerprofile_change",
            args=[profile.pk],
        )

    # --- Primary profiles ------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        """Register a primary profile through lifecycle; it starts in review."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PrimaryProfileForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                profile = lifecycle.primary_profile_create(
                    actor=request.user, **form.cleaned_data
                )
            except lifecycle.LifecycleError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request, _("%(name)s is in review.") % {"name": profile}
                )
                return redirect(self.review_url(profile))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "add": True,
            "title": _("Add primary profile"),
            "has_view_permission": self.has_view_permission(request),
            "form": form,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.add_form_template, context)


def _form_errors(form) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]
