"""What the interventions sections of the person, network, location and case pages need, read
for the signed-in user, so that those pages' views stay as they are."""

from __future__ import annotations

from django import template

from agencies import access
from agencies.roles import Capability
from cases.models import Case, Location, Network, Person
from interventions import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def interventions_of(context, record) -> dict:
    """Flags, places and the disruption timeline of a person, location or network, and what
    the user may do with them. Every list is bounded."""
    user = context["request"].user
    may_edit = access.can(user, Capability.EDIT_RECORDS, record)
    may_record = may_edit or access.can(user, Capability.ANALYSE, record)
    found: dict = {"record": record, "may_flag": may_edit}
    if isinstance(record, Person | Location):
        found["flags"] = list(selectors.flags_of(record)[:50])
        found["removed_flags"] = list(selectors.flags_removed_of(record))
    if isinstance(record, Person):
        found["places"] = selectors.places_of_person(user=user, person=record)
        found["flag_url"] = "interventions:person-flag-new"
        found["disruption_url"] = "interventions:person-disruption-new"
        found["has_disruption"] = record.kind != Person.Kind.CHILD
    elif isinstance(record, Location):
        found["flag_url"] = "interventions:location-flag-new"
        found["disruption_url"] = "interventions:location-disruption-new"
        found["has_disruption"] = True
    elif isinstance(record, Network):
        found["disruption_url"] = "interventions:network-disruption-new"
        found["has_disruption"] = True
    if found["has_disruption"]:
        found["timeline"] = selectors.disruption_timeline(record)
        found["may_record"] = may_record
    return found


@register.simple_tag
def active_flags_of(record) -> list:
    """The active flags of a person or place, for a summary on another page (the case): their
    types, which is all the summary shows."""
    return list(selectors.flags_of(record).select_related(None).select_related("flag_type")[:50])


@register.simple_tag(takes_context=True)
def victim_support_of(context, case: Case) -> dict:
    user = context["request"].user
    support = selectors.victim_support_of(case)
    return {
        "support": support,
        "court_dates": selectors.court_dates_of(support),
        "may_edit": access.can(user, Capability.EDIT_RECORDS, case),
    }
