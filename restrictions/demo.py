"""A demo restricted record for local runs (seed_demo): a police case about a fictional child
who is a member of staff's relative, open only to the police CSE lead and front-line worker, so
that the other police logins see "Restricted record" and can try emergency access."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from agencies.models import Agency, Membership, Role
from cases import services
from cases.models import Case, Person
from restrictions.services import record_restrict

DEMO_REFERENCE = "DEMO-4"


@transaction.atomic
def demo_restriction_seed() -> int:
    """Create the demo restricted case if it does not exist yet; returns how many were made."""
    if Case.objects.filter(reference=DEMO_REFERENCE).exists():
        return 0
    police = Agency.objects.get(code="demo-police")
    lead = Membership.objects.get(agency=police, role=Role.CSE_LEAD).user
    worker = Membership.objects.get(agency=police, role=Role.FRONTLINE).user
    child = services.person_create(
        data=services.PersonData(
            kind=Person.Kind.CHILD, first_name="Riley", last_name="Marsh",
            date_of_birth=date.today() - timedelta(days=13 * 365 + 40), sex="female",
            ethnicity="unknown",
        ),
        owner_agency=police,
        by=worker,
    )  # fmt: skip
    case = services.case_open(
        child=child, owner_agency=police, by=worker, reference=DEMO_REFERENCE,
        first_contact_date=date.today() - timedelta(days=5),
    )  # fmt: skip
    case.lead_professional = worker
    case.save(update_fields=["lead_professional"])
    record_restrict(
        record=child, reason="Demo: the child is related to a member of staff",
        users=[worker], by=lead,
    )  # fmt: skip
    return 1
