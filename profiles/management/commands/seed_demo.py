"""Create the demo account, its approved primary profile and two logins.

Run at every `make run`: it creates what is missing and changes no existing
password (a new hash would sign everyone out), unless --reset-passwords.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from profiles.access import REVIEWERS_GROUP
from profiles.choices import ProfileKind, Status
from profiles.models import Account, BusinessInformation, CustomerProfile, Membership

APPLICANT_EMAIL = "applicant@example.com"
REVIEWER_EMAIL = "reviewer@example.com"
DEMO_ACCOUNT = "Owl Inc."


class Command(BaseCommand):
    help = "Seed a demo account with an approved primary profile (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off (demo passwords on a real server); "
            "DEMO_SEED_ALLOW_PRODUCTION=true says the same from the environment.",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set the demo logins' passwords to DEMO_PASSWORD again "
            "(signs them out everywhere).",
        )

    def handle(
        self, *args, force: bool = False, reset_passwords: bool = False, **options
    ):
        if not (settings.DEBUG or force or settings.DEMO_SEED_ALLOW_PRODUCTION):
            raise CommandError(
                "DEBUG is off: refusing to create demo logins. Use --force, or set "
                "DEMO_SEED_ALLOW_PRODUCTION=true, to seed anyway."
            )
        with transaction.atomic():
            account = self.seed_account()
            self.seed_user(APPLICANT_EMAIL, account=account, reset=reset_passwords)
            reviewer = self.seed_user(REVIEWER_EMAIL, staff=True, reset=reset_passwords)
            reviewer.groups.add(self.seed_reviewers_group())
        self.stdout.write(
            self.style.SUCCESS(f"Demo account: {account.name} ({account.sid})")
        )
        self.stdout.write(f"  applicant: {APPLICANT_EMAIL}")
        self.stdout.write(f"  reviewer:  {REVIEWER_EMAIL}  (admin: /admin/)")
        self.stdout.write(
            f"  password:  {settings.DEMO_PASSWORD} when created; "
            "--reset-passwords sets it again"
        )

    def seed_account(self) -> Account:
        account, _ = Account.objects.get_or_create(name=DEMO_ACCOUNT)
        if not CustomerProfile.objects.for_account(account).primary().exists():
            primary = CustomerProfile.objects.create(
                account=account,
                kind=ProfileKind.PRIMARY,
                policy_sid=settings.PRIMARY_POLICY_SID,
                friendly_name=f"{DEMO_ACCOUNT} primary profile",
                status=Status.TWILIO_APPROVED,
                email=APPLICANT_EMAIL,
            )
            BusinessInformation.objects.create(
                profile=primary,
                business_name=DEMO_ACCOUNT,
                website_url="https://owl.example.com",
                business_identity="direct_customer",
                business_type="Corporation",
                business_industry="TECHNOLOGY",
                business_registration_identifier="EIN",
                business_registration_number="12-3456789",
                business_regions_of_operation=["USA_AND_CANADA"],
            )
        return account

    def seed_user(self, email: str, *, account=None, staff=False, reset=False):
        """The demo login, created with DEMO_PASSWORD if missing."""
        user, created = get_user_model().objects.get_or_create(
            username=email, defaults={"email": email, "is_staff": staff}
        )
        if created or reset:
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if account is not None:
            Membership.objects.get_or_create(user=user, defaults={"account": account})
        return user

    def seed_reviewers_group(self) -> Group:
        group, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="profiles", codename__startswith="view_"
            )
        )
        return group
