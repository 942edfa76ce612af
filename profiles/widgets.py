"""A drop-down whose options are rendered once, not on every request."""

from __future__ import annotations

from functools import lru_cache

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

# One option as Django's select.html and select_option.html lay it out.
OPTION = '\n  <option value="{}">{}</option>\n'
SELECTED_OPTION = '\n  <option value="{}" selected>{}</option>\n'

Option = tuple[str, SafeString, SafeString]


class CachedSelect(forms.Select):
    """Select, with its <option> markup rendered once per set of choices.

    Django renders every option through two templates on each request: most of
    the time of the address step (about 250 countries). The markup is kept per
    choices, labels included, so each language has its own; the HTML is
    Select's own. Choices must be flat (no option groups).
    """

    template_name = "profiles/widgets/cached_select.html"

    def get_context(self, name, value, attrs):
        """Select's context, plus the options' markup with the value selected."""
        context = super().get_context(name, value, attrs)
        options = rendered_options(option_texts(self.choices))
        context["widget"]["options"] = mark_selected(
            options, context["widget"]["value"], self.allow_multiple_selected
        )
        return context


def option_texts(choices) -> tuple[tuple[str, SafeString], ...]:
    """Each choice's value and escaped label, in the active language."""
    texts = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            raise TypeError("CachedSelect takes flat choices, not option groups.")
        texts.append(("" if value is None else str(value), conditional_escape(label)))
    return tuple(texts)


@lru_cache(maxsize=64)
def rendered_options(texts: tuple[tuple[str, SafeString], ...]) -> tuple[Option, ...]:
    """Each option's value, its markup, and its markup when selected."""
    return tuple(
        (
            value,
            format_html(OPTION, value, label),
            format_html(SELECTED_OPTION, value, label),
        )
        for value, label in texts
    )


def mark_selected(
    options: tuple[Option, ...], values: list[str], multiple: bool
) -> SafeString:
    """The options' markup with the chosen ones selected, as Select chooses them."""
    pieces, found = [], False
    for value, markup, selected in options:
        chosen = value in values and (multiple or not found)
        found |= chosen
        pieces.append(selected if chosen else markup)
    # Each piece was built by format_html, its value and label escaped.
    return mark_safe("".join(pieces))  # noqa: S308
