"""The tables of the portal. Identifiers in URLs are SIDs, never primary keys."""

from __future__ import annotations

import secrets
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .choices import (
    DOCUMENT_EXTENSIONS,
    BusinessIdentity,
    BusinessIndustry,
    BusinessType,
    Channel,
    DeliveryState,
    DocumentStatus,
    DocumentType,
    ErasureKind,
    JobPosition,
    ProfileKind,
    Region,
    RegistrationIdentifier,
    Status,
)
from .storage import document_storage, document_upload_to


class SidField(models.CharField):
    """A Trust Hub SID: a two-letter prefix and 32 hex digits, set on first save."""

    def __init__(self, prefix: str = "", **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", 34)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        super().__init__(**kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        if not getattr(model_instance, self.attname):
            setattr(model_instance, self.attname, self.prefix + uuid.uuid4().hex)
        return super().pre_save(model_instance, add)


def new_signing_secret() -> str:
    return secrets.token_hex(32)


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class Account(models.Model):
    sid = SidField("AC")
    name = models.CharField(_("name"), max_length=200)
    # Signs status callbacks, as the auth token does for Trust Hub.
    webhook_secret = models.CharField(max_length=64, default=new_signing_secret)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="memberships"
    )

    def __str__(self):
        return f"{self.user} in {self.account}"


class JSONDocumentField(models.JSONField):
    """A JSONField of documents of a few kilobytes, inserted one value each.

    On PostgreSQL, Django's bulk_create passes each column as one array
    (`UNNEST`), and psycopg quotes each element of an array literal with a
    Python regular expression: 0.2 ms for a 4 KB evaluation result, several
    times the cost of quoting it on its own. A field with a placeholder of
    its own keeps the rows' values apart (`VALUES`).
    """

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"


class CustomerProfileQuerySet(models.QuerySet):
    def for_account(self, account: Account | None) -> CustomerProfileQuerySet:
        return self.filter(account=account) if account else self.none()

    def secondary(self) -> CustomerProfileQuerySet:
        return self.filter(kind=ProfileKind.SECONDARY)

    def primary(self) -> CustomerProfileQuerySet:
        return self.filter(kind=ProfileKind.PRIMARY)

    def approved_primaries(self) -> CustomerProfileQuerySet:
        """Approved, unexpired primary profiles, the latest first.

        Unexpired by the database's clock, so a read built with this once stays
        right for as long as it is used.
        """
        unexpired = models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=Now())
        return (
            self.primary()
            .filter(unexpired, status=Status.TWILIO_APPROVED)
            .order_by("-updated_at")
        )

    def with_approved_primary(self) -> CustomerProfileQuerySet:
        """Annotated with `approved_primary_id`: their account's, or None."""
        primaries = CustomerProfile.objects.approved_primaries().filter(
            account=models.OuterRef("account")
        )
        return self.annotate(
            approved_primary_id=models.Subquery(primaries.values("pk")[:1])
        )

    def with_answers(self) -> CustomerProfileQuerySet:
        """With the rows the wizard writes: one join, two prefetches."""
        return self.select_related(
            "account", "business_information", "address"
        ).prefetch_related("representatives", "documents")


class CustomerProfile(models.Model):
    sid = SidField("BU")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="profiles"
    )
    kind = models.CharField(max_length=16, choices=ProfileKind.choices)
    primary = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="secondaries",
    )
    policy_sid = models.CharField(max_length=34)
    friendly_name = models.CharField(_("friendly name"), max_length=255, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    email = models.EmailField(_("notification email"), blank=True)
    status_callback = models.URLField(
        _("status callback URL"), max_length=2000, blank=True
    )
    valid_until = models.DateTimeField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    revision = models.PositiveIntegerField(default=0)
    # Wizard steps saved at least once, so a draft resumes where it was left.
    completed_steps = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The review queue's sort keys, stored by the database so that one index
    # serves its order: in review first (0), oldest submission first.
    queue_rank = models.GeneratedField(
        expression=models.Case(
            models.When(status=Status.IN_REVIEW, then=models.Value(0)),
            default=models.Value(1),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    queue_since = models.GeneratedField(
        expression=models.Case(
            models.When(status=Status.IN_REVIEW, then=models.F("submitted_at"))
        ),
        output_field=models.DateTimeField(null=True),
        db_persist=True,
    )

    objects = CustomerProfileQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["account", "kind", "-updated_at"]),
            models.Index(fields=["status", "submitted_at"]),
            # The review queue's order; the admin appends -pk to make it total.
            models.Index(
                fields=["queue_rank", "queue_since", "-updated_at", "-id"],
                name="profile_review_queue",
            ),
        ]

    def __str__(self):
        return self.friendly_name or self.sid

    def get_absolute_url(self):
        return reverse("profiles:detail", args=[self.sid])

    @property
    def notification_channels(self) -> list[str]:
        channels = ["email"] if self.email else []
        return channels + (["webhook"] if self.status_callback else [])


class BusinessInformation(models.Model):
    sid = SidField("IT")
    profile = models.OneToOneField(
        CustomerProfile, on_delete=models.CASCADE, related_name="business_information"
    )
    business_name = models.CharField(_("business name"), max_length=255)
    website_url = models.URLField(_("website URL"), max_length=500)
    business_identity = models.CharField(
        _("business identity"),
        max_length=32,
        choices=BusinessIdentity.choices,
        blank=True,
    )
    business_type = models.CharField(
        _("business type"), max_length=40, choices=BusinessType.choices, blank=True
    )
    business_industry = models.CharField(
        _("business industry"),
        max_length=40,
        choices=BusinessIndustry.choices,
        blank=True,
    )
    business_registration_identifier = models.CharField(
        _("registration ID type"),
        max_length=8,
        choices=RegistrationIdentifier.choices,
        blank=True,
    )
    business_registration_identifier_other = models.CharField(
        _("registration ID type name"), max_length=100, blank=True
    )
    business_registration_number = models.CharField(
        _("registration number"), max_length=64, blank=True
    )
    business_regions_of_operation = models.JSONField(
        _("operating regions"), default=list, blank=True
    )
    social_media_profile_urls = models.TextField(
        _("social media profile URLs"), blank=True
    )

    def __str__(self):
        return self.business_name

    @property
    def regions_display(self) -> list[str]:
        return [
            Region(value).label
            for value in self.business_regions_of_operation
            if value in Region.values
        ]


class AuthorizedRepresentative(models.Model):
    sid = SidField("IT")
    profile = models.ForeignKey(
        CustomerProfile, on_delete=models.CASCADE, related_name="representatives"
    )
    position = models.PositiveSmallIntegerField(choices=[(1, "1"), (2, "2")])
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"))
    phone_number = models.CharField(_("phone number"), max_length=20)
    business_title = models.CharField(_("business title"), max_length=100)
    job_position = models.CharField(
        _("job position"), max_length=20, choices=JobPosition.choices
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "position"], name="one_representative_per_position"
            )
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class Address(models.Model):
    sid = SidField("AD")
    profile = models.OneToOneField(
        CustomerProfile, on_delete=models.CASCADE, related_name="address"
    )
    customer_name = models.CharField(_("customer name"), max_length=255)
    street = models.CharField(_("street"), max_length=255)
    street_secondary = models.CharField(
        _("street (line 2)"), max_length=255, blank=True
    )
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(_("state or region"), max_length=100)
    postal_code = models.CharField(_("postal code"), max_length=20)
    iso_country = CountryField(_("country"))

    class Meta:
        verbose_name_plural = "addresses"

    def __str__(self):
        return f"{self.street}, {self.city}"


class SupportingDocument(models.Model):
    sid = SidField("RD")
    profile = models.ForeignKey(
        CustomerProfile, on_delete=models.CASCADE, related_name="documents"
    )
    document_type = models.CharField(
        _("document type"), max_length=40, choices=DocumentType.choices
    )
    file = models.FileField(
        storage=document_storage, upload_to=document_upload_to, max_length=255
    )
    original_name = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("profiles:document", args=[self.profile.sid, self.sid])

    @property
    def name_matches_content(self) -> bool:
        """Whether the uploaded name's extension is one of the detected type's."""
        extensions = DOCUMENT_EXTENSIONS.get(self.mime_type, ())
        return PurePosixPath(self.original_name).suffix.lower() in extensions

    @property
    def download_name(self) -> str:
        """The uploaded name, its extension replaced by the detected type's when
        they disagree: PNG bytes named x.html download as x.png."""
        extensions = DOCUMENT_EXTENSIONS.get(self.mime_type)
        if not extensions or self.name_matches_content:
            return self.original_name
        stem = PurePosixPath(self.original_name).stem.rstrip(".") or "document"
        return stem + extensions[0]


class Evaluation(models.Model):
    """The policy's verdict on one submitted revision of a profile."""

    class Result(models.TextChoices):
        COMPLIANT = "compliant", _("Compliant")
        NONCOMPLIANT = "noncompliant", _("Noncompliant")

    sid = SidField("EL")
    profile = models.ForeignKey(
        CustomerProfile, on_delete=models.CASCADE, related_name="evaluations"
    )
    revision = models.PositiveIntegerField()
    policy_sid = models.CharField(max_length=34)
    status = models.CharField(max_length=16, choices=Result.choices)
    # Trust Hub's results[]: one entry per requirement, with valid/invalid fields.
    results = JSONDocumentField(default=list)
    # Not reasons to reject; shown to the applicant and flagged to reviewers.
    warnings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "revision"], name="one_evaluation_per_revision"
            )
        ]

    def __str__(self):
        return f"{self.sid} ({self.status})"

    @property
    def failures(self) -> list[dict]:
        return [result for result in self.results if not result["passed"]]


class StatusChange(models.Model):
    """One row per status transition: the audit trail."""

    profile = models.ForeignKey(
        CustomerProfile, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    revision = models.PositiveIntegerField()
    # 1, 2, 3... per profile, so a callback receiver can order what it gets.
    sequence = models.PositiveIntegerField()
    # Empty actor means the system (evaluation, sweeps).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    reasons = JSONDocumentField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["profile", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "sequence"], name="one_status_change_per_sequence"
            )
        ]

    def __str__(self):
        return f"{self.profile_id}: {self.from_status} -> {self.to_status}"


class NotificationDelivery(models.Model):
    """The outbox: one row per (status change, channel), sent until it lands."""

    status_change = models.ForeignKey(
        StatusChange, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    target = models.CharField(max_length=2000)
    # Stable across retries: receivers use it to drop duplicates.
    message_id = models.CharField(max_length=40, unique=True, default=new_message_id)
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "notification deliveries"
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["status_change", "channel"], name="one_delivery_per_channel"
            )
        ]

    def __str__(self):
        return f"{self.get_channel_display()} to {self.target}"


class Erasure(models.Model):
    """What was erased, when and by whom: the audit row that outlives the data.

    Identifiers and counts only; nothing of the erased answers or files.
    """

    kind = models.CharField(max_length=16, choices=ErasureKind.choices)
    # The erased profile's SID (a draft) or account's SID (an account).
    sid = models.CharField(max_length=34)
    account_sid = models.CharField(max_length=34)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    profile_count = models.PositiveIntegerField()
    document_count = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.sid}"


class DeliveryResend(models.Model):
    """One resend of a delivery, counted against the resend limits."""

    delivery = models.ForeignKey(
        NotificationDelivery, on_delete=models.CASCADE, related_name="resends"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="delivery_resends"
    )
    # Reviewers' resends (from the admin) do not count against the account.
    by_reviewer = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "created_at"]),
            models.Index(fields=["delivery", "created_at"]),
        ]

    def __str__(self):
        return f"{self.delivery_id} resent at {self.created_at}"


class NotificationAddress(models.Model):
    """An email address an account's notifications may go to, once confirmed.

    Its members' own (sign-in) addresses need no row: they are verified.
    """

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="notification_addresses"
    )
    # Lower-cased, as it is compared.
    email = models.EmailField(_("email"))
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        indexes = [models.Index(fields=["account", "confirmation_sent_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "email"], name="one_notification_address_per_email"
            )
        ]

    def __str__(self):
        return self.email
