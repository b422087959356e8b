"""Exporting records to the partnership data template, for a period and some agencies, as far
as the user may see them (the access rule), so that the export imported into an empty system
gives the same CEOP-style return.

What is exported: the children the return counts (first contact in the period), the suspects
it counts and every other suspect of the networks it counts (a network's size is all its
suspects), the links between them recorded by the same agency, those networks, and the places
of the children's concerns. A reference is the one the record was imported with, else the
case's own reference, else the record's opaque id.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from datetime import date

from openpyxl import Workbook

from agencies.access import visible
from agencies.models import Agency, User
from cases.models import (
    Association,
    Case,
    Concern,
    ConcernLocation,
    MissingEpisode,
    Network,
    NetworkMember,
    Person,
    PersonLocation,
)
from cases.selectors import handling_permits
from reports.ceop import suspects_counted, victims_counted
from reports.models import ImportedRecord
from reports.selectors import Period
from reports.tables import inert
from reports.template import TABLES


def _references(table: str, ids, default) -> dict[int, str]:
    imported = dict(
        ImportedRecord.objects.filter(table=table, object_id__in=list(ids)).values_list(
            "object_id", "reference"
        )
    )
    return {pk: imported.get(pk) or default(pk) for pk in ids}


def _age_within(age: int | None, low: int, high: int) -> int | str:
    """An age the template accepts, or empty: an estimate that gives an impossible age at
    that date is not known (and is not known in the return either)."""
    return age if age is not None and low <= age <= high else ""


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def template_rows(*, user: User, start: date, end: date, agencies: list[Agency]) -> dict:
    """{table: [row dict, ...]} of the template's columns."""
    agency_ids = [agency.pk for agency in agencies]
    code_of = {agency.pk: agency.code for agency in Agency.objects.filter(pk__in=agency_ids)}
    may_see = set(visible(user, Person.objects.filter(owner_agency_id__in=agency_ids))
                  .values_list("pk", flat=True))  # fmt: skip
    # A child is exported with their case, so a case restricted away from the user leaves both.
    may_open = set(visible(user, Case.objects.filter(owner_agency_id__in=agency_ids))
                   .values_list("pk", flat=True))  # fmt: skip
    period = Period(start, end)
    victims = [
        row
        for row in victims_counted(period, agency_ids)
        if row[0].pk in may_see and row[1].pk in may_open
    ]
    counted = [row for row in suspects_counted(period, agency_ids, victims) if row[0].pk in may_see]
    memberships = list(
        NetworkMember.objects.filter(
            network__owner_agency_id__in=agency_ids,
            network__archived_at__isnull=True,
            person__kind=Person.Kind.SUSPECT,
        ).values_list("network_id", "person_id", "role")
    )
    counted_ids = {person.pk for person, _ in counted}
    networks = {n for n, p, _ in memberships if p in counted_ids}
    network_of = {}
    for network_id, person_id, role in memberships:
        if network_id in networks:
            network_of.setdefault(person_id, (network_id, role))
    age_day = {person.pk: day for person, day in counted}
    suspects = {person.pk: person for person, _ in counted}
    extra = set(network_of) - set(suspects)
    for person in visible(user, Person.objects.filter(pk__in=extra)).prefetch_related("aliases"):
        suspects[person.pk] = person
        age_day[person.pk] = person.first_known_date

    cases = {child.pk: case for child, case, _ in victims}
    child_ref = _references(
        "children", cases, lambda pk: cases[pk].reference or str(cases[pk].child.public_id)
    )
    suspect_ref = _references("suspects", suspects, lambda pk: str(suspects[pk].public_id))
    network_rows = {n.pk: n for n in Network.objects.filter(pk__in=networks)}
    network_ref = _references("networks", network_rows,
                              lambda pk: str(network_rows[pk].public_id))  # fmt: skip
    case_ids = [case.pk for case in cases.values()]
    episodes = defaultdict(int)
    for case_id in MissingEpisode.objects.filter(case_id__in=case_ids).values_list(
        "case_id", flat=True
    ):
        episodes[case_id] += 1
    indicators: dict[int, set[str]] = defaultdict(set)
    for case_id, codes in Concern.objects.filter(
        handling_permits(user=user, originator="reporter_agency"),
        case_id__in=case_ids,
        status="submitted",
    ).values_list("case_id", "indicator_codes"):
        indicators[case_id].update(codes)

    children = []
    for child, case, contact in victims:
        children.append({
            "child_ref": child_ref[child.pk],
            "agency_code": code_of[child.owner_agency_id],
            "first_name": child.first_name,
            "last_name": child.last_name,
            "known_as": child.known_as,
            "date_of_birth": _iso(child.date_of_birth),
            "age_at_first_contact": _age_within(
                None if child.date_of_birth else child.age_at(contact), 0, 17
            ),
            "sex": child.sex,
            "ethnicity": child.ethnicity,
            "nationality": child.nationality,
            "first_contact_date": _iso(contact),
            "reported_missing": case.reported_missing,
            "missing_episodes": max(
                episodes.get(case.pk, 0), case.missing_episodes_reported or 0
            ) or ("" if case.missing_episodes_reported is None else 0),
            "living_situation": case.living_situation,
            "moved_into_care_after_intervention": case.moved_into_care_after_intervention,
            "school_engagement": case.school_engagement,
            "indicators": ";".join(sorted(indicators.get(case.pk, ()))),
            "notes": child.notes,
        })  # fmt: skip
    suspect_rows = []
    for pk, person in suspects.items():
        day = age_day.get(pk)
        network = network_of.get(pk)
        aliases = sorted(alias.name for alias in person.aliases.all())
        suspect_rows.append({
            "suspect_ref": suspect_ref[pk],
            "agency_code": code_of[person.owner_agency_id],
            "first_name": person.first_name,
            "last_name": person.last_name,
            "initials": person.initials,
            "alias": aliases[0] if aliases else person.known_as,
            "sex": person.sex,
            "date_of_birth": _iso(person.date_of_birth),
            "age_when_first_known": _age_within(
                None if person.date_of_birth or not day else person.age_at(day), 10, 99
            ),
            "first_known_date": _iso(person.first_known_date),
            "ethnicity": person.ethnicity,
            "nationality": person.nationality,
            "network_ref": network_ref[network[0]] if network else "",
            "network_role": network[1] if network and network[1] in ("core", "peripheral")
            else ("unknown" if network else ""),
        })  # fmt: skip
    links = []
    for child_id, suspect_id, agency_id, relationship, linked in Association.objects.filter(
        from_person_id__in=list(cases), to_person_id__in=list(suspects), archived_at__isnull=True
    ).values_list("from_person_id", "to_person_id", "owner_agency_id", "relationship",
                  "first_linked_date"):  # fmt: skip
        child_agency = cases[child_id].child.owner_agency_id
        # The template links two references of one agency; others cannot be written in it.
        if agency_id == child_agency == suspects[suspect_id].owner_agency_id:
            links.append({
                "child_ref": child_ref[child_id], "suspect_ref": suspect_ref[suspect_id],
                "agency_code": code_of[agency_id], "relationship": relationship,
                "first_linked_date": _iso(linked),
            })  # fmt: skip
    # One row per place and person: a place linked to several children (or suspects) takes
    # one row each after the first, under a reference of its own.
    place_links: list[tuple[object, str, str, str]] = []  # (location, column, ref, role)
    refs = {pk: ("child_ref", ref) for pk, ref in child_ref.items()}
    refs |= {pk: ("suspect_ref", ref) for pk, ref in suspect_ref.items()}
    for link in PersonLocation.objects.filter(
        person_id__in=list(refs), location__owner_agency_id__in=agency_ids
    ).select_related("location", "person"):
        if link.location.owner_agency_id == link.person.owner_agency_id:
            place_links.append((link.location, *refs[link.person_id], link.role))
    readable = Concern.objects.filter(
        handling_permits(user=user, originator="reporter_agency"), case_id__in=case_ids
    )
    for place in ConcernLocation.objects.filter(
        concern__in=readable, location__owner_agency_id__in=agency_ids
    ).select_related("location", "concern__case__child"):
        child = place.concern.case.child
        if place.location.owner_agency_id == child.owner_agency_id:
            place_links.append((place.location, "child_ref", child_ref[child.pk], ""))
    rows: dict[tuple[int, int], dict] = {}
    seen: set[tuple[int, str, str]] = set()
    for location, column, ref, role in place_links:
        if (location.pk, column, ref) in seen:
            continue
        seen.add((location.pk, column, ref))
        number = 0
        while rows.get((location.pk, number), {}).get(column):
            number += 1
        row = rows.setdefault((location.pk, number), {
            "location_ref": str(location.public_id) + (f"/{number + 1}" if number else ""),
            "agency_code": code_of[location.owner_agency_id],
            "type": location.type,
            "description": location.description,
            "postcode_district": location.postcode_district,
            "child_ref": "", "suspect_ref": "", "role": "",
        })  # fmt: skip
        row[column] = ref
        row["role"] = row["role"] or role
    locations = list(rows.values())
    return {
        "networks": [
            {
                "network_ref": network_ref[pk],
                "agency_code": code_of[n.owner_agency_id],
                "name": n.name,
            }
            for pk, n in network_rows.items()
        ],
        "children": children,
        "suspects": suspect_rows,
        "links": links,
        "locations": locations,
    }


def _cells(table: str, row: dict) -> list[str]:
    # Free text is made inert: a cell starting with =, +, - or @ is never run as a formula.
    return [inert(str(row.get(column.name, ""))) for column in TABLES[table][1]]


def template_workbook(tables: dict) -> bytes:
    book = Workbook(write_only=True)
    for table in TABLES:
        sheet = book.create_sheet(table)
        sheet.append([column.name for column in TABLES[table][1]])
        for row in tables.get(table, []):
            sheet.append(_cells(table, row))
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def template_csv_zip(tables: dict) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in TABLES:
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(column.name for column in TABLES[table][1])
            writer.writerows(_cells(table, row) for row in tables.get(table, []))
            archive.writestr(f"{table}.csv", text.getvalue())
    return output.getvalue()
