"""The wizard driven through Django's test client: its URLs, its posts, and the
rows it may write."""

from __future__ import annotations

from profiles.models import (
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    StatusChange,
    SupportingDocument,
)
from profiles.steps import STEP_NAMES
from profiles.tests.wizard_data import valid_data

STEPS = list(STEP_NAMES)


def step_url(profile, step=None) -> str:
    base = f"/profiles/{profile.sid}/edit/"
    return f"{base}{step}/" if step else base


def post_step(client, profile, step, data=None, **extra):
    """POST one step with its management form, as the step's page does."""
    payload = {"wizard-current_step": step, **(data or {}), **extra}
    return client.post(step_url(profile, step), payload)


def fill_steps(client, profile, steps=STEPS[:-1]) -> None:
    for step in steps:
        response = post_step(client, profile, step, valid_data(step))
        assert response.status_code == 302, (step, response.content[:3000])


def snapshot(profile) -> dict:
    """Everything the wizard may write for a profile, straight from the database."""
    rows = {
        "business": BusinessInformation,
        "representatives": AuthorizedRepresentative,
        "address": Address,
        "documents": SupportingDocument,
        "status_changes": StatusChange,
    }
    state = {
        name: list(m.objects.filter(profile=profile).values())
        for name, m in rows.items()
    }
    state["profile"] = CustomerProfile.objects.filter(pk=profile.pk).values().get()
    return state
