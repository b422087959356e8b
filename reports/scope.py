"""Which agencies' figures a user may see on the dashboards, and whether exactly.

A CSE lead sees the dashboards of their own agency; the LSCB chair, the safeguarding lead and
the analyst see every agency of their partnerships (agencies.roles). Figures are exact only
when the viewer could open the records behind them: a role that opens records in every agency
of the chosen scope. Everyone else sees counts from 1 to 4 as "fewer than 5".
"""

from __future__ import annotations

from dataclasses import dataclass

from agencies.access import agency_ids_with, record_agencies
from agencies.models import Agency, Partnership
from agencies.roles import Capability


@dataclass(frozen=True)
class DashboardScope:
    partnership: Partnership
    agencies: tuple[Agency, ...]
    exact: bool

    @property
    def agency_ids(self) -> list[int]:
        return [agency.pk for agency in self.agencies]


def partnership_agencies(
    user, capability: Capability, *, wide: Capability = Capability.VIEW_PARTNERSHIP_DASHBOARDS
) -> dict[Partnership, list[Agency]]:
    """Per partnership, the active agencies where the user may use `capability`: every agency
    of a partnership where they also hold `wide` (the chair, the safeguarding lead, the
    analyst), otherwise only the agencies where they hold `capability` themselves."""
    own = set(agency_ids_with(user, capability))
    partnership_wide = own & set(agency_ids_with(user, wide))
    partnerships = Partnership.objects.filter(agencies__in=own).distinct()
    scope: dict[Partnership, list[Agency]] = {}
    for partnership in partnerships.prefetch_related("agencies"):
        whole = any(a.pk in partnership_wide for a in partnership.agencies.all())
        agencies = [
            agency
            for agency in partnership.agencies.all()
            if agency.is_active and (whole or agency.pk in own)
        ]
        if agencies:
            scope[partnership] = sorted(agencies, key=lambda agency: agency.name)
    return scope


def dashboard_agencies(user) -> dict[Partnership, list[Agency]]:
    """Per partnership, the active agencies whose dashboards the user may see."""
    return partnership_agencies(user, Capability.VIEW_DASHBOARDS)


def dashboard_scope(user, partnership: Partnership, agencies: list[Agency]) -> DashboardScope:
    opened = {m.agency_id for m in record_agencies(user)}
    return DashboardScope(
        partnership=partnership,
        agencies=tuple(agencies),
        exact=all(agency.pk in opened for agency in agencies),
    )
