"""The access matrix: every URL of the portal and the admin, for every role.

The URL list is walked from the URL conf, so a new URL without a row in
EXPECTED fails `test_every_url_has_an_expectation`.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from profiles.access import REVIEWERS_GROUP
from profiles.choices import Status
from profiles.tests.builders import add_document
from profiles.tests.factories import UserFactory
from profiles.tests.routes import ROUTES, build_side, url_for


@pytest.fixture
def world(db):
    mine, theirs = build_side("Mine Inc."), build_side("Theirs Corp")
    staff = UserFactory(is_staff=True)
    reviewer = UserFactory(is_staff=True)
    group = Group.objects.get_or_create(name=REVIEWERS_GROUP)[0]
    reviewer.groups.add(group)
    clients = {"anonymous": Client()}
    for role, user in (
        ("member", mine.membership.user),
        ("other_member", theirs.membership.user),
        ("staff", staff),
        ("reviewer", reviewer),
    ):
        clients[role] = Client()
        clients[role].force_login(user)
    return {"mine": mine, "theirs": theirs, "group": group, "clients": clients}


# --- The expectations --------------------------------------------------------

# Columns: anonymous, member of this account, member of another account given
# this account's ids, the same member given its own account's ids, staff
# outside the Reviewers group, reviewer.
COLUMNS = ("anonymous", "member", "other_member", "other_own", "staff", "reviewer")

# Admin pages of models only superusers manage: reviewers included, 403.
SUPERUSER_ONLY = {"GET": (302, 302, 302, 302, 403, 403)}
# Reviewers read profiles and deliveries; other staff have no permission.
REVIEWER_READS = {"GET": (302, 302, 302, 302, 403, 200)}
# Reviewer-only POST actions; GET is refused by require_POST.
REVIEWER_ACTION = {
    "GET": (302, 302, 302, 302, 405, 405),
    "POST": (302, 302, 302, 302, 403, 302),
}
# ModelAdmin's legacy <id>/ URL redirects to <id>/change/ for staff.
ADMIN_REDIRECT = {"GET": (302, 302, 302, 302, 302, 302)}
ADMIN_STAFF_PAGE = {"GET": (302, 302, 302, 302, 200, 200)}


def _admin_model(model: str, readable: bool) -> dict:
    rows = {}
    for page in ("changelist", "add", "history", "delete", "change"):
        rows[f"admin:{model}_{page}"] = SUPERUSER_ONLY
    if readable:
        for page in ("changelist", "history", "change"):
            rows[f"admin:{model}_{page}"] = REVIEWER_READS
    path = model.replace("_", "/", 1)
    rows[f"admin:admin/{path}/<path:object_id>/"] = ADMIN_REDIRECT
    return rows


EXPECTED: dict[str, dict[str, tuple[int, ...]]] = {
    "home": {"GET": (302, 302, 302, 302, 302, 302)},
    "login": {"GET": (200, 200, 200, 200, 200, 200)},
    "logout": {
        "GET": (302, 405, 405, 405, 405, 405),
        "POST": (302, 302, 302, 302, 302, 302),
    },
    "healthz": {"GET": (200, 200, 200, 200, 200, 200)},
    "profiles:list": {"GET": (302, 200, 200, 200, 200, 200)},
    # Staff and reviewers belong to no account: they cannot start a profile.
    "profiles:create": {
        "GET": (302, 200, 200, 200, 403, 403),
        "POST": (302, 302, 302, 302, 403, 403),
    },
    "profiles:detail": {"GET": (302, 200, 404, 200, 404, 404)},
    "profiles:status": {"GET": (302, 200, 404, 200, 404, 404)},
    # The wizard's entry redirects to the step to resume.
    "profiles:edit": {"GET": (302, 302, 404, 302, 404, 404)},
    "profiles:step": {"GET": (302, 200, 404, 200, 404, 404)},
    # Reviewers may download documents (the README says so); other staff not.
    "profiles:document": {"GET": (302, 200, 404, 200, 404, 200)},
    # Members ask, then delete their account's drafts.
    "profiles:delete": {
        "GET": (302, 200, 404, 200, 404, 404),
        "POST": (302, 302, 404, 302, 404, 404),
    },
    "profiles:document-delete": {
        "GET": (302, 405, 405, 405, 405, 405),
        "POST": (302, 302, 404, 302, 404, 404),
    },
    # A POST reveals the member's own account's signing secret.
    "account": {
        "GET": (302, 200, 200, 200, 404, 404),
        "POST": (302, 200, 200, 200, 404, 404),
    },
    "profiles:confirmation-send": {
        "GET": (302, 405, 405, 405, 405, 405),
        "POST": (302, 302, 404, 302, 404, 404),
    },
    # The link in a confirmation email works for anyone who holds it, signed
    # in or not; it confirms that one address and shows nothing else.
    "address-confirm": {
        "GET": (200, 200, 200, 200, 200, 200),
        "POST": (200, 200, 200, 200, 200, 200),
    },
    # No id in the URL: each member rotates their own account's secret.
    "account-secret-rotate": {
        "GET": (302, 405, 405, 405, 405, 405),
        "POST": (302, 302, 302, 302, 404, 404),
    },
    "delivery-resend": {
        "GET": (302, 405, 405, 405, 405, 405),
        "POST": (302, 302, 404, 302, 404, 404),
    },
    "admin:index": ADMIN_STAFF_PAGE,
    # Staff are sent on to the index; everyone else sees the form.
    "admin:login": {"GET": (200, 200, 200, 200, 302, 302)},
    "admin:logout": {
        "GET": (302, 302, 302, 302, 405, 405),
        "POST": (302, 302, 302, 302, 302, 302),
    },
    "admin:password_change": ADMIN_STAFF_PAGE,
    "admin:password_change_done": ADMIN_STAFF_PAGE,
    "admin:autocomplete": {"GET": (302, 302, 302, 302, 403, 403)},
    "admin:jsi18n": ADMIN_STAFF_PAGE,
    # CustomerProfile has no admin-visible site link for staff: a redirect.
    "admin:view_on_site": ADMIN_REDIRECT,
    "admin:app_list": {"GET": (302, 302, 302, 302, 404, 200)},
    "admin:admin/(?P<url>.*)$": {"GET": (302, 302, 302, 302, 404, 404)},
    "admin:auth_user_password_change": SUPERUSER_ONLY,
    **_admin_model("auth_group", readable=False),
    **_admin_model("auth_user", readable=False),
    **_admin_model("profiles_account", readable=False),
    **_admin_model("profiles_membership", readable=False),
    **_admin_model("profiles_notificationdelivery", readable=True),
    **_admin_model("profiles_erasure", readable=False),
    **_admin_model("profiles_customerprofile", readable=True),
    # Registering a primary profile is a reviewer's job.
    "admin:profiles_customerprofile_add": {"GET": (302, 302, 302, 302, 403, 200)},
    "admin:profiles_customerprofile_document": REVIEWER_READS,
    "admin:profiles_customerprofile_approve": REVIEWER_ACTION,
    "admin:profiles_customerprofile_expire": REVIEWER_ACTION,
    # An empty rejection is refused with the review page and its message.
    "admin:profiles_customerprofile_reject": {
        "GET": (302, 302, 302, 302, 405, 405),
        "POST": (302, 302, 302, 302, 403, 400),
    },
    "admin:profiles_customerprofile_resend": REVIEWER_ACTION,
}
# A POST to the read-only review page would be an edit: refused for everyone.
EXPECTED["admin:profiles_customerprofile_change"] = {
    "GET": (302, 302, 302, 302, 403, 200),
    "POST": (302, 302, 302, 302, 403, 403),
}

CASES = [
    (route, method, column)
    for route in ROUTES
    for method in EXPECTED.get(route.key, {})
    for column in COLUMNS
]


def test_every_url_has_an_expectation():
    missing = [r.route for r in ROUTES if r.key not in EXPECTED]
    assert not missing, f"add these URLs to EXPECTED: {missing}"


def test_every_expectation_has_a_url():
    stale = set(EXPECTED) - {r.key for r in ROUTES}
    assert not stale, f"these rows of EXPECTED match no URL: {sorted(stale)}"


def test_the_walk_finds_the_portal_and_the_admin():
    keys = {r.key for r in ROUTES}
    assert {"profiles:step", "admin:profiles_customerprofile_reject"} <= keys
    assert len(ROUTES) > 60


@pytest.mark.parametrize(
    ("route", "method", "column"),
    CASES,
    ids=[f"{m}-{r.key}-{c}" for r, m, c in CASES],
)
def test_access(world, route, method, column):
    role = "other_member" if column == "other_own" else column
    side = world["theirs"] if column == "other_own" else world["mine"]
    url = url_for(route, side, world["group"])
    client = world["clients"][role]

    response = client.generic(method, url)

    expected = EXPECTED[route.key][method][COLUMNS.index(column)]
    assert response.status_code == expected, (
        f"{method} {url} as {column}: {response.status_code}, expected {expected}"
    )
    if column == "anonymous" and expected == 302 and route.key != "home":
        assert response["Location"].split("?")[0] in (
            "/accounts/login/",
            "/admin/login/",
        )
    if column == "other_member" and expected == 404:
        # Nothing of the other account leaks into the error page.
        assert world["mine"].profile.sid not in response.content.decode()


# --- Routes that change a profile: never on a primary ------------------------

# The wizard and the document removal edit secondary profiles only: the
# member's own primary, whatever its status, is refused with 60711.
EDITING_KEYS = ("profiles:edit", "profiles:step", "profiles:document-delete")
EDITING = [route for route in ROUTES if route.key in EDITING_KEYS]
EDITING_CASES = [
    (route, method, status)
    for route in EDITING
    for method in EXPECTED[route.key]
    for status in Status.values
]


@pytest.mark.parametrize(
    ("route", "method", "status"),
    EDITING_CASES,
    ids=[f"{m}-{r.key}-{s}" for r, m, s in EDITING_CASES],
)
def test_a_member_never_edits_their_primary_profile(world, route, method, status):
    mine = world["mine"]
    primary = mine.account.profiles.primary().get()
    primary.status = status
    primary.save()
    side = replace(mine, profile=primary, document=add_document(primary))
    url = url_for(route, side, world["group"])

    response = world["clients"]["member"].generic(method, url)

    # GET of the removal is refused by its method before anything else.
    expected = 405 if EXPECTED[route.key][method][1] == 405 else 409
    assert response.status_code == expected, f"{method} {url}"
    assert primary.documents.filter(pk=side.document.pk).exists()


# --- Nothing a signed-in user is sent is stored by a cache -------------------

GET_ROUTES = [route for route in ROUTES if "GET" in EXPECTED.get(route.key, {})]


@pytest.mark.parametrize("route", GET_ROUTES, ids=[r.key for r in GET_ROUTES])
def test_no_answer_to_a_signed_in_user_may_be_stored(world, route):
    for role in ("member", "other_member", "staff", "reviewer"):
        url = url_for(route, world["mine"], world["group"])

        response = world["clients"][role].get(url)

        directives = {
            part.strip() for part in response.get("Cache-Control", "").split(",")
        }
        assert "no-store" in directives, f"GET {url} as {role}: {directives}"
