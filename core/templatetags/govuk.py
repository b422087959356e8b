"""Template helpers for GOV.UK Design System markup."""

from __future__ import annotations

from django import template
from django.forms import BoundField

from core.forms import widget_kind

register = template.Library()


@register.filter
def kind(field: BoundField) -> str:
    return widget_kind(field.field.widget)


@register.simple_tag
def govuk_control(field: BoundField) -> str:
    """The field's control, with the error class and aria-describedby for its hint and error."""
    attrs: dict[str, str] = {}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}-hint")
    if field.errors:
        described_by.append(f"{field.auto_id}-error")
        base = field.field.widget.attrs.get("class", "")
        error_class = {
            "govuk-input": "govuk-input--error",
            "govuk-textarea": "govuk-textarea--error",
            "govuk-select": "govuk-select--error",
            "govuk-file-upload": "govuk-file-upload--error",
        }.get(base.split(" ")[0] if base else "", "")
        attrs["class"] = f"{base} {error_class}".strip()
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)
