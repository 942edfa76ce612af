"""Every route of the URL conf, and one account's objects to fill its kwargs.

The access matrix walks these routes for every role; the hostile-input tests
post to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from profiles.choices import ErasureKind
from profiles.models import (
    Erasure,
    NotificationAddress,
)
from profiles.notifications.tokens import make_token
from profiles.tests.builders import (
    add_document,
    complete_secondary_profile,
    pending_delivery,
)
from profiles.tests.factories import (
    AccountFactory,
    MembershipFactory,
    PrimaryProfileFactory,
)


@dataclass(frozen=True)
class Route:
    key: str  # the URL name with its namespaces, or the route when unnamed
    route: str  # the full route, for messages
    params: tuple[str, ...]  # the kwargs the route needs


PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern):
            key = f"{namespace}{entry.name}" if entry.name else f"{namespace}{route}"
            params = tuple(a or b for a, b in PARAM.findall(route))
            yield Route(key=key, route=route, params=params)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


ROUTES = all_routes()


# --- One account with one of everything, whose ids fill the URL kwargs -------


@dataclass
class Side:
    """One account's objects, whose ids fill the URL kwargs."""

    account: object
    membership: object
    profile: object
    document: object
    delivery: object
    erasure: object
    # The link that confirms the profile's notification email.
    token: str


def build_side(name: str) -> Side:
    account = AccountFactory(name=name)
    PrimaryProfileFactory(account=account)
    membership = MembershipFactory(account=account)
    profile = complete_secondary_profile(account)
    document = add_document(profile)
    delivery = pending_delivery(profile)
    # The record of a draft of the account's, deleted earlier.
    erasure = Erasure.objects.create(
        kind=ErasureKind.DRAFT,
        sid="BU" + "0" * 32,
        account_sid=account.sid,
        actor=membership.user,
        profile_count=1,
        document_count=0,
    )
    address = NotificationAddress.objects.create(account=account, email=profile.email)
    token = make_token(address.pk, address.email)
    return Side(account, membership, profile, document, delivery, erasure, token)


def _object_id(route: str, side: Side, group) -> int:
    by_model = {
        "auth/group/": group.pk,
        "auth/user/": side.membership.user.pk,
        "profiles/account/": side.account.pk,
        "profiles/membership/": side.membership.pk,
        "profiles/notificationdelivery/": side.delivery.pk,
        "profiles/customerprofile/": side.profile.pk,
        "profiles/erasure/": side.erasure.pk,
        "admin/r/": side.profile.pk,
    }
    for fragment, pk in by_model.items():
        if fragment in route:
            return pk
    raise AssertionError(f"no object id known for {route}")


def url_for(route: Route, side: Side, group) -> str:
    """The route with its kwargs filled from one account's objects."""
    from django.contrib.contenttypes.models import ContentType

    from profiles.models import CustomerProfile

    values = {
        "sid": side.profile.sid,
        "document_sid": side.document.sid,
        "message_id": side.delivery.message_id,
        "token": side.token,
        "step": "business",
        "delivery_id": side.delivery.pk,
        "app_label": "profiles",
        "url": "no-such-page/",
        "content_type_id": ContentType.objects.get_for_model(CustomerProfile).pk,
    }
    if {"object_id", "id"} & set(route.params):
        values["object_id"] = values["id"] = _object_id(route.route, side, group)
    url = "/" + route.route
    url = url.replace("^", "").replace("$", "")
    for param in route.params:
        url = re.sub(
            rf"<(?:\w+:)?{param}>|\(\?P<{param}>[^)]*\)", str(values[param]), url
        )
    return url
