"""Forms of the back office; they only validate, lifecycle does the work."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import RejectionCode
from ..models import Account


class RejectForm(forms.Form):
    """A checkbox per Trust Hub rejection code, each with its own reason."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code in RejectionCode:
            self.fields[f"code_{code.value}"] = forms.BooleanField(
                label=f"{code.value} — {code.label}", required=False
            )
            self.fields[f"reason_{code.value}"] = forms.CharField(
                label=_("Reason for %(code)s") % {"code": code.value},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    @property
    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """(checkbox, reason) per code, for the template."""
        return [(self[f"code_{c}"], self[f"reason_{c}"]) for c in RejectionCode.values]

    def clean(self):
        cleaned = super().clean()
        chosen = [c for c in RejectionCode.values if cleaned.get(f"code_{c}")]
        if not chosen:
            raise forms.ValidationError(
                _("Choose at least one rejection code."), code="no_code"
            )
        for code in chosen:
            if not cleaned.get(f"reason_{code}", "").strip():
                self.add_error(
                    f"reason_{code}",
                    forms.ValidationError(
                        _("Give the reason for %(code)s."),
                        code="no_reason",
                        params={"code": code},
                    ),
                )
        return cleaned

    @property
    def errors_payload(self) -> list[dict]:
        """The Trust Hub errors[] the rejection records."""
        return [
            {"code": code, "message": self.cleaned_data[f"reason_{code}"].strip()}
            for code in RejectionCode.values
            if self.cleaned_data[f"code_{code}"]
        ]


class PrimaryProfileForm(forms.Form):
    """The account and contact of a new primary profile."""

    account = forms.ModelChoiceField(queryset=Account.objects.all())
    friendly_name = forms.CharField(label=_("Friendly name"), max_length=255)
    email = forms.EmailField(label=_("Notification email"))
