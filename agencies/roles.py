"""What each role may do: the one table, enforced by agencies.access and printed in
docs/access.md (`python manage.py access_table --write`; the test suite fails when they differ).
"""

from __future__ import annotations

from django.db import models

from agencies.models import Role


class Capability(models.TextChoices):
    VIEW_RECORDS = "view_records", "See the identifiable records the agency holds or was shared"
    EDIT_RECORDS = "edit_records", "Record and change children, suspects, cases and concerns"
    SIGN_OFF = "sign_off", "Allocate cases; sign off assessments and referrals"
    SHARE_RECORDS = "share_records", "Share a record with another agency, and withdraw a share"
    RESTRICT_RECORDS = (
        "restrict_records",
        "Restrict a child, suspect or case to named users of the agency, and lift it",
    )
    EMERGENCY_ACCESS = (
        "emergency_access",
        "Open a restricted record in an emergency, with a reason (time-limited, told at once)",
    )
    ANSWER_REFERRALS = "answer_referrals", "Acknowledge, accept or decline referrals"
    ANALYSE = "analyse", "Work on suspects, associations, networks and the problem profile"
    CHAIR_MEETINGS = (
        "chair_meetings",
        "Arrange and chair multi-agency exploitation meetings; record what they agree",
    )
    VIEW_DASHBOARDS = "view_dashboards", "See the dashboards of the agency (aggregates only)"
    VIEW_PARTNERSHIP_DASHBOARDS = (
        "view_partnership_dashboards",
        "See the dashboards of every agency in the partnership (aggregates only)",
    )
    EXPORT_RETURNS = "export_returns", "Export identifiable returns and the partnership template"
    VIEW_ACCESS_LOG = "view_access_log", "Search the agency's access log"
    REVIEW_RETENTION = (
        "review_retention",
        "Decide on records due for retention review: keep them or archive them",
    )
    MANAGE_USERS = (
        "manage_users",
        "Manage the agency's users; manage the partnership's agencies (no case data)",
    )
    APPROVE_MEMBERSHIPS = (
        "approve_memberships",
        "Approve or refuse a membership of the agency asked for by another agency's administrator",
    )


C = Capability

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.FRONTLINE: frozenset({C.VIEW_RECORDS, C.EDIT_RECORDS, C.EMERGENCY_ACCESS}),
    Role.SUPERVISOR: frozenset(
        {
            C.VIEW_RECORDS,
            C.EDIT_RECORDS,
            C.SIGN_OFF,
            C.CHAIR_MEETINGS,
            C.RESTRICT_RECORDS,
            C.EMERGENCY_ACCESS,
        }
    ),
    Role.CSE_LEAD: frozenset(
        {
            C.VIEW_RECORDS,
            C.EDIT_RECORDS,
            C.SIGN_OFF,
            C.SHARE_RECORDS,
            C.RESTRICT_RECORDS,
            C.EMERGENCY_ACCESS,
            C.ANSWER_REFERRALS,
            C.CHAIR_MEETINGS,
            C.VIEW_DASHBOARDS,
            C.EXPORT_RETURNS,
            C.VIEW_ACCESS_LOG,
            C.REVIEW_RETENTION,
            C.APPROVE_MEMBERSHIPS,
        }
    ),
    Role.ANALYST: frozenset(
        {C.VIEW_RECORDS, C.ANALYSE, C.VIEW_DASHBOARDS, C.VIEW_PARTNERSHIP_DASHBOARDS}
    ),
    Role.LSCB_CHAIR: frozenset({C.VIEW_DASHBOARDS, C.VIEW_PARTNERSHIP_DASHBOARDS}),
    Role.SAFEGUARDING_LEAD: frozenset(
        {C.VIEW_RECORDS, C.VIEW_DASHBOARDS, C.VIEW_PARTNERSHIP_DASHBOARDS, C.EXPORT_RETURNS}
    ),
    Role.ADMINISTRATOR: frozenset({C.MANAGE_USERS, C.VIEW_ACCESS_LOG, C.APPROVE_MEMBERSHIPS}),
}

# Capabilities that open identifiable case data. A role without any of them (the LSCB chair,
# the administrator) sees no record, however many agencies it belongs to.
RECORD_CAPABILITIES = frozenset({C.VIEW_RECORDS, C.EDIT_RECORDS, C.ANALYSE})


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())


def access_table_markdown() -> str:
    """The role table of docs/access.md, generated from ROLE_CAPABILITIES."""
    roles = list(Role)
    header = "| capability | " + " | ".join(role.label for role in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [
        f"| {capability.label} | "
        + " | ".join("yes" if role_can(role, capability) else "–" for role in roles)
        + " |"
        for capability in Capability
    ]
    return "\n".join([header, rule, *rows])
