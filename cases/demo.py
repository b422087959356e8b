"""Demo children, suspects and concerns for local runs (seed_demo). Fictional people only."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from agencies.models import Agency, Membership, Role
from cases import services
from cases.models import Case, Person
from indicators.selectors import indicator_set_current

DEMO_CHILDREN = [
    # agency code, reference, first, last, years old, indicators, suspect alias
    ("demo-voluntary", "DEMO-1", "Chloe", "Ashworth", 14, ["S02", "S03", "M03"], "Kez"),
    ("demo-police", "DEMO-2", "Tyler", "Brennan", 15, ["M01", "M09", "M10"], "Smudge"),
    ("demo-csc", "DEMO-3", "Amira", "Hussain", 12, ["S01", "V04"], ""),
]


@transaction.atomic
def demo_cases_seed() -> int:
    """Create the demo cases that do not exist yet; returns how many were created."""
    created = 0
    indicator_set = indicator_set_current()
    for code, reference, first, last, years, codes, alias in DEMO_CHILDREN:
        if Case.objects.filter(reference=reference).exists():
            continue
        agency = Agency.objects.get(code=code)
        worker = Membership.objects.get(agency=agency, role=Role.FRONTLINE).user
        today = date.today()
        child = services.person_create(
            data=services.PersonData(
                kind=Person.Kind.CHILD,
                first_name=first,
                last_name=last,
                date_of_birth=today - timedelta(days=years * 365 + 120),
                sex="female" if first != "Tyler" else "male",
                ethnicity="unknown",
            ),
            owner_agency=agency,
            by=worker,
        )
        case = services.case_open(
            child=child,
            owner_agency=agency,
            by=worker,
            reference=reference,
            first_contact_date=today - timedelta(days=20),
        )
        services.concern_log(
            case=case,
            data=services.ConcernData(
                occurred_on=today - timedelta(days=3),
                narrative="Seen with older young people near the bus station late at night.",
                indicator_codes=codes,
                new_people=[services.PersonData(kind=Person.Kind.SUSPECT, aliases=[alias])]
                if alias
                else [],
                location_type="street_or_town_centre",
                location_postcode_district="RV1",
            ),
            reporter_agency=agency,
            indicator_set=indicator_set,
            submit=True,
            by=worker,
        )
        created += 1
    return created
