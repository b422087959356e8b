"""Coded values shared by forms, imports, exports and returns (spec/data-template.md)."""

from __future__ import annotations

import pycountry
from django.db import models

UNKNOWN = "unknown"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    UNKNOWN = "unknown", "Not known"


class Ethnicity(models.TextChoices):
    """Self-defined ethnicity, 18+1 codes (ONS 2021 categories as used by police)."""

    A1 = "A1", "Asian: Indian"
    A2 = "A2", "Asian: Pakistani"
    A3 = "A3", "Asian: Bangladeshi"
    A4 = "A4", "Asian: Chinese"
    A9 = "A9", "Asian: any other Asian background"
    B1 = "B1", "Black: Caribbean"
    B2 = "B2", "Black: African"
    B9 = "B9", "Black: any other Black background"
    M1 = "M1", "Mixed: White and Black Caribbean"
    M2 = "M2", "Mixed: White and Black African"
    M3 = "M3", "Mixed: White and Asian"
    M9 = "M9", "Mixed: any other Mixed or multiple background"
    O2 = "O2", "Other: Arab"
    O9 = "O9", "Other: any other ethnic group"
    W1 = "W1", "White: English, Welsh, Scottish, Northern Irish or British"
    W2 = "W2", "White: Irish"
    W3 = "W3", "White: Gypsy or Irish Traveller"
    W5 = "W5", "White: Roma"
    W9 = "W9", "White: any other White background"
    NOT_STATED = "NS", "Not stated (the person chose not to say)"
    UNKNOWN = "unknown", "Not known (not asked or not recorded)"


ETHNICITY_GROUP = {
    "A": "asian",
    "B": "black",
    "M": "mixed",
    "O": "other",
    "W": "white",
}


def ethnicity_group(code: str | None) -> str:
    """The high-level group of an ethnicity code; NS, unknown and empty are `unknown`."""
    if not code or code in ("NS", UNKNOWN):
        return UNKNOWN
    return ETHNICITY_GROUP.get(code[0], UNKNOWN)


class OfficerObserved(models.TextChoices):
    """Police officer-observed ethnicity (IC codes), recorded separately from self-definition."""

    IC1 = "IC1", "IC1: White, North European"
    IC2 = "IC2", "IC2: White, South European"
    IC3 = "IC3", "IC3: Black"
    IC4 = "IC4", "IC4: Asian"
    IC5 = "IC5", "IC5: Chinese, Japanese or South East Asian"
    IC6 = "IC6", "IC6: Arab or North African"
    IC9 = "IC9", "IC9: Not known"


NATIONALITY_CHOICES = [
    (UNKNOWN, "Not known"),
    *sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda item: item[1]),
]
NATIONALITY_CODES = {code for code, _ in NATIONALITY_CHOICES}


class YesNoUnknown(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known"


class LivingSituation(models.TextChoices):
    WITH_FAMILY = "with_family", "With family"
    LOOKED_AFTER = "looked_after", "Looked after (in care)"
    INDEPENDENT = "independent", "Living independently"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"


class SchoolEngagement(models.TextChoices):
    ENGAGED = "engaged", "Engaged with education"
    DISENGAGED = "disengaged", "Disengaged"
    EXCLUDED = "excluded", "Excluded"
    NOT_IN_EDUCATION = "not_in_education", "Not in education"
    UNKNOWN = "unknown", "Not known"


class LocationType(models.TextChoices):
    STREET_OR_TOWN_CENTRE = "street_or_town_centre", "Street or town centre"
    PARK = "park", "Park"
    SHOP_OR_SHOPPING_CENTRE = "shop_or_shopping_centre", "Shop or shopping centre"
    TAKEAWAY_OR_RESTAURANT = "takeaway_or_restaurant", "Takeaway or restaurant"
    TAXI_OR_VEHICLE = "taxi_or_vehicle", "Taxi or vehicle"
    HOTEL = "hotel", "Hotel"
    PRIVATE_ADDRESS = "private_address", "Private address"
    SCHOOL_OR_COLLEGE = "school_or_college", "School or college"
    ONLINE = "online", "Online"
    OTHER = "other", "Other"


class Relationship(models.TextChoices):
    PERCEIVED_BOYFRIEND = "perceived_boyfriend", "Perceived boyfriend or girlfriend"
    EXPLOITER = "exploiter", "Exploiter"
    FACILITATOR = "facilitator", "Facilitator"
    ASSOCIATE = "associate", "Associate"
    INTRODUCED_BY = "introduced_by", "Introduced by"
    UNKNOWN = "unknown", "Not known"
