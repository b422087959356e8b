"""The lawful basis of a record's shares on its page: to a receiving agency's users, why their
agency holds the record; to the holding agency's users, beside each agency it is shared with."""

from __future__ import annotations

from django import template
from django.db.models import QuerySet

from agencies import access
from agencies.models import AgencyGrant, AgencyOwnedModel

register = template.Library()


def _view_grants(record: AgencyOwnedModel, group_ids: list[int]) -> QuerySet[AgencyGrant]:
    """One grant per agency: the view grant, which every share makes."""
    model = type(record)
    return (
        access.grant_model_of(model)
        .objects.filter(
            content_object=record,
            group_id__in=group_ids,
            permission__codename=access.view_codename(model),
        )
        .select_related("group__agency")
        .order_by("granted_at")
    )


def _holds(user, record: AgencyOwnedModel) -> bool:
    return any(m.agency_id == record.owner_agency_id for m in access.record_agencies(user))


@register.inclusion_tag("cases/_share_basis.html", takes_context=True)
def share_basis(context, record: AgencyOwnedModel) -> dict:
    """Each share of `record` to an agency of the user's: when, by whom and on what basis. The
    holding agency's users see the bases in the "Shared with" list instead."""
    user = context["request"].user
    memberships = access.record_agencies(user)
    if not memberships or _holds(user, record):
        return {"grants": [], "record": record}
    grants = _view_grants(record, [m.group_id for m in memberships])
    return {"grants": list(grants), "record": record}


@register.simple_tag(takes_context=True)
def shares_with_basis(context, record: AgencyOwnedModel, agencies) -> list[tuple]:
    """(agency, grant) for each agency `record` is shared with. The grant, and so the basis,
    only for the holding agency's users: another receiving agency is told of its own share
    alone (share_basis)."""
    agencies = list(agencies)
    if not agencies or not _holds(context["request"].user, record):
        return [(agency, None) for agency in agencies]
    grants = {
        grant.group_id: grant
        for grant in _view_grants(record, [agency.group_id for agency in agencies])
    }
    return [(agency, grants.get(agency.group_id)) for agency in agencies]
