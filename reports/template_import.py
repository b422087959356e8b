"""Importing a filled-in data template: checked whole before anything is written, every error
reported at once, all-or-nothing, idempotent by reference, with an import record and history
naming the import on every record it writes (spec/data-template.md, "Import behaviour").
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import Error, connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

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
from core.models import VersionedModel
from core.progress import ProgressChannel
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


CHUNK = 1000

Row = tuple[Agency, dict]


@dataclass
class Batch:
    """The instances of one model a chunk creates or changes, and the fields it set."""

    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    fields: set[str] = field(default_factory=set)


@dataclass
class Outcome:
    """What a row did, across every record it writes."""

    created: bool = False
    changed: bool = False


class Writer:
    """The writing pass, a chunk of rows at a time: each row creates, updates or leaves alone
    the records its reference names, with history naming the import. Records are read,
    created and updated in bulk, so a chunk costs about the same few queries whatever its
    size."""

    def __init__(self, record: TemplateImport, agencies: dict[str, Agency], by: User) -> None:
        self.record, self.agencies, self.by = record, agencies, by
        self.reason = f"Imported from the data template (import {record.public_id})"
        self.counts: dict[str, dict[str, int]] = {
            table: {"created": 0, "updated": 0, "unchanged": 0} for table in ORDER
        }
        self.ids: dict[str, dict[tuple[int, str], int]] = {}
        self.indicator_set = indicator_set_current()
        self.rules: dict[int, object] = {}
        self.now = timezone.now()

    def held(self, table: str) -> dict[tuple[int, str], int]:
        if table not in self.ids:
            self.ids[table] = {
                (agency_id, ref): object_id
                for agency_id, ref, object_id in ImportedRecord.objects.filter(
                    agency__in=self.agencies.values(), table=table
                ).values_list("agency_id", "reference", "object_id")
            }
        return self.ids[table]

    def existing(self, table: str, queryset, keys: list[tuple[int, str]]) -> dict:
        """The records already imported under these (agency id, reference) keys."""
        held = self.held(table)
        found = queryset.in_bulk([held[key] for key in keys if key in held])
        return {key: found[held[key]] for key in keys if key in held}

    def remember(self, table: str, made: list[tuple[int, str, object]]) -> None:
        ImportedRecord.objects.bulk_create(
            ImportedRecord(agency_id=agency_id, table=table, reference=ref, object_id=obj.pk)
            for agency_id, ref, obj in made
        )
        self.held(table).update({(agency_id, ref): obj.pk for agency_id, ref, obj in made})

    def apply(self, instance, changes: dict, batch: Batch, outcome: Outcome) -> None:
        """Set `changes`; queue the instance in `batch` if it is new or anything differs."""
        created = instance.pk is None
        if created or any(getattr(instance, k) != v for k, v in changes.items()):
            for name, value in changes.items():
                setattr(instance, name, value)
            if created:
                instance.created_by = self.by
            instance.modified_by, instance.modified_at = self.by, self.now
            (batch.new if created else batch.changed).append(instance)
            batch.fields.update(changes)
            outcome.changed = True

    def flush(self, model, batch: Batch) -> None:
        history = {"default_user": self.by, "default_change_reason": self.reason}
        if batch.new:
            bulk_create_with_history(batch.new, model, batch_size=CHUNK, **history)
        if batch.changed:
            fields = [*sorted(batch.fields), "modified_by", "modified_at"]
            if issubclass(model, VersionedModel):
                # As save() would, from the version saved now: the rows that change are locked
                # until the import commits, and someone's save meanwhile is not counted twice,
                # so a form opened before the import cannot overwrite it. (Only these rows are
                # locked; a page saving one of them waits 5 s at most, then says so.)
                saved = dict(
                    model._base_manager.select_for_update()
                    .filter(pk__in=[instance.pk for instance in batch.changed])
                    .values_list("pk", "version")
                )
                for instance in batch.changed:
                    instance.version = saved[instance.pk] + 1
                fields.append("version")
            bulk_update_with_history(batch.changed, model, fields, batch_size=CHUNK, **history)

    def tally(self, table: str, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            kind = "created" if outcome.created else "updated" if outcome.changed else "unchanged"
            self.counts[table][kind] += 1

    def networks(self, rows: list[Row]) -> None:
        keys = [(agency.pk, values["network_ref"]) for agency, values in rows]
        networks = self.existing("networks", Network.objects, keys)
        batch, outcomes, made = Batch(), [], []
        for key, (agency, values) in zip(keys, rows, strict=True):
            network = networks.get(key) or Network(owner_agency=agency)
            outcome = Outcome(created=network.pk is None)
            self.apply(network, {"name": values["name"] or key[1]}, batch, outcome)
            outcomes.append(outcome)
            if outcome.created:
                made.append((*key, network))
        self.flush(Network, batch)
        self.remember("networks", made)
        self.tally("networks", outcomes)

    def children(self, rows: list[Row]) -> None:
        keys = [(agency.pk, values["child_ref"]) for agency, values in rows]
        people = self.existing("children", Person.objects, keys)
        outcomes = [Outcome(created=key not in people) for key in keys]
        held = list(people.values())
        batch, made = Batch(), []
        for key, (agency, values), outcome in zip(keys, rows, outcomes, strict=True):
            person = people.setdefault(key, Person(owner_agency=agency, kind=Person.Kind.CHILD))
            estimated = values["age_at_first_contact"] if not values["date_of_birth"] else None
            contact = values["first_contact_date"]
            self.apply(person, {
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
            }, batch, outcome)  # fmt: skip
            if outcome.created:
                made.append((*key, person))
        self.flush(Person, batch)
        self.remember("children", made)
        case_services.people_index(people=batch.new + batch.changed)

        cases = {}
        for case in Case.objects.filter(child__in=held, reference__in=[key[1] for key in keys]):
            key = (case.owner_agency_id, case.reference)
            if key in people and people[key].pk == case.child_id:
                case.child = people[key]
                cases[key] = case
        batch = Batch()
        for key, (agency, values), outcome in zip(keys, rows, outcomes, strict=True):
            case = cases.setdefault(
                key, Case(child=people[key], owner_agency=agency, reference=key[1])
            )
            self.apply(case, {
                "first_contact_date": values["first_contact_date"],
                "reported_missing": values["reported_missing"] or "unknown",
                "living_situation": values["living_situation"] or "unknown",
                "moved_into_care_after_intervention":
                    values["moved_into_care_after_intervention"] or "unknown",
                "school_engagement": values["school_engagement"] or "unknown",
                "missing_episodes_reported": values["missing_episodes"],
            }, batch, outcome)  # fmt: skip
        self.flush(Case, batch)
        self.screenings(keys, rows, cases, outcomes)
        self.tally("children", outcomes)

    def screenings(self, keys, rows: list[Row], cases: dict, outcomes: list[Outcome]) -> None:
        """The template's indicators are kept as a submitted concern on the case."""
        concerns = self.existing("screenings", Concern.objects, keys)
        batch, made = Batch(), []
        for key, (agency, values), outcome in zip(keys, rows, outcomes, strict=True):
            codes = sorted(values["indicators"] or [])
            if not codes and key not in concerns:
                continue
            case, contact = cases[key], values["first_contact_date"]
            concern = concerns.get(key) or Concern(
                case=case, case_agency_id=case.owner_agency_id, reporter_agency=agency,
                indicator_set=self.indicator_set, status="submitted", submitted_at=self.now,
                narrative="Warning signs recorded in the partnership data template",
            )  # fmt: skip
            if concern.indicator_set_id not in self.rules:
                self.rules[concern.indicator_set_id] = concern.indicator_set.scoring_rules()
            screening = quick_screening(
                self.rules[concern.indicator_set_id], codes, child_age=case.child.age_at(contact)
            )
            if concern.pk is None:
                made.append((*key, concern))
            self.apply(concern, {
                "occurred_on": contact,
                "indicator_codes": codes,
                "provisional_category": screening.category if codes else None,
            }, batch, outcome)  # fmt: skip
        self.flush(Concern, batch)
        self.remember("screenings", made)

    def suspects(self, rows: list[Row]) -> None:
        keys = [(agency.pk, values["suspect_ref"]) for agency, values in rows]
        people = self.existing(
            "suspects", Person.objects.prefetch_related("aliases", "network_memberships"), keys
        )
        outcomes = [Outcome(created=key not in people) for key in keys]
        batch, made = Batch(), []
        for key, (agency, values), outcome in zip(keys, rows, outcomes, strict=True):
            person = people.setdefault(key, Person(owner_agency=agency, kind=Person.Kind.SUSPECT))
            estimated = values["age_when_first_known"] if not values["date_of_birth"] else None
            self.apply(person, {
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
            }, batch, outcome)  # fmt: skip
            if outcome.created:
                made.append((*key, person))
        self.flush(Person, batch)
        self.remember("suspects", made)
        indexed = {id(person): person for person in batch.new + batch.changed}

        aliases, members = Batch(), Batch()
        for key, (agency, values), outcome in zip(keys, rows, outcomes, strict=True):
            person = people[key]
            current = [] if outcome.created else list(person.aliases.all())
            wanted = {values["alias"]} if values["alias"] else set()
            if {alias.name for alias in current} != wanted:
                outcome.changed, indexed[id(person)] = True, person
                for alias in current:
                    if alias.name not in wanted:
                        alias._change_reason = self.reason
                        alias._history_user = self.by
                        alias.delete()
                for name in wanted - {alias.name for alias in current}:
                    self.apply(PersonAlias(person=person, name=name), {}, aliases, outcome)
            if values["network_ref"]:
                network_id = self.held("networks")[(agency.pk, values["network_ref"])]
                memberships = [] if outcome.created else person.network_memberships.all()
                member = next(
                    (m for m in memberships if m.network_id == network_id), None
                ) or NetworkMember(network_id=network_id, person=person)
                self.apply(member, {"role": values["network_role"] or "unknown"}, members, outcome)
        self.flush(PersonAlias, aliases)
        self.flush(NetworkMember, members)
        case_services.people_index(people=list(indexed.values()))
        self.tally("suspects", outcomes)

    def links(self, rows: list[Row]) -> None:
        pairs = [
            (
                agency.pk,
                self.held("children")[(agency.pk, values["child_ref"])],
                self.held("suspects")[(agency.pk, values["suspect_ref"])],
            )
            for agency, values in rows
        ]
        links = {
            (link.owner_agency_id, link.from_person_id, link.to_person_id): link
            for link in Association.objects.filter(
                owner_agency__in=self.agencies.values(),
                from_person_id__in=[pair[1] for pair in pairs],
            )
        }
        batch, outcomes = Batch(), []
        for pair, (agency, values) in zip(pairs, rows, strict=True):
            link = links.setdefault(pair, Association(
                owner_agency=agency, from_person_id=pair[1], to_person_id=pair[2],
                source="Partnership data template",
            ))  # fmt: skip
            outcome = Outcome(created=link.pk is None)
            self.apply(link, {
                "relationship": values["relationship"] or "unknown",
                "first_linked_date": values["first_linked_date"],
            }, batch, outcome)  # fmt: skip
            outcomes.append(outcome)
        self.flush(Association, batch)
        self.tally("links", outcomes)

    def locations(self, rows: list[Row]) -> None:
        keys = [(agency.pk, values["location_ref"]) for agency, values in rows]
        locations = self.existing("locations", Location.objects, keys)
        outcomes = [Outcome(created=key not in locations) for key in keys]
        batch, made = Batch(), []
        for key, (agency, values), outcome in zip(keys, rows, outcomes, strict=True):
            location = locations.setdefault(key, Location(owner_agency=agency))
            self.apply(location, {
                "type": values["type"],
                "description": values["description"] or "",
                "postcode_district": (values["postcode_district"] or "").upper()[:4],
            }, batch, outcome)  # fmt: skip
            if outcome.created:
                made.append((*key, location))
        self.flush(Location, batch)
        self.remember("locations", made)

        places = {
            (place.person_id, place.location_id): place
            for place in PersonLocation.objects.filter(location__in=list(locations.values()))
        }
        batch = Batch()
        for key, (agency, values) in zip(keys, rows, strict=True):
            for column, table in (("child_ref", "children"), ("suspect_ref", "suspects")):
                if values[column]:
                    person_id = self.held(table)[(agency.pk, values[column])]
                    place = places.setdefault(
                        (person_id, locations[key].pk),
                        PersonLocation(person_id=person_id, location=locations[key]),
                    )
                    self.apply(place, {"role": values["role"] or "other"}, batch, Outcome())
        self.flush(PersonLocation, batch)
        self.tally("locations", outcomes)


def template_write(
    file: TemplateFile,
    *,
    record: TemplateImport,
    agencies: dict[str, Agency],
    by: User,
    progress=lambda rows: None,
) -> dict:
    """Write every row, a chunk at a time, in one transaction (the caller's). Only ever
    called on a file that `template_check` passed."""
    writer = Writer(record, agencies, by)
    codes = set(writer.indicator_set.indicators.values_list("code", flat=True))
    written = 0
    for table in ORDER:
        chunk: list[Row] = []
        for number, values, _ in read_table(file, table, indicator_codes=codes):
            if number > 1:
                chunk.append((agencies[values["agency_code"].lower()], values))
            if len(chunk) == CHUNK:
                getattr(writer, table)(chunk)
                written += len(chunk)
                chunk = []
                progress(written)
        if chunk:
            getattr(writer, table)(chunk)
            written += len(chunk)
            progress(written)
    return {table: counts for table, counts in writer.counts.items() if any(counts.values())}


def template_import_start(*, content: bytes, filename: str, by: User) -> TemplateImport:
    """Keep the file and hand it to the worker once this transaction commits. The import is
    saved with its file in one write; if that fails, the file (personal data) is deleted."""
    from reports.tasks import template_import_run as import_task

    record = TemplateImport(
        requested_by=by,
        filename=filename[:200],
        checksum=hashlib.sha256(content).hexdigest(),
        created_by=by,
        modified_by=by,
    )
    extension = ".zip" if filename.lower().endswith(".zip") else ".xlsx"
    record.file.save(f"{record.public_id}{extension}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            record.save()
            transaction.on_commit(lambda: import_task.delay(record.pk), robust=True)
    except BaseException:
        record.file.delete(save=False)
        raise
    return record


# The first key of the advisory lock a running import holds on its database session.
IMPORT_RUN_LOCK = 7301


def import_run_alive(*, import_id: int) -> bool:
    """Whether a process is still running the import: its session holds the import's lock
    until it finishes, and PostgreSQL releases it when the process or its connection dies,
    however long the import has been running (a worker's or a management command's)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_RUN_LOCK, import_id])
        (taken,) = cursor.fetchone()
        if taken:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_RUN_LOCK, import_id])
    return not taken


def template_import_run(*, import_id: int) -> TemplateImport | None:
    """Check the whole file, then write it all or nothing. Only a queued import is taken."""
    locked = False
    try:
        with transaction.atomic():
            record = TemplateImport.objects.select_for_update().filter(pk=import_id).first()
            if record is None or record.status != TemplateImport.Status.QUEUED:
                return record
            # Taken before the running status is committed, so a running import always has it;
            # released below however the run ends, even if this commit fails.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", [IMPORT_RUN_LOCK, import_id])
            locked = True
            record.status, record.started_at = TemplateImport.Status.CHECKING, timezone.now()
            record.save(update_fields=["status", "started_at"])
        return _template_import_checked_and_written(record)
    finally:
        if locked:
            with contextlib.suppress(Error), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_RUN_LOCK, import_id])


def _template_import_checked_and_written(record: TemplateImport) -> TemplateImport:
    by = record.requested_by
    agencies = import_agencies(by)
    with record.file.open("rb") as stored:
        content = stored.read()

    def progress(rows: int) -> None:
        TemplateImport.objects.filter(pk=record.pk).update(rows=rows, progress=min(49, rows // 500))

    try:
        file = TemplateFile(content, record.filename)
        check = template_check(file, agencies=agencies, progress=progress)
    except TemplateFileError as error:
        return _refuse(record, Check(errors=[RowError("", 0, "", record.filename, str(error))],
                                     error_count=1))  # fmt: skip
    if check.error_count:
        return _refuse(record, check)
    TemplateImport.objects.filter(pk=record.pk).update(
        status=TemplateImport.Status.WRITING, progress=50, rows=check.rows
    )
    with ProgressChannel(record) as channel, transaction.atomic():

        def written(rows: int) -> None:
            channel.update(rows_written=rows, progress=50 + 49 * rows // max(check.rows, 1))

        counts = template_write(file, record=record, agencies=agencies, by=by, progress=written)
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
