"""The demo partnership: five agencies, one user for each role in each. Local use only."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from agencies import services
from agencies.models import Agency, Membership, Partnership, Role, User

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for local demos; refused without DEBUG
DEMO_PARTNERSHIP = ("demo-lscb", "Riverside Safeguarding Children Partnership", "E10000000")
DEMO_AGENCIES = [
    ("demo-police", "Riverside Police", Agency.Type.POLICE),
    ("demo-csc", "Riverside Children's Social Care", Agency.Type.CHILDRENS_SOCIAL_CARE),
    ("demo-health", "Riverside NHS Trust", Agency.Type.HEALTH),
    ("demo-education", "Riverside Schools", Agency.Type.EDUCATION),
    ("demo-voluntary", "Safe Steps Project", Agency.Type.VOLUNTARY_PROJECT),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    agency: str
    role: str


DEMO_EMAIL_DOMAIN = ".demo.example"


def demo_email(agency_code: str, role: str) -> str:
    return f"{role.replace('_', '-')}@{agency_code.removeprefix('demo-')}{DEMO_EMAIL_DOMAIN}"


@transaction.atomic
def demo_seed() -> list[DemoLogin]:
    """Create whatever of the demo partnership is missing; running it again changes nothing."""
    code, name, gss = DEMO_PARTNERSHIP
    partnership = Partnership.objects.filter(code=code).first() or services.partnership_create(
        code=code, name=name, gss_code=gss, by=None
    )
    logins = []
    for agency_code, agency_name, agency_type in DEMO_AGENCIES:
        agency = Agency.objects.filter(code=agency_code).first() or services.agency_create(
            code=agency_code,
            name=agency_name,
            type=agency_type,
            partnerships=[partnership],
            by=None,
        )
        for role in Role:
            email = demo_email(agency_code, role.value)
            user = User.objects.filter(email=email).first() or services.user_create(
                email=email,
                full_name=f"{role.label} ({agency_name})",
                password=DEMO_PASSWORD,
                by=None,
            )
            if not Membership.objects.filter(user=user, agency=agency).exists():
                services.membership_create(user=user, agency=agency, role=role, by=None)
            logins.append(DemoLogin(email=email, agency=agency_name, role=role.label))
    return logins
