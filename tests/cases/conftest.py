from datetime import date, timedelta

import pytest

from agencies.models import Role
from tests.factories import AgencyFactory, PartnershipFactory, member


def concern_post(**overrides) -> dict:
    """A complete "log a concern about a new child" submission, as the form sends it."""
    data = {
        "child-first_name": "Jordan",
        "child-last_name": "Whitfield",
        "child-known_as": "",
        "child-date_of_birth": (date.today() - timedelta(days=14 * 365 + 40)).isoformat(),
        "child-estimated_age": "",
        "child-sex": "female",
        "child-ethnicity": "W1",
        "child-nationality": "GB",
        "concern-occurred_on": (date.today() - timedelta(days=1)).isoformat(),
        "concern-occurred_at_time": "21:30",
        "concern-place": "Outside the takeaway on Mill Street",
        "concern-narrative": "Got into a silver car with two older men; seemed frightened.",
        "concern-reporter_name": "",
        "concern-indicators": ["S03", "S02", "M01"],
        "concern-location_type": "takeaway_or_restaurant",
        "concern-location_description": "Takeaway on Mill Street",
        "concern-location_postcode_district": "ls6",
        "concern-vehicle_registration": "AB12 CDE",
        "concern-vehicle_description": "Silver hatchback",
        "concern-phone_number": "",
        "concern-phone_description": "",
        "suspect-TOTAL_FORMS": "1",
        "suspect-INITIAL_FORMS": "0",
        "suspect-MIN_NUM_FORMS": "0",
        "suspect-MAX_NUM_FORMS": "10",
        "suspect-0-first_name": "",
        "suspect-0-last_name": "",
        "suspect-0-alias": "Tiny",
        "suspect-0-sex": "male",
        "suspect-0-estimated_age": "25",
        "submit_concern": "1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def partnership_agencies(db):
    partnership = PartnershipFactory()
    return [AgencyFactory(partnerships=[partnership]) for _ in range(3)]


@pytest.fixture
def worker(partnership_agencies):
    return member(Role.FRONTLINE, partnership_agencies[0])
