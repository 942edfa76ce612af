"""The Jinja2 environment the portal's pages are rendered with.

The applicant's pages render several hundred nodes each (the layout, the step
list, every field's label, help and widget); Jinja2 compiles a template to
Python once, where Django's engine walks its node tree on every request.
Django's filters that the pages use keep Django's output (dates in the active
locale's format, binary file sizes), and text is translated by Django's
catalogues, so the pages read as they did.
"""

from __future__ import annotations

from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from jinja2 import Environment

from profiles.choices import choice_labels


def url(name: str, *args, **kwargs) -> str:
    """`{% url %}`: the path of a named URL."""
    return reverse(name, args=args, kwargs=kwargs)


def display(obj, name: str):
    """`obj.get_<name>_display()`, from labels translated once per language;
    None for a missing object."""
    if obj is None:
        return None
    value = getattr(obj, name)
    return choice_labels(type(obj), name, translation.get_language()).get(value, value)


def environment(**options) -> Environment:
    """Django's Jinja2 options, with Django's translations, URLs and filters."""
    # Always escaped, whatever the settings say (Django's backend asks for it too).
    options.pop("autoescape", None)
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"], **options)
    # `_()` and `{% trans %}` through Django's own functions and catalogues;
    # new-style, so variables are escaped into the trusted translation.
    env.install_gettext_callables(
        gettext=translation.gettext,
        ngettext=translation.ngettext,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
        newstyle=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.globals.update(
        url=url,
        static=static,
        get_language=translation.get_language,
        display=display,
    )
    env.filters.update(
        date=defaultfilters.date,
        filesizeformat=defaultfilters.filesizeformat,
        truncatechars=defaultfilters.truncatechars,
    )
    return env
