"""Importing a filled-in data template: checked whole before anything is written, every error
reported at once, all-or-nothing, idempotent by reference, with an import record and history
naming the import on every record it writes (spec/data-template.md, "Import behaviour").
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User
from cases import services as case_services
from cases.models import (
    Association,
    Case,
    Concern,
    Location,
    Network,
    NetworkMember,
    Person,
    PersonAlias,
    PersonLocation,
    age_on,
)
from indicators.scoring import quick_screening
from indicators.selectors import indicator_set_current
from reports.exports import return_scopes
from reports.models import ImportedRecord, TemplateImport
from reports.template_reader import RowError, TemplateFile, TemplateFileError, read_table

ORDER = ("networks", "children", "suspects", "links", "locations")
REFERENCE = {
    "networks": "network_ref",
    "children": "child_ref",
    "suspects": "suspect_ref",
    "links": None,
    "locations": "location_ref",
}
ERRORS_KEPT = 1000
PROGRESS_EVERY = 500


def import_agencies(user: User) -> dict[str, Agency]:
    """The agencies a user may import for: those they may run returns for."""
    return {agency.code.lower(): agency for agencies in return_scopes(user).values()
            for agency in agencies}  # fmt: skip


@dataclass
class Check:
    """What the checking pass found."""

    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows: int = 0

    def add(self, *errors: RowError) -> None:
        self.error_count += len(errors)
        room = ERRORS_KEPT - len(self.errors)
        self.errors.extend(errors[: max(room, 0)])


def _held_references(agencies: dict[str, Agency], table: str) -> set[tuple[int, str]]:
    return set(
        ImportedRecord.objects.filter(agency__in=agencies.values(), table=table).values_list(
            "agency_id", "reference"
        )
    )


def template_check(
    file: TemplateFile, *, agencies: dict[str, Agency], progress=lambda rows: None
) -> Check:
    """Check every row of every table; nothing is written."""
    check = Check()
    codes = set(indicator_set_current().indicators.values_list("code", flat=True))
    for sheet in file.unknown_sheets():
        check.add(RowError(sheet, 0, "", sheet, "a sheet of the template: " + ", ".join(ORDER)))
    if not any(table in file.sheets for table in ORDER):
        check.add(RowError("", 0, "", "", "at least one of the sheets " + ", ".join(ORDER)))
    refs = References(held={table: _held_references(agencies, table) for table in REFERENCED})
    in_file = refs.in_file
    for table in ORDER:
        reference = REFERENCE[table]
        for number, values, errors in read_table(file, table, indicator_codes=codes):
            check.rows += number > 1
            if check.rows % PROGRESS_EVERY == 0:
                progress(check.rows)
            sheet = file.sheets.get(table, table)
            if number == 1:
                check.add(*errors)
                # Its references cannot be known: other sheets are not blamed for naming them.
                refs.unreadable.add(table)
                break
            agency = agencies.get((values.get("agency_code") or "").lower())
            if values.get("agency_code") and agency is None:
                errors.append(RowError(sheet, number, "agency_code", values["agency_code"],
                                       "the code of an agency you may import for"))  # fmt: skip
            if agency is not None and reference and values.get(reference):
                key = (agency.pk, values[reference])
                if key in in_file[table]:
                    errors.append(RowError(
                        sheet, number, reference, values[reference],
                        f"a reference used once per agency (also on row {in_file[table][key]})",
                    ))  # fmt: skip
                else:
                    in_file[table][key] = number
            errors.extend(_row_rules(table, sheet, number, values, agency, refs))
            check.add(*errors)
    return check


REFERENCED = ("networks", "children", "suspects")


@dataclass
class References:
    """The references a file may name: those of its own rows and those already imported.
    A sheet whose header could not be read counts as naming any, so that other sheets are
    not blamed for it."""

    held: dict[str, set[tuple[int, str]]]
    in_file: dict[str, dict[tuple[int, str], int]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    unreadable: set[str] = field(default_factory=set)

    def known(self, table: str, agency: Agency, ref: str) -> bool:
        key = (agency.pk, ref)
        return table in self.unreadable or key in self.in_file[table] or key in self.held[table]


def _row_rules(table, sheet, number, values, agency, refs: References) -> list[RowError]:
    errors = []

    def error(column, expected):
        errors.append(RowError(sheet, number, column, str(values.get(column) or ""), expected))

    if table == "children":
        born, age = values["date_of_birth"], values["age_at_first_contact"]
        contact = values["first_contact_date"]
        if age is not None and not 0 <= age <= 17:
            error("age_at_first_contact", "a whole number from 0 to 17")
        if born and contact and contact < born:
            error("first_contact_date", "a date on or after the date of birth")
        elif born and contact and age is not None and age_on(born, contact) != age:
            error("age_at_first_contact", f"{age_on(born, contact)}, the age the date of birth "
                  "gives at first contact (or leave one of them empty)")  # fmt: skip
        elif born and contact and age_on(born, contact) >= 18:
            error("first_contact_date", "a date before the child's 18th birthday: a child "
                  "must be under 18 at first contact")  # fmt: skip
        episodes = values["missing_episodes"]
        if episodes is not None and episodes < 0:
            error("missing_episodes", "a whole number 0 or more")
        elif episodes and values["reported_missing"] == "no":
            error("reported_missing", "yes or unknown, as missing_episodes is more than 0")
    elif table == "suspects":
        age = values["age_when_first_known"]
        if age is not None and not 10 <= age <= 99:
            error("age_when_first_known", "a whole number from 10 to 99")
        ref = values["network_ref"]
        if agency and ref and not refs.known("networks", agency, ref):
            error("network_ref", "a network_ref of the networks sheet for the same agency, or "
                  "one already imported for it")  # fmt: skip
        if values["network_role"] and not ref:
            error("network_role", "empty, as no network_ref is given")
    if table in ("links", "locations") and agency:
        for column, named in (("child_ref", "children"), ("suspect_ref", "suspects")):
            ref = values.get(column)
            if ref and not refs.known(named, agency, ref):
                error(column, f"a {column} of the {named} sheet for the same agency, or one "
                      "already imported for it")  # fmt: skip
    return errors


class Writer:
    """The writing pass: each row creates, updates or leaves alone the record its reference
    names, with history naming the import."""

    def __init__(self, record: TemplateImport, agencies: dict[str, Agency], by: User) -> None:
        self.record, self.agencies, self.by = record, agencies, by
        self.reason = f"Imported from the data template (import {record.public_id})"
        self.counts: dict[str, dict[str, int]] = {
            table: {"created": 0, "updated": 0, "unchanged": 0} for table in ORDER
        }
        self.ids: dict[str, dict[tuple[int, str], int]] = {}
        self.indicator_set = indicator_set_current()

    def held(self, table: str) -> dict[tuple[int, str], int]:
        if table not in self.ids:
            self.ids[table] = {
                (agency_id, ref): object_id
                for agency_id, ref, object_id in ImportedRecord.objects.filter(
                    agency__in=self.agencies.values(), table=table
                ).values_list("agency_id", "reference", "object_id")
            }
        return self.ids[table]

    def remember(self, table: str, agency: Agency, ref: str, object_id: int) -> None:
        ImportedRecord.objects.create(
            agency=agency, table=table, reference=ref, object_id=object_id
        )
        self.held(table)[(agency.pk, ref)] = object_id

    def save(self, table: str, instance, changes: dict, *, counted: bool = True) -> bool:
        """Apply `changes`; save with history only if something differs. True if saved."""
        created = instance.pk is None
        changed = created or any(getattr(instance, k) != v for k, v in changes.items())
        for name, value in changes.items():
            setattr(instance, name, value)
        if changed:
            if created:
                instance.created_by = self.by
            if hasattr(instance, "modified_by"):
                instance.modified_by = self.by
            instance._history_user = self.by
            instance._change_reason = self.reason
            instance.save()
        if counted:
            self.counts[table]["created" if created else "updated" if changed else "unchanged"] += 1
        return changed

    def networks(self, agency: Agency, values: dict) -> None:
        held = self.held("networks").get((agency.pk, values["network_ref"]))
        network = Network.objects.get(pk=held) if held else Network(owner_agency=agency)
        self.save("networks", network, {"name": values["name"] or values["network_ref"]})
        if not held:
            self.remember("networks", agency, values["network_ref"], network.pk)

    def children(self, agency: Agency, values: dict) -> None:
        ref, contact = values["child_ref"], values["first_contact_date"]
        held = self.held("children").get((agency.pk, ref))
        person = Person.objects.get(pk=held) if held else Person(owner_agency=agency, kind="child")
        estimated = values["age_at_first_contact"] if not values["date_of_birth"] else None
        person_changed = self.save("children", person, {
            "first_name": values["first_name"] or "",
            "last_name": values["last_name"] or "",
            "known_as": values["known_as"] or "",
            "date_of_birth": values["date_of_birth"],
            "estimated_age": estimated,
            "age_estimated_on": contact if estimated is not None else None,
            "sex": values["sex"] or "unknown",
            "ethnicity": values["ethnicity"] or "unknown",
            "nationality": values["nationality"] or "unknown",
            "notes": values["notes"] or "",
        }, counted=False)  # fmt: skip
        if not held:
            self.remember("children", agency, ref, person.pk)
        case = Case.objects.filter(
            child=person, owner_agency=agency, reference=ref
        ).first() or Case(child=person, owner_agency=agency, reference=ref)
        case_changed = self.save("children", case, {
            "first_contact_date": contact,
            "reported_missing": values["reported_missing"] or "unknown",
            "living_situation": values["living_situation"] or "unknown",
            "moved_into_care_after_intervention":
                values["moved_into_care_after_intervention"] or "unknown",
            "school_engagement": values["school_engagement"] or "unknown",
            "missing_episodes_reported": values["missing_episodes"],
        }, counted=False)  # fmt: skip
        codes = sorted(values["indicators"] or [])
        concern_changed = self.screening(agency, case, ref, codes, contact)
        kind = "created" if not held else "updated"
        if held and not (person_changed or case_changed or concern_changed):
            kind = "unchanged"
        self.counts["children"][kind] += 1
        if person_changed:
            case_services.person_index(person=person)

    def screening(self, agency, case, ref, codes, contact) -> bool:
        """The template's indicators are kept as a submitted concern on the case."""
        held = self.held("screenings").get((agency.pk, ref))
        if not codes and not held:
            return False
        concern = (
            Concern.objects.get(pk=held)
            if held
            else Concern(case=case, reporter_agency=agency, indicator_set=self.indicator_set,
                         status="submitted", submitted_at=timezone.now(),
                         narrative="Warning signs recorded in the partnership data template")
        )  # fmt: skip
        screening = quick_screening(
            concern.indicator_set.scoring_rules(), codes, child_age=case.child.age_at(contact)
        )
        changed = self.save("children", concern, {
            "occurred_on": contact,
            "indicator_codes": codes,
            "provisional_category": screening.category if codes else None,
        }, counted=False)  # fmt: skip
        if not held:
            self.remember("screenings", agency, ref, concern.pk)
        return changed

    def suspects(self, agency: Agency, values: dict) -> None:
        ref = values["suspect_ref"]
        held = self.held("suspects").get((agency.pk, ref))
        person = (
            Person.objects.get(pk=held) if held else Person(owner_agency=agency, kind="suspect")
        )
        estimated = values["age_when_first_known"] if not values["date_of_birth"] else None
        changed = self.save("suspects", person, {
            "first_name": values["first_name"] or "",
            "last_name": values["last_name"] or "",
            "initials": values["initials"] or "",
            "date_of_birth": values["date_of_birth"],
            "estimated_age": estimated,
            "age_estimated_on": values["first_known_date"] if estimated is not None else None,
            "first_known_date": values["first_known_date"],
            "sex": values["sex"] or "unknown",
            "ethnicity": values["ethnicity"] or "unknown",
            "nationality": values["nationality"] or "unknown",
        }, counted=False)  # fmt: skip
        if not held:
            self.remember("suspects", agency, ref, person.pk)
        aliases = {a.name for a in person.aliases.all()} if held else set()
        wanted = {values["alias"]} if values["alias"] else set()
        if aliases != wanted:
            changed = True
            for alias in person.aliases.exclude(name__in=wanted):
                alias._change_reason = self.reason
                alias.delete()
            for name in wanted - aliases:
                self.save("suspects", PersonAlias(person=person, name=name), {}, counted=False)
        if values["network_ref"]:
            network_id = self.held("networks")[(agency.pk, values["network_ref"])]
            member = NetworkMember.objects.filter(network_id=network_id, person=person).first()
            changed |= self.save(
                "suspects",
                member or NetworkMember(network_id=network_id, person=person),
                {"role": values["network_role"] or "unknown"},
                counted=False,
            )
        self.counts["suspects"][
            "created" if not held else "updated" if changed else "unchanged"
        ] += 1
        if changed:
            case_services.person_index(person=person)

    def links(self, agency: Agency, values: dict) -> None:
        child = self.held("children")[(agency.pk, values["child_ref"])]
        suspect = self.held("suspects")[(agency.pk, values["suspect_ref"])]
        link = Association.objects.filter(
            from_person_id=child, to_person_id=suspect, owner_agency=agency
        ).first() or Association(from_person_id=child, to_person_id=suspect, owner_agency=agency,
                                 source="Partnership data template")  # fmt: skip
        self.save("links", link, {
            "relationship": values["relationship"] or "unknown",
            "first_linked_date": values["first_linked_date"],
        })  # fmt: skip

    def locations(self, agency: Agency, values: dict) -> None:
        ref = values["location_ref"]
        held = self.held("locations").get((agency.pk, ref))
        location = Location.objects.get(pk=held) if held else Location(owner_agency=agency)
        self.save("locations", location, {
            "type": values["type"],
            "description": values["description"] or "",
            "postcode_district": (values["postcode_district"] or "").upper()[:4],
        })  # fmt: skip
        if not held:
            self.remember("locations", agency, ref, location.pk)
        for column, table in (("child_ref", "children"), ("suspect_ref", "suspects")):
            if values[column]:
                person_id = self.held(table)[(agency.pk, values[column])]
                link = PersonLocation.objects.filter(
                    person_id=person_id, location=location
                ).first() or PersonLocation(person_id=person_id, location=location)
                self.save("locations", link, {"role": values["role"] or "other"}, counted=False)


def template_write(
    file: TemplateFile, *, record: TemplateImport, agencies: dict[str, Agency], by: User
) -> dict:
    """Write every row, in one transaction (the caller's). Only ever called on a file that
    `template_check` passed."""
    writer = Writer(record, agencies, by)
    codes = set(indicator_set_current().indicators.values_list("code", flat=True))
    for table in ORDER:
        for number, values, _ in read_table(file, table, indicator_codes=codes):
            if number > 1:
                getattr(writer, table)(agencies[values["agency_code"].lower()], values)
    return {table: counts for table, counts in writer.counts.items() if any(counts.values())}


def template_import_start(*, content: bytes, filename: str, by: User) -> TemplateImport:
    """Keep the file and hand it to the worker once this transaction commits."""
    from reports.tasks import template_import_run as import_task

    record = TemplateImport.objects.create(
        requested_by=by,
        filename=filename[:200],
        checksum=hashlib.sha256(content).hexdigest(),
        created_by=by,
        modified_by=by,
    )
    extension = ".zip" if filename.lower().endswith(".zip") else ".xlsx"
    record.file.save(f"{record.public_id}{extension}", ContentFile(content))
    transaction.on_commit(lambda: import_task.delay(record.pk), robust=True)
    return record


def template_import_run(*, import_id: int) -> TemplateImport | None:
    """Check the whole file, then write it all or nothing. Only a queued import is taken."""
    with transaction.atomic():
        record = TemplateImport.objects.select_for_update().filter(pk=import_id).first()
        if record is None or record.status != TemplateImport.Status.QUEUED:
            return record
        record.status = TemplateImport.Status.CHECKING
        record.save(update_fields=["status"])
    by = record.requested_by
    agencies = import_agencies(by)
    with record.file.open("rb") as stored:
        content = stored.read()
    try:
        file = TemplateFile(content, record.filename)
    except TemplateFileError as error:
        return _refuse(record, Check(errors=[RowError("", 0, "", record.filename, str(error))],
                                     error_count=1))  # fmt: skip

    def progress(rows: int) -> None:
        TemplateImport.objects.filter(pk=record.pk).update(rows=rows, progress=min(49, rows // 500))

    check = template_check(file, agencies=agencies, progress=progress)
    if check.error_count:
        return _refuse(record, check)
    TemplateImport.objects.filter(pk=record.pk).update(
        status=TemplateImport.Status.WRITING, progress=50, rows=check.rows
    )
    with transaction.atomic():
        counts = template_write(file, record=record, agencies=agencies, by=by)
    TemplateImport.objects.filter(pk=record.pk).update(
        status=TemplateImport.Status.DONE, progress=100, counts=counts,
        finished_at=timezone.now(),
    )  # fmt: skip
    return _file_dropped(record)


def _file_dropped(record: TemplateImport) -> TemplateImport:
    """The uploaded file holds personal data: once imported or refused only its name and
    checksum are kept."""
    record.refresh_from_db()
    record.file.delete(save=True)
    return record


def _refuse(record: TemplateImport, check: Check) -> TemplateImport:
    TemplateImport.objects.filter(pk=record.pk).update(
        status=TemplateImport.Status.REFUSED,
        progress=100,
        rows=check.rows,
        errors=[error.as_dict() for error in check.errors],
        error_count=check.error_count,
        finished_at=timezone.now(),
    )
    return _file_dropped(record)
