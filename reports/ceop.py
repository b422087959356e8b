"""The CEOP-style return of spec/ceop-return.md, computed from the records for a period and a
set of agencies: exact counts, every key always present.

How the records map onto the spec's terms (the data template's columns):

- a victim is a child (`Person` of kind child) held by an agency in scope; their first contact
  date is the earliest first contact date of their cases held in scope (`cases.selectors.
  first_contact_of` falls back to the day the case was recorded), and the living situation,
  missing, care and school answers come from that earliest case;
- victim age: from the date of birth, else from the age recorded with the date it was estimated
  (the template's `age_at_first_contact` is stored that way);
- a suspect's network role is their role in any network held in scope.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db.models import Q
from django.db.models.functions import Coalesce, TruncDate

from cases.codes import Ethnicity, ethnicity_group
from cases.models import Association, Case, NetworkMember, Person
from reports.selectors import Period

RETURN_NAME = "ceop-localised-grooming"
VERSION = 1

SEXES = ("female", "male", "unknown")
GROUPS = ("white", "asian", "black", "mixed", "other", "unknown")
ETHNICITIES = (*(code for code in Ethnicity.values if code != "unknown"), "unknown")
VICTIM_AGES = ("under_10", "10", "11", "12", "13", "14", "15", "16", "17", "unknown")
SUSPECT_AGE_BANDS = ("under_18", "18_24", "25_34", "35_44", "45_plus", "unknown")
NETWORK_SIZES = ("1", "2", "3_5", "6_10", "11_plus")
LIVING = ("with_family", "looked_after", "independent", "other")
SCHOOL = ("engaged", "disengaged", "excluded", "not_in_education")


def _zeros(keys) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


def _count(counter: Counter, keys) -> dict[str, int]:
    return {key: counter.get(key, 0) for key in keys}


def victim_age_key(age: int | None) -> str:
    # A negative age (an estimate dated after first contact, wrongly) is not known.
    if age is None or age < 0:
        return "unknown"
    return "under_10" if age < 10 else str(age) if age <= 17 else "unknown"


def suspect_age_band(age: int | None) -> str:
    if age is None or age < 0:
        return "unknown"
    for limit, band in ((18, "under_18"), (25, "18_24"), (35, "25_34"), (45, "35_44")):
        if age < limit:
            return band
    return "45_plus"


def _sex(value: str) -> str:
    return value if value in SEXES else "unknown"


def _ethnicity(value: str) -> str:
    return value if value in ETHNICITIES else "unknown"


def victims_counted(period: Period, agency_ids: list[int]) -> list[tuple[Person, Case, date]]:
    """(child, earliest in-scope case, first contact date) of the children counted."""
    cases = (
        Case.objects.filter(owner_agency_id__in=agency_ids, child__kind=Person.Kind.CHILD)
        .filter(child__owner_agency_id__in=agency_ids, child__merged_into__isnull=True)
        .filter(child__archived_at__isnull=True, archived_at__isnull=True)
        .annotate(contact=Coalesce("first_contact_date", TruncDate("created_at")))
        .select_related("child")
        .prefetch_related("child__aliases")
        .order_by("child_id", "contact", "id")
    )
    earliest: dict[int, tuple[Person, Case, date]] = {}
    for case in cases.iterator(chunk_size=2000):
        earliest.setdefault(case.child_id, (case.child, case, case.contact))
    return [row for row in earliest.values() if row[2] in period]


def _victim_block(victims: list[tuple[Person, Case, date]]) -> dict:
    sex, groups, codes, ages = Counter(), Counter(), Counter(), Counter()
    missing = {"recorded": 0, "reported_missing": 0}
    living = {"recorded": 0, **_zeros(LIVING), "moved_into_care_after_intervention": 0}
    school = {"recorded": 0, **_zeros(SCHOOL)}
    for child, case, contact in victims:
        sex[_sex(child.sex)] += 1
        groups[ethnicity_group(child.ethnicity)] += 1
        codes[_ethnicity(child.ethnicity)] += 1
        ages[victim_age_key(child.age_at(contact))] += 1
        if case.reported_missing in ("yes", "no"):
            missing["recorded"] += 1
            missing["reported_missing"] += case.reported_missing == "yes"
        if case.living_situation in LIVING:
            living["recorded"] += 1
            living[case.living_situation] += 1
        living["moved_into_care_after_intervention"] += (
            case.moved_into_care_after_intervention == "yes"
        )
        if case.school_engagement in SCHOOL:
            school["recorded"] += 1
            school[case.school_engagement] += 1
    return {
        "total": len(victims),
        "sex": _count(sex, SEXES),
        "ethnicity_group": _count(groups, GROUPS),
        "ethnicity": _count(codes, ETHNICITIES),
        "age_at_first_contact": _count(ages, VICTIM_AGES),
        "missing": missing,
        "living_situation": living,
        "school_engagement": school,
    }


def suspects_counted(
    period: Period, agency_ids: list[int], victims: list[tuple[Person, Case, date]]
) -> list[tuple[Person, date | None]]:
    """(suspect, the day their age is taken at) of the suspects counted."""
    contact_of = {child.pk: contact for child, _, contact in victims}
    linked_contact: dict[int, date] = {}
    links = Association.objects.filter(
        Q(from_person_id__in=contact_of) | Q(to_person_id__in=contact_of),
        archived_at__isnull=True,
    ).values_list("from_person_id", "to_person_id")
    for a, b in links.iterator(chunk_size=5000):
        for child_id, other in ((a, b), (b, a)):
            if child_id in contact_of:
                day = contact_of[child_id]
                if other not in linked_contact or day < linked_contact[other]:
                    linked_contact[other] = day
    people = (
        Person.objects.filter(
            kind=Person.Kind.SUSPECT,
            owner_agency_id__in=agency_ids,
            merged_into__isnull=True,
            archived_at__isnull=True,
        )
        .filter(
            Q(first_known_date__range=(period.start, period.end))
            | Q(first_known_date__isnull=True, pk__in=list(linked_contact))
        )
        .prefetch_related("aliases")
    )
    return [
        (person, person.first_known_date or linked_contact.get(person.pk))
        for person in people.iterator(chunk_size=2000)
    ]


def _profile(suspects: list[tuple[Person, date | None]]) -> dict:
    sex, bands, groups, codes = Counter(), Counter(), Counter(), Counter()
    for person, known in suspects:
        sex[_sex(person.sex)] += 1
        bands[suspect_age_band(person.age_at(known) if known else None)] += 1
        groups[ethnicity_group(person.ethnicity)] += 1
        codes[_ethnicity(person.ethnicity)] += 1
    return {
        "sex": _count(sex, SEXES),
        "age_band": _count(bands, SUSPECT_AGE_BANDS),
        "ethnicity_group": _count(groups, GROUPS),
        "ethnicity": _count(codes, ETHNICITIES),
    }


def _suspect_block(suspects: list[tuple[Person, date | None]]) -> dict:
    levels = {person.pk: person.identification_level for person, _ in suspects}
    counted = Counter(levels.values())
    return {
        "total": len(suspects),
        "no_basic_information": counted.get("no_basic_information", 0),
        "group_one": counted.get("group_one", 0),
        "group_two": counted.get("group_two", 0),
        "groups_one_and_two": _profile(
            [(p, d) for p, d in suspects if levels[p.pk] in ("group_one", "group_two")]
        ),
        "group_one_only": _profile([(p, d) for p, d in suspects if levels[p.pk] == "group_one"]),
    }


def network_size_key(size: int) -> str:
    if size <= 2:
        return str(max(size, 1))
    return "3_5" if size <= 5 else "6_10" if size <= 10 else "11_plus"


def _network_block(agency_ids: list[int], suspect_ids: set[int]) -> dict:
    members = NetworkMember.objects.filter(
        network__owner_agency_id__in=agency_ids,
        network__archived_at__isnull=True,
        person__kind=Person.Kind.SUSPECT,
    ).values_list("network_id", "person_id", "role")
    suspects_of: dict[int, set[int]] = {}
    core, peripheral = set(), set()
    for network_id, person_id, role in members.iterator(chunk_size=5000):
        suspects_of.setdefault(network_id, set()).add(person_id)
        if person_id in suspect_ids and role == NetworkMember.Role.CORE:
            core.add(person_id)
        elif person_id in suspect_ids and role == NetworkMember.Role.PERIPHERAL:
            peripheral.add(person_id)
    counted = [people for people in suspects_of.values() if people & suspect_ids]
    return {
        "total": len(counted),
        "size": _count(Counter(network_size_key(len(people)) for people in counted), NETWORK_SIZES),
        "core_members": len(core),
        "peripheral_members": len(peripheral),
    }


def ceop_return(*, start: date, end: date, agency_codes: list[str], agency_ids: list[int]) -> dict:
    """The return for the period (inclusive) and the agencies, exactly as the spec's JSON."""
    period = Period(start, end)
    victims = victims_counted(period, agency_ids)
    suspects = suspects_counted(period, agency_ids, victims)
    return {
        "return": RETURN_NAME,
        "version": VERSION,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "scope": {"agencies": sorted(agency_codes)},
        "victims": _victim_block(victims),
        "suspects": _suspect_block(suspects),
        "networks": _network_block(agency_ids, {person.pk for person, _ in suspects}),
    }
