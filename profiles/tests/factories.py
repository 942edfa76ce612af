"""factory_boy factories for the portal's models."""

from __future__ import annotations

import factory
from django.conf import settings
from django.contrib.auth import get_user_model

from profiles.choices import ProfileKind, Status
from profiles.models import (
    Account,
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    Membership,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.SelfAttribute("email")
    password = factory.django.Password("pass-word-123")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)


class PrimaryProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerProfile

    account = factory.SubFactory(AccountFactory)
    kind = ProfileKind.PRIMARY
    status = Status.TWILIO_APPROVED
    friendly_name = factory.LazyAttribute(lambda o: f"{o.account.name} primary")
    policy_sid = factory.LazyFunction(lambda: settings.PRIMARY_POLICY_SID)
    email = "owner@example.com"


class SecondaryProfileFactory(factory.django.DjangoModelFactory):
    """A secondary draft; builders.complete_secondary_profile makes a full one."""

    class Meta:
        model = CustomerProfile

    account = factory.SubFactory(AccountFactory)
    kind = ProfileKind.SECONDARY
    status = Status.DRAFT
    friendly_name = "Acme Widgets"
    policy_sid = factory.LazyFunction(lambda: settings.SECONDARY_POLICY_SID)


class BusinessInformationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessInformation

    profile = factory.SubFactory(SecondaryProfileFactory)
    business_name = "Acme Widgets"
    website_url = "https://acme.example.com"
    business_identity = "direct_customer"
    business_type = "Limited Liability Corporation"
    business_industry = "TECHNOLOGY"
    business_registration_identifier = "EIN"
    business_registration_number = "12-3456789"
    business_regions_of_operation = factory.LazyFunction(lambda: ["USA_AND_CANADA"])


class RepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthorizedRepresentative

    profile = factory.SubFactory(SecondaryProfileFactory)
    position = 1
    first_name = factory.Iterator(["Ada", "Grace"])
    last_name = factory.Iterator(["Lovelace", "Hopper"])
    email = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}@acme.example.com")
    phone_number = "+14155550100"
    business_title = "Head of Operations"
    job_position = "Director"


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    profile = factory.SubFactory(SecondaryProfileFactory)
    customer_name = "Acme Widgets"
    street = "375 Beale Street"
    street_secondary = "Suite 300"
    city = "San Francisco"
    region = "CA"
    postal_code = "94105"
    iso_country = "US"
