"""Valid answers for each wizard step, as a person would type them."""

GENERAL = {"business_name": "Acme Widgets", "website_url": "https://acme.example.com"}
BUSINESS = {
    "business_identity": "direct_customer",
    "business_type": "Limited Liability Corporation",
    "business_industry": "TECHNOLOGY",
    "business_registration_identifier": "EIN",
    "business_registration_identifier_other": "",
    "business_registration_number": "12-3456789",
    "business_regions_of_operation": ["USA_AND_CANADA", "EUROPE"],
    "social_media_profile_urls": "https://social.example.com/acme",
}
FIRST_REPRESENTATIVE = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@acme.example.com",
    "phone_number": "+1 415 555 0100",
    "business_title": "Head of Operations",
    "job_position": "Director",
}
SECOND_REPRESENTATIVE = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "email": "grace@acme.example.com",
    "phone_number": "+44 20 7946 0958",
    "business_title": "Chief Executive",
    "job_position": "CEO",
}
ADDRESS = {
    "customer_name": "Acme Widgets",
    "street": "375 Beale Street",
    "street_secondary": "Suite 300",
    "city": "San Francisco",
    "region": "CA",
    "postal_code": "94105",
    "iso_country": "US",
}
NOTIFICATIONS = {
    "email": "alerts@acme.example.com",
    "status_callback": "https://hooks.acme.example.com/trusthub",
}
