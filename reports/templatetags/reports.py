from django import template

from reports.tables import SUPPRESSED, SUPPRESSED_TEXT

register = template.Library()


@register.filter
def figure(value) -> str:
    """A table cell: a suppressed count reads "fewer than 5"."""
    return SUPPRESSED_TEXT if value is SUPPRESSED else str(value)
