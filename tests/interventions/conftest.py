from __future__ import annotations

from dataclasses import dataclass

import pytest

from agencies.access import record_share
from agencies.models import Agency, Role, User
from cases.models import Case, Person
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    PartnershipFactory,
    PersonFactory,
    UserFactory,
    member,
)


@dataclass
class Partners:
    police: Agency
    social_care: Agency
    voluntary: Agency
    suspect: Person
    case: Case
    officer: User  # front-line worker in the police, who holds the suspect
    analyst: User  # analyst in the police
    social_worker: User  # front-line worker in social care, the suspect shared with them
    outsider: User  # front-line worker in the voluntary project: nothing shared with them


@pytest.fixture
def partners(db) -> Partners:
    partnership = PartnershipFactory()
    police, social_care, voluntary = (AgencyFactory(partnerships=[partnership]) for _ in range(3))
    suspect = PersonFactory(owner_agency=police, kind="suspect")
    record_share(
        record=suspect,
        agency=social_care,
        reason="Joint working",
        lawful_basis="safeguarding",
        by=UserFactory(),
    )
    case = CaseFactory(owner_agency=police)
    return Partners(
        police=police,
        social_care=social_care,
        voluntary=voluntary,
        suspect=suspect,
        case=case,
        officer=member(Role.FRONTLINE, police),
        analyst=member(Role.ANALYST, police),
        social_worker=member(Role.FRONTLINE, social_care),
        outsider=member(Role.FRONTLINE, voluntary),
    )
