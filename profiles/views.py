"""The applicant's pages: profile list, detail, creation and documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.timezone import get_current_timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .access import account_for, get_document_or_404, get_profile_or_404
from .accounts import account_rotate_secret
from .choices import ProfileKind, Status, choice_labels
from .downloads import document_response
from .drafts import document_remove, draft_create, draft_delete
from .failures import group_by_step, rejection_failures
from .lifecycle import (
    LifecycleError,
    NotADraft,
    ProfileLocked,
    edit_allowed,
    ensure_edit_allowed,
    has_approved_primary,
    is_deletable,
)
from .models import CustomerProfile, NotificationDelivery
from .notifications import (
    ConfirmationRefused,
    InvalidToken,
    ResendRefused,
    address_confirm,
    address_of,
    address_request_confirmation,
    awaiting_confirmation,
    resend,
)
from .notifications.signing import standard_webhook_secret
from .reads import history_of, row_list, with_history, with_row_lists
from .steps import SECONDARY_WIZARD, STEP_TITLES, resume_step
from .wizard import locked_response

TABS = {
    ProfileKind.PRIMARY: gettext_lazy("Primary"),
    ProfileKind.SECONDARY: gettext_lazy("Secondary"),
}
PROFILES_PER_PAGE = 50


def profile_list(request):
    """The account's profiles, in a Primary and a Secondary tab, a page at a time."""
    account = account_for(request.user)
    tab = request.GET.get("tab")
    tab = tab if tab in TABS else ProfileKind.SECONDARY
    if account is None:
        profiles = CustomerProfile.objects.none()
    else:
        profiles = list_query().filter(account=account, kind=tab)
    # A missing, malformed or out-of-range page shows the first or the last one.
    page = Paginator(profiles, PROFILES_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    if rows:
        has_primary = rows[0][-1] is not None
    else:
        has_primary = account is not None and has_approved_primary(account)
    context = {
        "tab": tab,
        "tabs": TABS.items(),
        "page": page,
        "profiles": list_rows(rows, with_delete=tab == ProfileKind.SECONDARY),
        "has_primary": has_primary,
    }
    return render(request, "profiles/list.html", context)


@cache
def list_query():
    """The list's rows (built once): newest first, as the (account, kind,
    -updated_at) index reads, the pk keeping profiles saved in the same instant
    in one order from page to page.

    Tuples: building 50 profiles cost more than reading them. Each row also
    carries its account's approved primary, which saves the page a query.
    """
    return (
        CustomerProfile.objects.with_approved_primary()
        .order_by("-updated_at", "-pk")
        .values_list(
            "sid", "friendly_name", "status", "updated_at", "approved_primary_id"
        )
    )


# Stands in for a SID when a detail link is reversed once for a whole page.
SID_SLOT = "BU00000000000000000000000000000000"


@dataclass(frozen=True)
class ListRow:
    url: str
    friendly_name: str
    sid: str
    status: str
    status_label: str
    updated_at: datetime
    updated_text: str
    # Drafts only: where the applicant is asked to confirm the deletion.
    delete_url: str


def list_rows(profiles, *, with_delete: bool = False) -> list[ListRow]:
    """A page's rows, with the link, labels and dates worked out in one pass.

    Done here rather than per cell in the template: a reverse(), a status label
    lookup and two date filters per row were most of the page's time. The date
    reads as the `date` filter shows it in the page's language and time zone.
    Secondary drafts (`with_delete`) also link to their deletion.
    """
    labels = choice_labels(CustomerProfile, "status", get_language())
    link = reverse("profiles:detail", kwargs={"sid": SID_SLOT})
    delete_link = reverse("profiles:delete", kwargs={"sid": SID_SLOT})
    zone = get_current_timezone()
    # What the `date` filter does per value, the format read once.
    shown_as = get_format("DATETIME_FORMAT")
    rows = []
    for sid, friendly_name, status, updated_at, _primary in profiles:
        updated = updated_at.astimezone(zone)
        rows.append(
            ListRow(
                url=link.replace(SID_SLOT, sid),
                friendly_name=friendly_name,
                sid=sid,
                status=status,
                status_label=labels.get(status, status),
                updated_at=updated,
                updated_text=dateformat.format(updated, shown_as),
                delete_url=(
                    delete_link.replace(SID_SLOT, sid)
                    if with_delete and status == Status.DRAFT
                    else ""
                ),
            )
        )
    return rows


def profile_status(request, sid):
    """The profile's status as JSON, polled by the detail page while it waits."""
    profile = get_profile_or_404(request.user, sid)
    return JsonResponse(
        {"sid": profile.sid, "status": profile.status, "revision": profile.revision}
    )


@require_http_methods(["GET", "POST"])
def profile_create(request):
    """Start a secondary profile, only while the account's primary is approved."""
    account = account_for(request.user)
    if account is None or not has_approved_primary(account):
        return render(request, "profiles/cannot_create.html", status=403)
    if request.method == "GET":
        return render(request, "profiles/create.html")
    try:
        profile = draft_create(account=account)
    except LifecycleError:
        return render(request, "profiles/cannot_create.html", status=403)
    except ValidationError as error:
        return render(request, "profiles/create.html", {"errors": error.messages})
    return redirect("profiles:step", sid=profile.sid, step=resume_step(profile))


DETAIL_RELATIONS = ("representatives", "documents", "evaluations")


@cache
def detail_profiles():
    """How the profile page reads a profile (built once): with its answers, its
    evaluations and its history, in one query on PostgreSQL (see reads)."""
    profiles = CustomerProfile.objects.select_related("business_information", "address")
    return with_history(with_row_lists(profiles, *DETAIL_RELATIONS))


def profile_detail(request, sid):
    profile = get_profile_or_404(request.user, sid, detail_profiles())
    evaluations = row_list(profile, "evaluations")
    latest = evaluations[0] if evaluations else None
    context = {
        "evaluations": evaluations,
        "evaluation": latest,
        "failures": group_by_step(profile, rejection_failures(profile, latest)),
        "profile": profile,
        "editable": edit_allowed(
            profile, kind=SECONDARY_WIZARD.kind, user=request.user
        ),
        "resume_title": STEP_TITLES[resume_step(profile)],
        "history": history_of(profile),
        "business_information": getattr(profile, "business_information", None),
        "address": getattr(profile, "address", None),
        "representatives": row_list(profile, "representatives"),
        "documents": row_list(profile, "documents"),
        "summary_steps": SECONDARY_WIZARD.summary_steps,
        "unconfirmed_email": awaiting_confirmation(profile),
    }
    return render(request, "profiles/detail.html", context)


@require_http_methods(["GET", "POST"])
def profile_delete(request, sid):
    """Ask, then delete a draft with its answers and documents."""
    profile = get_profile_or_404(request.user, sid)
    name = profile.friendly_name or profile.sid
    try:
        if request.method == "GET":
            if not is_deletable(profile):
                raise NotADraft()
            return render(request, "profiles/delete.html", {"profile": profile})
        draft_delete(profile=profile, actor=request.user)
    except LifecycleError as error:
        messages.error(request, error.message)
        return redirect(profile)
    messages.success(request, _("The draft “%s” was deleted.") % name)
    return redirect(f"{reverse('profiles:list')}?tab={ProfileKind.SECONDARY}")


def document_download(request, sid, document_sid):
    """Send a document as an attachment, never rendered inline."""
    document = get_document_or_404(request.user, sid, document_sid)
    return document_response(document)


@require_POST
def document_delete(request, sid, document_sid):
    """Remove a document from a draft and go back to the documents step."""
    profile = get_profile_or_404(request.user, sid)
    document = get_document_or_404(request.user, sid, document_sid)
    kind = SECONDARY_WIZARD.kind
    try:
        ensure_edit_allowed(profile, kind=kind, user=request.user)
        document_remove(profile=profile, document=document, kind=kind)
    except ProfileLocked as error:
        return locked_response(request, profile, error)
    messages.success(request, _("“%s” was removed.") % document.original_name)
    return redirect("profiles:step", sid=profile.sid, step="documents")


@require_http_methods(["GET", "POST"])
def account_detail(request):
    """The signing secret and the latest deliveries of the account's profiles.

    The secret is masked; it is sent only when asked for, by the page's Reveal
    button (a POST, so neither a link nor a reload of the page sends it).
    """
    account = account_for(request.user)
    if account is None:
        raise Http404(_("Your login is not a member of any account."))
    deliveries = NotificationDelivery.objects.filter(
        status_change__profile__account=account
    ).select_related("status_change__profile")[:50]
    secret = account.webhook_secret
    context = {
        "masked_secret": f"{secret[:4]}…{secret[-4:]}",
        "deliveries": deliveries,
        "resend_minutes": max(1, settings.NOTIFICATION_RESEND_INTERVAL_SECONDS // 60),
        "resend_limit": settings.NOTIFICATION_RESEND_ACCOUNT_LIMIT,
    }
    if request.method == "POST":
        context["secret"] = secret
        context["standard_secret"] = standard_webhook_secret(secret)
    return render(request, "profiles/account.html", context)


@require_POST
def account_secret_rotate(request):
    account = account_for(request.user)
    if account is None:
        raise Http404
    account_rotate_secret(account=account)
    messages.success(
        request,
        _("A new signing secret is in use. Update your status callback receivers."),
    )
    return redirect("account")


@require_POST
def delivery_resend(request, message_id):
    """Send a notification of the account's again."""
    delivery = get_object_or_404(
        NotificationDelivery,
        message_id=message_id,
        status_change__profile__account=account_for(request.user),
    )
    try:
        resend(delivery)
    except ResendRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The notification was queued to be sent again."))
    return redirect("account")


@require_POST
def confirmation_send(request, sid):
    """Send the link that confirms the profile's notification email again."""
    profile = get_profile_or_404(request.user, sid)
    try:
        sent = address_request_confirmation(
            account_id=profile.account_id, email=profile.email, again=True
        )
    except ConfirmationRefused as refusal:
        messages.error(request, refusal.message)
    else:
        if sent:
            messages.success(
                request,
                _("A confirmation link was sent to %(email)s.")
                % {"email": profile.email},
            )
        else:
            messages.info(request, _("This address needs no confirmation."))
    return redirect(profile)


@login_not_required
@require_http_methods(["GET", "POST"])
def address_confirm_view(request, token):
    """The link in a confirmation email: a page with a button, which confirms.

    Opening the link changes nothing (mail scanners open links); only the
    button does, signed in or not. It confirms the address and nothing else.
    """
    confirm = address_confirm if request.method == "POST" else address_of
    try:
        address = confirm(token=token)
    except InvalidToken as error:
        context = {"expired": error.expired}
        return render(request, "profiles/address_invalid.html", context, status=400)
    context = {"address": address, "confirmed": request.method == "POST"}
    return render(request, "profiles/address_confirm.html", context)
