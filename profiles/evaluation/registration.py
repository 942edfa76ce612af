"""Is a business registration number shaped right for its identifier type?

python-stdnum checks the formats and check digits it knows; the rest are
patterns from the issuing registries.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from stdnum.au import abn, acn
from stdnum.ca import bn
from stdnum.eu import vat
from stdnum.il import hp
from stdnum.ro import cf
from stdnum.us import ein

UK_COMPANY_NUMBER = re.compile(r"^(\d{8}|[A-Z]{2}\d{6}|[A-Z]{2}\d{5}R)$")
INDIA_CIN = re.compile(r"^[LU]\d{5}[A-Z]{2}\d{4}[A-Z]{3}\d{6}$")
DUNS = re.compile(r"^\d{9}$")
EIN_SHAPE = re.compile(r"^\d{2}-\d{7}$")


def _compact(value: str) -> str:
    return re.sub(r"[\s.\-/]", "", value).upper()


def _ein(value: str) -> str | None:
    if not EIN_SHAPE.match(value.strip()):
        return _("An EIN is nine digits written as NN-NNNNNNN, e.g. 12-3456789.")
    if not ein.is_valid(value):
        return _("This EIN starts with a prefix the IRS does not assign.")
    return None


def _cbn(value: str) -> str | None:
    if not bn.is_valid(value):
        return _("A Canadian Business Number is nine digits with a valid check digit.")
    return None


def _uk_company_number(value: str) -> str | None:
    if not UK_COMPANY_NUMBER.match(_compact(value)):
        return _(
            "A UK company number is eight characters: eight digits, or two letters "
            "and six digits (e.g. SC123456)."
        )
    return None


def _acn(value: str) -> str | None:
    number = _compact(value)
    if len(number) == 11 and abn.is_valid(number):
        return None
    if acn.is_valid(number):
        return None
    return _(
        "An Australian company number is an ACN of nine digits or an ABN of eleven "
        "digits, with valid check digits."
    )


def _cin(value: str) -> str | None:
    if not INDIA_CIN.match(_compact(value)):
        return _(
            "An Indian Corporate Identity Number is 21 characters, e.g. "
            "U72200KA2009PTC049889."
        )
    return None


def _eu_vat(value: str) -> str | None:
    if not vat.is_valid(value):
        return _(
            "A VAT number starts with its country prefix (e.g. DE, FR, NL) followed "
            "by that country's format and check digits."
        )
    return None


def _ro_vat(value: str) -> str | None:
    if not cf.is_valid(value):
        return _(
            "A Romanian VAT registration number is 2 to 10 digits, optionally "
            "after RO, with a valid check digit."
        )
    return None


def _israel_rn(value: str) -> str | None:
    if not hp.is_valid(value):
        return _("An Israeli registration number is nine digits with a check digit.")
    return None


def _duns(value: str) -> str | None:
    if not DUNS.match(_compact(value)):
        return _("A D-U-N-S number is nine digits.")
    return None


CHECKS = {
    "EIN": _ein,
    "CBN": _cbn,
    "CN": _uk_company_number,
    "ACN": _acn,
    "CIN": _cin,
    "VAT": _eu_vat,
    "VATRN": _ro_vat,
    "RN": _israel_rn,
    "DUNS": _duns,
}


def registration_number_problem(identifier: str, number: str) -> str | None:
    """Why `number` is not a valid `identifier`, or None when it looks right."""
    check = CHECKS.get(identifier)
    return check(number) if check else None
