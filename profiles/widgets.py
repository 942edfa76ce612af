"""A drop-down whose options are rendered once, not on every request."""

from __future__ import annotations

from functools import lru_cache

from django import forms
from django.utils.choices import BaseChoiceIterator
from markupsafe import Markup, escape

# One option as the Jinja2 copies of Django's select.html and select_option.html
# lay it out, escaped as Jinja2 escapes.
OPTION = Markup('\n  <option value="{}">{}</option>')
SELECTED_OPTION = Markup('\n  <option value="{}" selected>{}</option>')

Option = tuple[str, Markup, Markup]


class CachedSelect(forms.Select):
    """Select, with its <option> markup rendered once per set of choices.

    Django renders every option through two templates on each request: most of
    the time of the address step (about 250 countries). The markup is kept per
    choices, labels included, so each language has its own; the HTML is
    Select's own, as the portal's engine (Jinja2) renders it. Choices must be
    flat (no option groups).
    """

    template_name = "profiles/widgets/cached_select.html"

    def get_context(self, name, value, attrs):
        """Select's context, plus the options' markup with the value selected."""
        # Widget's context, as Select's but without the per-option dicts
        # (optgroups) that select.html would render.
        context = forms.Widget.get_context(self, name, value, attrs)
        if self.allow_multiple_selected:
            context["widget"]["attrs"]["multiple"] = True
        options = options_of(self.choices)
        context["widget"]["options"] = mark_selected(
            options, context["widget"]["value"], self.allow_multiple_selected
        )
        return context


class FixedChoices(BaseChoiceIterator):
    """Choices worked out once and shared by every form that offers them.

    Django deep-copies a field's choices for each form; these are immutable, so
    each form gets the same object, and CachedSelect keeps the options' markup
    on it instead of reading every label again to find it.
    """

    def __init__(self, choices):
        self.choices = tuple(choices)
        self.rendered: tuple[Option, ...] | None = None

    # Compared by identity (BaseChoiceIterator compares item by item).
    __hash__ = object.__hash__

    def __iter__(self):
        return iter(self.choices)

    def __len__(self):
        return len(self.choices)

    def __getitem__(self, index):
        return self.choices[index]

    def __deepcopy__(self, memo):
        return self


def options_of(choices) -> tuple[Option, ...]:
    """The options' markup: kept on FixedChoices, looked up for other choices."""
    if not isinstance(choices, FixedChoices):
        return rendered_options(option_texts(choices))
    if choices.rendered is None:
        choices.rendered = rendered_options(option_texts(choices))
    return choices.rendered


def option_texts(choices) -> tuple[tuple[str, Markup], ...]:
    """Each choice's value and escaped label, in the active language."""
    texts = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            raise TypeError("CachedSelect takes flat choices, not option groups.")
        texts.append(("" if value is None else str(value), escape(label)))
    return tuple(texts)


@lru_cache(maxsize=64)
def rendered_options(texts: tuple[tuple[str, Markup], ...]) -> tuple[Option, ...]:
    """Each option's value, its markup, and its markup when selected."""
    return tuple(
        (
            value,
            OPTION.format(value, label),
            SELECTED_OPTION.format(value, label),
        )
        for value, label in texts
    )


def mark_selected(
    options: tuple[Option, ...], values: list[str], multiple: bool
) -> Markup:
    """The options' markup with the chosen ones selected, as Select chooses them."""
    pieces, found = [], False
    for value, markup, selected in options:
        chosen = value in values and (multiple or not found)
        found |= chosen
        pieces.append(selected if chosen else markup)
    # Each piece is Markup, its value and label escaped.
    return Markup("").join(pieces)
