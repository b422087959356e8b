"""The meetings panel of a record's page: where the record was discussed, and adding it to
the agenda of a meeting the user's agency arranges."""

from django import template

from agencies import access
from agencies.roles import Capability
from meetings import selectors

register = template.Library()


@register.inclusion_tag("meetings/_record_meetings.html", takes_context=True)
def record_meetings(context, record):
    user = context["request"].user
    return {
        "items": selectors.meetings_of_record(user=user, record=record),
        "kind": selectors.KIND_OF_MODEL[type(record)],
        "record": record,
        "may_add": bool(access.agency_ids_with(user, Capability.CHAIR_MEETINGS)),
    }
