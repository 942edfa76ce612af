"""Hostile input: fuzzed wizard and review posts, CSRF, XSS and SSRF.

Uploads have their own hostile cases in test_documents.py; this file covers
what they do not.
"""

from __future__ import annotations

import re
import socket
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from profiles import lifecycle
from profiles.choices import Channel, DeliveryState, Status
from profiles.models import NotificationDelivery, SupportingDocument
from profiles.notifications.delivery import deliver
from profiles.notifications.targets import UnsafeTarget, check_callback_url, is_public
from profiles.steps import STEP_NAMES
from profiles.tests.builders import complete_secondary_profile, confirmed_address
from profiles.tests.files import PDF
from profiles.tests.receivers import Receiver, Reply
from profiles.tests.resolvers import resolver_stub
from profiles.tests.routes import ROUTES, build_side, url_for
from profiles.tests.wizard_client import snapshot, step_url
from profiles.tests.wizard_data import valid_data

pytestmark = pytest.mark.django_db

STEPS = list(STEP_NAMES)
ACCEPTED_STATUSES = {200, 302, 400, 409}
MESSAGE_LIST = re.compile(r'<ul class="(?:messages|messagelist)"[^>]*>(.*?)</ul>', re.S)
MESSAGE = re.compile(r'<li class="([^"]*)">(.*?)</li>', re.S)

FUZZ = hypothesis_settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# --- Strategies -------------------------------------------------------------------

XSS = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' onmouseover='alert(1)",
]
text = st.one_of(
    st.text(max_size=80),
    # Huge: a few characters repeated well past every max_length.
    st.text(min_size=1, max_size=4).map(lambda s: s * 25_000),
    st.sampled_from(XSS + ["", " ", "\x00", "\u202e", "\ufeff", "𝕬" * 300]),
)
# A field left out, replaced, or sent twice (a list posts the name twice).
mutation = st.one_of(
    st.just("keep"),
    st.just("missing"),
    text,
    st.lists(text, min_size=2, max_size=3),
)
current_step = st.one_of(
    st.just("same"),
    st.just("missing"),
    st.sampled_from([*STEPS, "done", "", "bogus", "../general", "GENERAL"]),
    text,
    st.lists(st.sampled_from(STEPS), min_size=2, max_size=2),
)


def fuzzed_payload(step: str, draw) -> dict:
    base = valid_data(step)
    if step == "documents":
        base["documents-files"] = SimpleUploadedFile(
            "upload.pdf", PDF, content_type="application/pdf"
        )
    payload = {}
    for name, value in base.items():
        change = draw(mutation)
        if change == "keep":
            payload[name] = value
        elif change != "missing":
            payload[name] = change
    # A few unknown fields, as a forged page might add.
    for name in draw(st.lists(st.text(min_size=1, max_size=20), max_size=3)):
        payload[f"{step}-{name}"] = draw(text)
    chosen = draw(current_step)
    if chosen == "same":
        payload["wizard-current_step"] = step
    elif chosen != "missing":
        payload["wizard-current_step"] = chosen
    return payload


def shown_messages(page: str) -> list[tuple[str, str]]:
    """(level, text) of each message a page shows: the portal's ul.messages
    (li.message-<level>) or the admin's ul.messagelist (li.<level>)."""
    shown = []
    for block in MESSAGE_LIST.findall(page):
        for classes, text in MESSAGE.findall(block):
            level = classes.split()[-1].removeprefix("message-")
            shown.append((level, unescape(text)))
    return shown


def messages_after(client, response) -> list[tuple[str, str]]:
    """The messages a redirect carries, read from the page it leads to."""
    follow = client.get(response["Location"])
    return shown_messages(follow.content.decode())


def says_what_is_wrong(response) -> bool:
    page = response.content.decode()
    return (
        'id="error-summary"' in page
        or "60711" in page
        or any(level == "error" for level, _text in shown_messages(page))
    )


def check_outcome(client, profile, before, response) -> str:
    """Never a 500, a reason when refused, and nothing saved by a refusal."""
    assert response.status_code in ACCEPTED_STATUSES, response.status_code
    if response.status_code == 302:
        messages = messages_after(client, response)
        errors = [text for level, text in messages if level == "error"]
        if not errors:
            return "accepted"
        assert errors[0].strip()
    else:
        assert says_what_is_wrong(response), response.content[:2000]
    assert snapshot(profile) == before
    return "refused"


@pytest.fixture
def member(account, applicant):
    client = Client()
    client.force_login(applicant)
    return client


@pytest.mark.parametrize("step", STEPS)
def test_every_step_survives_fuzzed_posts(account, member, step):
    outcomes = []

    @FUZZ
    @given(data=st.data())
    def run(data):
        # A fresh draft each time: an accepted post may legitimately change one.
        profile = complete_secondary_profile(account)
        url_step = data.draw(
            st.one_of(st.just(step), st.sampled_from([*STEPS, "bogus", "done"]))
        )
        payload = fuzzed_payload(step, data.draw)
        before = snapshot(profile)

        response = member.post(step_url(profile, url_step), payload)

        outcomes.append(check_outcome(member, profile, before, response))

    run()
    assert "refused" in outcomes


@pytest.mark.parametrize("step", STEPS)
def test_a_post_far_over_the_upload_limit_is_a_clear_400(account, member, step):
    profile = complete_secondary_profile(account)
    before = snapshot(profile)
    payload = valid_data(step)
    payload["wizard-current_step"] = step
    payload[f"{step}-padding"] = "x" * (3 * 1024 * 1024)

    response = member.post(step_url(profile, step), payload)

    assert response.status_code == 400
    assert response.content.strip()
    assert snapshot(profile) == before


@pytest.mark.parametrize("path", ["/", "/profiles/", "/admin/", "/accounts/login/"])
def test_a_host_the_portal_does_not_serve_is_a_clear_400(member, path):
    response = member.get(path, HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert b"Bad request" in response.content


@pytest.mark.parametrize("step", STEPS)
def test_thousands_of_duplicated_fields_are_a_clear_400(account, member, step):
    profile = complete_secondary_profile(account)
    before = snapshot(profile)
    payload = {**valid_data(step), "wizard-current_step": step}
    payload[f"{step}-dup"] = ["x"] * 2000

    response = member.post(step_url(profile, step), payload)

    assert response.status_code == 400
    assert snapshot(profile) == before


def test_the_review_submit_survives_fuzzed_rejections(account, reviewer_client):
    client = reviewer_client
    reason = st.one_of(text, st.lists(text, min_size=2, max_size=2))

    @FUZZ
    @given(data=st.data())
    def run(data):
        profile = complete_secondary_profile(
            account, status=Status.IN_REVIEW, revision=1
        )
        before = snapshot(profile)
        payload = {}
        for code in data.draw(
            st.lists(st.sampled_from(["18601", "18602", "18606", "99999", "x"]))
        ):
            payload.setdefault("codes", []).append(code)
            payload[f"reason_{code}"] = data.draw(reason)
        for name in data.draw(st.lists(st.text(min_size=1, max_size=12), max_size=3)):
            payload[name] = data.draw(reason)
        url = reverse("admin:profiles_customerprofile_reject", args=[profile.pk])

        response = client.post(url, payload)

        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert "The profile was not rejected" in response.content.decode()
            assert snapshot(profile) == before

    run()


# --- NUL bytes and ids of the wrong shape ------------------------------------------

# Values that are no id: NUL bytes, a slash, and near misses of the id's shape.
NOT_A_NAME = ["%00", "BU%00", "{id}%00", "..%2F"]
WRONG_SHAPES = [*NOT_A_NAME, "{id}X", "{swapped}", "{id}0"]
ID_ROUTES = [r for r in ROUTES if set(r.params) & {"sid", "document_sid", "step"}]
ID_ROUTES += [r for r in ROUTES if "message_id" in r.params]


def wrong_ids(route, side, group) -> list[str]:
    """The route's URL with each id in turn replaced by a wrong shape; a step's
    name by what is not a name (an unknown name resumes the draft)."""
    good = {
        "sid": side.profile.sid,
        "document_sid": side.document.sid,
        "message_id": side.delivery.message_id,
        "step": "business",
    }
    url = url_for(route, side, group)
    urls = []
    for param in set(route.params) & set(good):
        value = good[param]
        for shape in NOT_A_NAME if param == "step" else WRONG_SHAPES:
            wrong = shape.format(id=value, swapped=value.swapcase())
            urls.append(url.replace(f"/{value}/", f"/{wrong}/", 1))
    return urls


@pytest.mark.parametrize("route", ID_ROUTES, ids=[r.key for r in ID_ROUTES])
@pytest.mark.parametrize("role", ["member", "reviewer"])
def test_an_id_of_the_wrong_shape_is_a_404_on_every_url(
    account, applicant, reviewer, route, role
):
    side = build_side("Ids Inc.")
    client = Client()
    client.force_login(side.membership.user if role == "member" else reviewer)
    before = snapshot(side.profile)

    for url in wrong_ids(route, side, reviewer.groups.get()):
        for method in ("GET", "POST"):
            response = client.generic(method, url)
            expected = 404
            if route.key.startswith("admin:") and response.status_code == 302:
                # The admin's own catch-all: to its sign-in page for a member,
                # to a change page that finds no such object for a reviewer.
                response = client.get(response["Location"])
                expected = 200 if role == "member" else 404
            assert response.status_code == expected, f"{method} {url}"
            assert side.profile.sid not in response.content.decode()
    assert snapshot(side.profile) == before


QUEUE = "/admin/profiles/customerprofile/"
DELIVERIES = "/admin/profiles/notificationdelivery/"


@pytest.mark.parametrize(
    "path",
    [
        f"{QUEUE}?status=%00",
        f"{QUEUE}?kind=%00",
        f"{QUEUE}?status__exact=%00",
        f"{QUEUE}?kind__exact=%00&status=in-review",
        f"{QUEUE}?business_information__business_industry=%00",
        f"{QUEUE}?address__iso_country=%00",
        f"{QUEUE}?age=%00",
        f"{QUEUE}?sid=%00",
        f"{DELIVERIES}?state=%00",
        f"{DELIVERIES}?channel__exact=%00",
        f"{DELIVERIES}?q=x&state=%00",
    ],
)
def test_a_nul_in_an_admin_filter_sends_back_to_the_whole_list(
    account, reviewer_client, path
):
    complete_secondary_profile(account, status=Status.IN_REVIEW, revision=1)

    response = reviewer_client.get(path)

    assert response.status_code == 302
    assert response["Location"] == path.split("?")[0] + "?e=1"
    assert reviewer_client.get(response["Location"]).status_code == 200


def test_a_nul_in_an_autocomplete_search_finds_nothing(admin_client, account):
    url = (
        "/admin/autocomplete/?app_label=profiles&model_name=membership"
        "&field_name=account&term="
    )

    found = admin_client.get(url + account.name[:4])
    nothing = admin_client.get(url + "%00")

    assert found.status_code == nothing.status_code == 200
    assert found.json()["results"]
    assert nothing.json()["results"] == []


# --- CSRF ----------------------------------------------------------------------

# Signing in and out need no session to protect: Django exempts nothing, but the
# login form is the first POST of a visit; every other POST must carry a token.
POST_ROUTES = [r for r in ROUTES if r.key not in ("admin:admin/(?P<url>.*)$",)]


@pytest.fixture
def world_for_csrf(account):
    mine = build_side("CSRF Inc.")
    from django.contrib.auth.models import Group

    from profiles.access import REVIEWERS_GROUP

    group = Group.objects.get_or_create(name=REVIEWERS_GROUP)[0]
    mine.membership.user.is_staff = True
    mine.membership.user.save()
    mine.membership.user.groups.add(group)
    return mine, group


@pytest.mark.parametrize("route", POST_ROUTES, ids=[r.key for r in POST_ROUTES])
def test_every_post_without_a_csrf_token_is_refused(world_for_csrf, route):
    side, group = world_for_csrf
    client = Client(enforce_csrf_checks=True)
    client.force_login(side.membership.user)
    before = (
        SupportingDocument.objects.count(),
        side.account.__class__.objects.get(pk=side.account.pk).webhook_secret,
    )

    response = client.post(url_for(route, side, group), {"x": "1"})

    assert response.status_code == 403, route.route
    assert "CSRF" in response.content.decode() or response.status_code == 403
    assert before == (
        SupportingDocument.objects.count(),
        side.account.__class__.objects.get(pk=side.account.pk).webhook_secret,
    )


def test_the_sign_in_form_refuses_a_post_without_its_token(applicant):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("login"), {"username": applicant.email, "password": "pass-word-123"}
    )

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


# --- XSS ------------------------------------------------------------------------

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# As the portal's pages (Jinja2) and the admin and emails (Django) escape it.
ESCAPED_PAGE = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


TAGGED: list[str] = []  # one tag per hostile field, e.g. <s3>


def hostile(obj, name: str) -> str:
    """Markup for one field: a tag of its own, then the payload if it fits."""
    tag = f"<s{len(TAGGED)}>"
    TAGGED.append(tag)
    limit = obj._meta.get_field(name).max_length or 10_000
    return (tag + PAYLOAD)[:limit]


@pytest.fixture
def hostile_profile(account):
    """A profile whose every text field holds markup, as if stored unchecked."""
    TAGGED.clear()
    profile = complete_secondary_profile(
        account,
        email="alerts@acme.example.com",
        status=Status.IN_REVIEW,
        revision=1,
    )
    confirmed_address(account, profile.email)
    profile.friendly_name = hostile(profile, "friendly_name")
    profile.save()
    info = profile.business_information
    for name in (
        "business_name",
        "business_registration_number",
        "business_registration_identifier_other",
        "social_media_profile_urls",
    ):
        setattr(info, name, hostile(info, name))
    info.save()
    for rep in profile.representatives.all():
        for name in ("first_name", "last_name", "business_title", "job_position"):
            setattr(rep, name, hostile(rep, name))
        rep.save()
    address = profile.address
    for name in (
        "customer_name",
        "street",
        "street_secondary",
        "city",
        "region",
        "postal_code",
    ):
        setattr(address, name, hostile(address, name))
    address.save()
    for document in SupportingDocument.objects.filter(profile=profile):
        document.original_name = hostile(document, "original_name")
        document.save()
    return profile


def assert_escaped(page: str, where: str, every_field: bool = False) -> None:
    assert "<script>alert(" not in page, where
    assert "<img src=x onerror" not in page, where
    raw = [tag for tag in TAGGED if tag in page]
    assert not raw, f"{where}: unescaped {raw}"
    if every_field:
        escaped = [t for t in TAGGED if t.replace("<", "&lt;").replace(">", "&gt;")]
        missing = [
            t
            for t in escaped
            if t.replace("<", "&lt;").replace(">", "&gt;") not in page
        ]
        assert not missing, f"{where}: fields not shown {missing}"


def test_markup_in_every_field_is_escaped_in_the_portal(
    hostile_profile, applicant_client
):
    for step in STEPS:
        hostile_profile.status = Status.DRAFT
        hostile_profile.save()
        page = applicant_client.get(step_url(hostile_profile, step)).content.decode()
        assert_escaped(page, step, every_field=step == "review")
    for url in (
        reverse("profiles:detail", args=[hostile_profile.sid]),
        reverse("profiles:list"),
    ):
        assert_escaped(applicant_client.get(url).content.decode(), url)


def test_markup_in_every_field_is_escaped_on_the_review_page(
    hostile_profile, reviewer_client
):
    client = reviewer_client

    url = reverse("admin:profiles_customerprofile_change", args=[hostile_profile.pk])
    page = client.get(url).content.decode()

    assert_escaped(page, "review page", every_field=True)
    assert ESCAPED in page
    changelist = client.get(reverse("admin:profiles_customerprofile_changelist"))
    assert_escaped(changelist.content.decode(), "review queue")


def test_markup_in_rejection_reasons_is_escaped_for_the_applicant(
    hostile_profile, reviewer, applicant_client, settings, mailoutbox
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    lifecycle.profile_reject(
        profile=hostile_profile,
        reviewer=reviewer,
        errors=[{"code": 18601, "message": f"reason {PAYLOAD}"}],
    )
    page = applicant_client.get(
        reverse("profiles:detail", args=[hostile_profile.sid])
    ).content.decode()
    assert_escaped(page, "detail")
    assert f"reason {ESCAPED_PAGE}" in page

    email = NotificationDelivery.objects.get(
        status_change__profile=hostile_profile,
        status_change__to_status=Status.TWILIO_REJECTED,
        channel=Channel.EMAIL,
    )
    deliver(email.pk)
    (message,) = mailoutbox
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    assert_escaped(html, "html email")
    assert f"reason {ESCAPED}" in html
    # The text body is text/plain: markup there is inert text, shown as typed.
    assert message.content_subtype == "plain"
    assert f"reason {PAYLOAD}" in message.body
    assert f"{TAGGED[0]}{PAYLOAD}" in message.body
    assert TAGGED[0].replace("<", "&lt;").replace(">", "&gt;") in html


# --- SSRF: names and redirects (resolution only, no traffic) --------------------


def fake_resolver(monkeypatch, table: dict[str, list[str]]):
    """Answer getaddrinfo from `table`; any other name does not resolve."""
    calls = []

    def getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port),
            )
            for a in table[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


def loopback_names_in_hosts_file() -> list[str]:
    names = []
    try:
        lines = open("/etc/hosts", encoding="utf-8").read().splitlines()  # noqa: SIM115
    except OSError:
        return names
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) > 1 and fields[0] in ("127.0.0.1", "::1"):
            names.extend(fields[1:])
    return names


@pytest.mark.parametrize(
    "addresses",
    [
        ["10.1.2.3"],
        ["192.168.0.10"],
        ["169.254.169.254"],
        ["127.0.0.53"],
        ["fd12:3456::1"],
        ["::1"],
        ["100.64.0.1"],
        # One public and one private answer: the private one decides.
        ["93.184.215.14", "10.0.0.1"],
    ],
)
def test_a_name_that_resolves_to_a_private_address_is_refused(
    monkeypatch, addresses, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    calls = fake_resolver(monkeypatch, {"hooks.attacker.example": addresses})

    for resolve_required in (False, True):
        with pytest.raises(UnsafeTarget, match="private, loopback"):
            check_callback_url(
                "https://hooks.attacker.example/cb", resolve_required=resolve_required
            )
    assert calls == ["hooks.attacker.example"] * 2


def test_every_loopback_name_of_the_hosts_file_is_refused(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    names = loopback_names_in_hosts_file() or ["localhost"]
    for name in names:
        with pytest.raises(UnsafeTarget):
            check_callback_url(f"http://{name}:8080/", resolve_required=True)


def test_a_name_that_turns_private_after_entry_is_refused_at_send(
    account, monkeypatch, settings
):
    """DNS rebinding: public when entered, private when the callback is sent."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    table = {"hooks.rebind.example": ["93.184.215.14"]}
    fake_resolver(monkeypatch, table)
    check_callback_url("https://hooks.rebind.example/cb", resolve_required=True)
    profile = complete_secondary_profile(
        account, status_callback="https://hooks.rebind.example/cb", email=""
    )
    lifecycle.profile_submit(profile=profile, actor=None)
    delivery = NotificationDelivery.objects.get(
        status_change__profile=profile, channel=Channel.WEBHOOK
    )
    table["hooks.rebind.example"] = ["169.254.169.254"]
    sent = []
    monkeypatch.setattr(
        "socket.create_connection", lambda *a, **k: sent.append(a) or 1 / 0
    )

    deliver(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.last_error == "refused"
    assert sent == []


def test_the_refusal_of_a_private_name_does_not_say_what_it_resolves_to(
    monkeypatch, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    resolver_stub(monkeypatch, {"intranet.example.com": ["10.20.30.40"]})

    with pytest.raises(UnsafeTarget) as refused:
        check_callback_url("https://intranet.example.com/", resolve_required=False)

    assert "private" in str(refused.value)
    assert "10.20.30.40" not in str(refused.value)


def test_a_name_that_rebinds_between_the_check_and_the_connection_reaches_nothing(
    account, monkeypatch, settings
):
    """DNS rebinding at send: public when checked, loopback a moment later."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    receiver = Receiver(200).start()
    port = receiver.server.server_port
    url = f"http://hooks.rebind.example:{port}/hook"
    profile = complete_secondary_profile(account, status_callback=url, email="")
    lifecycle.profile_submit(profile=profile, actor=None)
    delivery = NotificationDelivery.objects.get(
        status_change__profile=profile, channel=Channel.WEBHOOK
    )
    answers = {"hooks.rebind.example": ["93.184.215.14", "127.0.0.1"]}
    looked_up = resolver_stub(monkeypatch, answers)
    try:
        deliver(delivery.pk)
    finally:
        receiver.stop()

    assert receiver.requests == []
    assert looked_up.count("hooks.rebind.example") == 1
    # The connection went for the address checked (which, outside this machine,
    # the stub does not resolve: nothing leaves it).
    assert "93.184.215.14" in looked_up
    delivery.refresh_from_db()
    assert delivery.last_error == "refused"


def test_a_failed_callback_tells_the_applicant_nothing_about_the_network(
    account, applicant_client, monkeypatch, settings
):
    """Open, closed and filtered ports read the same on the account page."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    silent = Receiver(Reply(200, delay=1.0)).start()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]
        targets = {
            "refused": f"http://127.0.0.1:{closed_port}/hook",
            "timed out": silent.url,
        }
        try:
            for expected, url in targets.items():
                profile = complete_secondary_profile(
                    account, status_callback=url, email=""
                )
                lifecycle.profile_submit(profile=profile, actor=None)
                delivery = NotificationDelivery.objects.get(
                    status_change__profile=profile, channel=Channel.WEBHOOK
                )
                deliver(delivery.pk)
                delivery.refresh_from_db()
                assert delivery.last_error == expected
        finally:
            silent.stop()
        settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
        profile = complete_secondary_profile(
            account, status_callback="http://hooks.internal.example/", email=""
        )
        lifecycle.profile_submit(profile=profile, actor=None)
        resolver_stub(monkeypatch, {"hooks.internal.example": ["10.1.2.3"]})
        for delivery in NotificationDelivery.objects.filter(
            status_change__profile=profile
        ):
            deliver(delivery.pk)

    page = applicant_client.get(reverse("account")).content.decode()
    errors = re.findall(
        r'<td data-label="Delivery">[^<]*<br><span class="hint">([^<]*)<', page
    )
    assert sorted(errors) == ["refused", "refused", "timed out"]


# A literal or a resolved name that leads to an IPv4 address through an IPv6 one.
EMBEDDED_LOOPBACK = [
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::a00:1",  # local-use NAT64
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "::7f00:1",  # IPv4-compatible 127.0.0.1
    "::ffff:a9fe:a9fe",  # IPv4-mapped 169.254.169.254
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
]


@pytest.mark.parametrize("address", EMBEDDED_LOOPBACK)
def test_an_ipv6_address_carrying_a_private_ipv4_one_is_refused(
    address, monkeypatch, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    fake_resolver(monkeypatch, {"hooks.nat64.example": [address], address: [address]})

    for url in (f"http://[{address}]/", "https://hooks.nat64.example/"):
        for resolve_required in (False, True):
            with pytest.raises(UnsafeTarget, match="private, loopback"):
                check_callback_url(url, resolve_required=resolve_required)


@pytest.mark.parametrize(
    "address", ["64:ff9b::5db8:d70e", "2002:5db8:d70e::1", "93.184.215.14"]
)
def test_an_ipv6_address_carrying_a_public_ipv4_one_is_allowed(address):
    assert is_public(address)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_towards_a_private_address_is_not_followed(
    account, settings, status
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on loopback
    receiver = Receiver(
        Reply(status, headers={"Location": "http://169.254.169.254/latest/meta-data"})
    ).start()
    try:
        profile = complete_secondary_profile(
            account, status_callback=receiver.url, email=""
        )
        lifecycle.profile_submit(profile=profile, actor=None)
        delivery = NotificationDelivery.objects.get(
            status_change__profile=profile, channel=Channel.WEBHOOK
        )
        deliver(delivery.pk)
    finally:
        receiver.stop()

    delivery.refresh_from_db()
    assert [r.path for r in receiver.requests] == ["/hook"]
    assert delivery.state == DeliveryState.FAILED
    assert (delivery.attempts, delivery.last_response_code) == (1, status)
