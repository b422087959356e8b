"""Writes for people, cases, concerns, missing episodes, notes and links.

Every function is keyword-only, runs in one transaction, and records who acted (`by`) on the
history of each row it writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone

from agencies.access import record_share, record_unshare
from agencies.models import Agency, Role, User
from cases import matching, normalise
from cases.models import (
    Association,
    Case,
    CaseNote,
    Concern,
    ConcernDetail,
    ConcernLocation,
    ConcernPerson,
    HandlingCode,
    Location,
    MissingEpisode,
    Network,
    NetworkMember,
    Person,
    PersonAlias,
    PersonContact,
    PersonIdentifier,
    PersonLocation,
    SuggestionRun,
)
from cases.selectors import people_visible, retention_kind, years_before
from core.models import Task
from core.services import record_lock_for_edit, task_create
from indicators.models import IndicatorSet
from indicators.scoring import quick_screening


def _stamp(record, by: User | None, reason: str = "") -> None:
    if record.pk is None:
        record.created_by = by
    record.modified_by = by
    record._history_user = by
    if reason:
        record._change_reason = reason


# One statement for any number of people: a join on two arrays, ids and texts.
SEARCH_VECTORS_UPDATE = """
    UPDATE cases_person AS person
    SET search_vector = to_tsvector('simple', given.text)
    FROM unnest(%s::bigint[], %s::text[]) AS given (id, text)
    WHERE person.id = given.id
"""


def person_index(*, person: Person) -> None:
    """Rewrite the person's search vector and matching keys (after any change to names,
    aliases, identifiers or contacts)."""
    people_index(people=[person])


def people_index(*, people: Sequence[Person]) -> None:
    """person_index for many people at once, in a fixed number of queries."""
    if not people:
        return
    for person in people:
        # Aliases may have changed since they were last read.
        person._prefetched_objects_cache = {}
    prefetch_related_objects(people, "aliases", "identifiers", "contacts")
    texts = [
        " ".join(
            [person.first_name, person.last_name, person.known_as, person.initials]
            + [alias.name for alias in person.aliases.all()]
        )
        for person in people
    ]
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_VECTORS_UPDATE, [[person.pk for person in people], texts])
    matching.people_keys_rewrite(people)


@dataclass
class PersonData:
    kind: str
    first_name: str = ""
    last_name: str = ""
    known_as: str = ""
    initials: str = ""
    date_of_birth: date | None = None
    estimated_age: int | None = None
    sex: str = "unknown"
    ethnicity: str = "unknown"
    nationality: str = "unknown"
    officer_observed: str = ""
    first_known_date: date | None = None
    aliases: list[str] = field(default_factory=list)


@transaction.atomic
def person_create(*, data: PersonData, owner_agency: Agency, by: User) -> Person:
    person = Person(
        owner_agency=owner_agency,
        kind=data.kind,
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        known_as=data.known_as.strip(),
        initials=data.initials.strip(),
        date_of_birth=data.date_of_birth,
        estimated_age=data.estimated_age,
        age_estimated_on=timezone.localdate() if data.estimated_age is not None else None,
        sex=data.sex,
        ethnicity=data.ethnicity,
        nationality=data.nationality,
        officer_observed=data.officer_observed,
        first_known_date=data.first_known_date,
    )
    _stamp(person, by)
    person.save()
    for name in filter(None, (a.strip() for a in data.aliases)):
        alias = PersonAlias(person=person, name=name)
        _stamp(alias, by)
        alias.save()
    person_index(person=person)
    return person


PERSON_FIELDS = (
    "first_name", "last_name", "known_as", "initials", "date_of_birth", "estimated_age",
    "sex", "ethnicity", "nationality", "officer_observed", "first_known_date", "notes",
)  # fmt: skip


@transaction.atomic
def person_update(
    *,
    person: Person,
    changes: dict,
    by: User,
    reason: str = "",
    expected_version: int | None = None,
) -> Person:
    """Change a person's details; refused with EditConflict, changing nothing, if someone else
    saved the person since `expected_version` was shown."""
    record_lock_for_edit(record=person, expected_version=expected_version)
    for name, value in changes.items():
        if name not in PERSON_FIELDS:
            raise ValueError(f"{name} cannot be changed here")
        setattr(person, name, value.strip() if isinstance(value, str) else value)
    if "estimated_age" in changes and changes["estimated_age"] is not None:
        person.age_estimated_on = timezone.localdate()
    _stamp(person, by, reason)
    person.save()
    person_index(person=person)
    return person


@transaction.atomic
def person_detail_add(*, person: Person, kind: str, value: str, description: str, by: User):
    """Add an alias, an identifier or a contact (address, phone, vehicle, social media)."""
    value = value.strip()
    if kind == "alias":
        row = PersonAlias(person=person, name=value)
    elif kind in PersonIdentifier.Type.values:
        row = PersonIdentifier(person=person, type=kind, value=normalise.identifier(value))
    else:
        normalised = {
            PersonContact.Type.PHONE: normalise.phone,
            PersonContact.Type.VEHICLE: normalise.vehicle,
        }.get(kind, lambda v: v.lower())(value)
        district = (
            normalise.postcode_district(value.split(",")[-1].strip().split(" ")[0])
            if kind == PersonContact.Type.ADDRESS
            else ""
        )
        row = PersonContact(
            person=person,
            type=kind,
            value=value,
            normalised=normalised,
            postcode_district=district,
            description=description,
        )
    _stamp(row, by)
    row.save()
    person_index(person=person)
    return row


@transaction.atomic
def case_open(*, child: Person, owner_agency: Agency, by: User, **fields) -> Case:
    case = Case(child=child, owner_agency=owner_agency, lead_professional=by, **fields)
    _stamp(case, by)
    case.save()
    return case


@transaction.atomic
def case_update(
    *, case: Case, changes: dict, by: User, reason: str = "", expected_version: int | None = None
) -> Case:
    """Change a case's details; refused with EditConflict, changing nothing, if someone else
    saved the case since `expected_version` was shown."""
    record_lock_for_edit(record=case, expected_version=expected_version)
    for name, value in changes.items():
        setattr(case, name, value)
    _stamp(case, by, reason)
    case.save()
    return case


@transaction.atomic
def case_close(*, case: Case, reason: str, by: User) -> Case:
    return case_update(
        case=case,
        changes={"status": Case.Status.CLOSED, "closed_reason": reason},
        by=by,
        reason=reason,
    )


@dataclass
class ConcernData:
    occurred_on: date
    narrative: str
    occurred_at_time: object = None
    place: str = ""
    reporter_name: str = ""
    indicator_codes: list[str] = field(default_factory=list)
    # People not yet recorded (suspects or associates, by their `kind`), created with the
    # concern, and people already recorded that the worker chose or matched.
    new_people: list[PersonData] = field(default_factory=list)
    existing_people: list[Person] = field(default_factory=list)
    location_type: str = ""
    location_description: str = ""
    location_postcode_district: str = ""
    vehicles: list[tuple[str, str]] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)
    handling_code: str = ""


class HandlingCodeRefused(ValueError):
    """A handling code from an agency that is not a police agency."""


def _handling_code_check(code: str, agency: Agency) -> str:
    if code and agency.type != Agency.Type.POLICE:
        raise HandlingCodeRefused("Only a police agency marks a record with a handling code")
    if code not in HandlingCode.values:
        raise HandlingCodeRefused("Choose a handling code from the list")
    return code


@transaction.atomic
def concern_log(
    *,
    case: Case,
    data: ConcernData,
    reporter_agency: Agency,
    indicator_set: IndicatorSet,
    submit: bool,
    by: User,
) -> Concern:
    """Record a concern with what was seen, the indicators ticked (and the provisional category
    they give), the people, location, vehicles and phones. A draft can be completed later."""
    screening = quick_screening(
        indicator_set.scoring_rules(),
        data.indicator_codes,
        child_age=case.child.age_at(data.occurred_on),
    )
    concern = Concern(
        case=case,
        status=Concern.Status.SUBMITTED if submit else Concern.Status.DRAFT,
        reporter_name=data.reporter_name,
        reporter_agency=reporter_agency,
        occurred_on=data.occurred_on,
        occurred_at_time=data.occurred_at_time,
        place=data.place,
        narrative=data.narrative,
        indicator_set=indicator_set,
        indicator_codes=sorted(data.indicator_codes),
        provisional_category=screening.category if data.indicator_codes else None,
        submitted_at=timezone.now() if submit else None,
        handling_code=_handling_code_check(data.handling_code, reporter_agency),
    )
    _stamp(concern, by)
    concern.save()
    _concern_parts_record(concern=concern, data=data, by=by)
    if submit:
        _case_category_from_screening(concern=concern, by=by)
    return concern


def _concern_people_link(*, concern: Concern, data: ConcernData, by: User) -> None:
    """Link the people involved; a suspect is also linked to the child (relationship not yet
    known, source the concern), unless already linked."""
    case = concern.case
    people = list(data.existing_people)
    for person_data in data.new_people:
        people.append(person_create(data=person_data, owner_agency=case.owner_agency, by=by))
    already = set(concern.people.values_list("person_id", flat=True))
    for person in people:
        if person.pk in already or person.pk == case.child_id:
            continue
        already.add(person.pk)
        role = "suspect" if person.kind == Person.Kind.SUSPECT else "associate"
        link = ConcernPerson(concern=concern, person=person, role=role)
        _stamp(link, by)
        link.save()
        linked = Association.objects.filter(
            Q(from_person=case.child, to_person=person)
            | Q(from_person=person, to_person=case.child)
        ).exists()
        if person.kind == Person.Kind.SUSPECT and not linked:
            association_create(
                from_person=case.child,
                to_person=person,
                relationship="unknown",
                first_linked_date=data.occurred_on,
                source="Concern",
                owner_agency=case.owner_agency,
                by=by,
            )


def _concern_parts_record(*, concern: Concern, data: ConcernData, by: User) -> None:
    case = concern.case
    _concern_people_link(concern=concern, data=data, by=by)
    if data.location_type:
        location = Location(
            owner_agency=case.owner_agency,
            type=data.location_type,
            description=data.location_description,
            postcode_district=data.location_postcode_district,
        )
        _stamp(location, by)
        location.save()
        link = ConcernLocation(concern=concern, location=location)
        _stamp(link, by)
        link.save()
    for kind, items, normaliser in (
        ("vehicle", data.vehicles, normalise.vehicle),
        ("phone", data.phones, normalise.phone),
    ):
        for value, description in items:
            detail = ConcernDetail(
                concern=concern,
                type=kind,
                value=value.strip(),
                normalised=normaliser(value),
                description=description,
            )
            _stamp(detail, by)
            detail.save()


def _case_category_from_screening(*, concern: Concern, by: User) -> None:
    """A submitted concern raises the case's category to its provisional one (never lowers),
    compared with the category saved now: an assessment completing at the same moment may
    have raised it further."""
    if not concern.provisional_category:
        return
    case = concern.case
    with transaction.atomic():
        record_lock_for_edit(record=case, expected_version=None)
        if case.risk_category is not None and concern.provisional_category <= case.risk_category:
            return
        case_update(
            case=case,
            changes={"risk_category": concern.provisional_category},
            by=by,
            reason="Provisional category from a concern's quick screening",
        )


@transaction.atomic
def concern_submit(*, concern: Concern, by: User) -> Concern:
    if concern.status == Concern.Status.SUBMITTED:
        return concern
    concern.status = Concern.Status.SUBMITTED
    concern.submitted_at = timezone.now()
    _stamp(concern, by, "Submitted")
    concern.save()
    _case_category_from_screening(concern=concern, by=by)
    return concern


class ConcernNotDraft(Exception):
    """Only a draft concern can be changed; a submitted one is corrected by a case note."""


@transaction.atomic
def concern_draft_update(*, concern: Concern, data: ConcernData, submit: bool, by: User) -> Concern:
    """Complete a draft: what it says, the warning signs (screened again), the people, place,
    vehicles and phones, as the form now has them; then submit it or keep it as a draft."""
    concern = Concern.objects.select_for_update().select_related("case__child").get(pk=concern.pk)
    if concern.status != Concern.Status.DRAFT:
        raise ConcernNotDraft("This concern has been submitted and can no longer be changed")
    screening = quick_screening(
        concern.indicator_set.scoring_rules(),
        data.indicator_codes,
        child_age=concern.case.child.age_at(data.occurred_on),
    )
    for name in ("occurred_on", "occurred_at_time", "place", "narrative", "reporter_name"):
        setattr(concern, name, getattr(data, name))
    concern.handling_code = _handling_code_check(data.handling_code, concern.reporter_agency)
    concern.indicator_codes = sorted(data.indicator_codes)
    concern.provisional_category = screening.category if data.indicator_codes else None
    _stamp(concern, by, "Draft completed")
    concern.save()
    kept = {person.pk for person in data.existing_people}
    for link in concern.people.exclude(person_id__in=kept):
        link._change_reason = "Removed from the draft"
        link.delete()
    for link in concern.locations.select_related("location"):
        link.location.archived_at, link.location.archived_by = timezone.now(), by
        link.location.archived_reason = "Replaced in the draft concern"
        link.location.save()
        link.delete()
    concern.details.all().delete()
    _concern_parts_record(concern=concern, data=data, by=by)
    if submit:
        concern_submit(concern=concern, by=by)
    return concern


@transaction.atomic
def association_create(
    *,
    from_person: Person,
    to_person: Person,
    relationship: str,
    owner_agency: Agency,
    by: User,
    first_linked_date: date | None = None,
    source: str = "",
    confidence: str = "unknown",
) -> Association:
    existing = Association.objects.filter(
        from_person=from_person, to_person=to_person, owner_agency=owner_agency
    ).first()
    if existing is not None:
        if relationship != "unknown" and existing.relationship != relationship:
            existing.relationship = relationship
            _stamp(existing, by)
            existing.save()
        return existing
    association = Association(
        owner_agency=owner_agency,
        from_person=from_person,
        to_person=to_person,
        relationship=relationship,
        first_linked_date=first_linked_date,
        source=source,
        confidence=confidence,
    )
    _stamp(association, by)
    association.save()
    return association


@transaction.atomic
def missing_episode_record(
    *,
    case: Case,
    started_at: datetime,
    ended_at: datetime | None,
    type: str,
    reported_to_police: bool,
    return_interview: str,
    return_interview_completed_at: datetime | None,
    where_found: str,
    by: User,
    concerns: list[Concern] = (),
) -> MissingEpisode:
    episode = MissingEpisode(
        case=case,
        started_at=started_at,
        ended_at=ended_at,
        type=type,
        reported_to_police=reported_to_police,
        return_interview=return_interview,
        return_interview_completed_at=return_interview_completed_at,
        where_found=where_found,
    )
    _stamp(episode, by)
    episode.save()
    episode.concerns.set([c for c in concerns if c.case_id == case.pk])
    if case.reported_missing != "yes":
        case_update(case=case, changes={"reported_missing": "yes"}, by=by)
    return episode


MISSING_EPISODE_FIELDS = (
    "type", "started_at", "ended_at", "reported_to_police", "return_interview",
    "return_interview_completed_at", "where_found",
)  # fmt: skip


@transaction.atomic
def missing_episode_update(
    *, episode: MissingEpisode, changes: dict, concerns: list[Concern], by: User
) -> MissingEpisode:
    """Complete an episode as it unfolds: the return, where the child was found, the return
    home interview, and the concerns it is linked to."""
    episode = MissingEpisode.objects.select_for_update().get(pk=episode.pk)
    for name, value in changes.items():
        if name not in MISSING_EPISODE_FIELDS:
            raise ValueError(f"{name} cannot be changed here")
        setattr(episode, name, value)
    _stamp(episode, by)
    episode.save()
    episode.concerns.set([c for c in concerns if c.case_id == episode.case_id])
    return episode


@transaction.atomic
def case_note_add(
    *, case: Case, text: str, agency: Agency, handling_code: str = "", by: User
) -> CaseNote:
    """A note on the case, written for `agency` (its handling code is judged against it)."""
    note = CaseNote(
        case=case, text=text, agency=agency,
        handling_code=_handling_code_check(handling_code, agency),
    )  # fmt: skip
    _stamp(note, by)
    note.save()
    return note


def possible_matches_elsewhere(*, person: Person, query: matching.MatchQuery) -> list[Person]:
    """Likely matches of `person` among every other record of the kind (for the notification
    only; the caller keeps those its user may not see: held by another agency, or restricted
    in the user's own)."""
    others = Person.objects.filter(kind=person.kind, archived_at__isnull=True).exclude(pk=person.pk)
    return [
        match
        for match, score in matching.ranked_matches(query, others, minimum=matching.LIKELY_MATCH)
    ]


@transaction.atomic
def possible_match_notify(*, new_person: Person, held: list[Person]) -> list[Task]:
    """Tell each holding agency's CSE leads that another agency recorded someone who may be a
    person they hold: a task in the service, and an e-mail that names nobody."""
    tasks = []
    for agency_id in sorted({person.owner_agency_id for person in held}):
        their_records = [str(p.public_id) for p in held if p.owner_agency_id == agency_id]
        task = task_create(
            kind=Task.Kind.POSSIBLE_MATCH,
            agency_id=agency_id,
            role=Role.CSE_LEAD,
            title="Another agency has recorded someone who may be a person your agency holds",
            subject={
                "held_records": their_records,
                "recorded_by_agency": new_person.owner_agency.code,
                "kind": new_person.kind,
            },
        )
        tasks.append(task)
    return tasks


@transaction.atomic
def child_concern_log(
    *,
    child: Person,
    case: Case | None,
    data: ConcernData,
    reporter_agency: Agency,
    indicator_set: IndicatorSet,
    submit: bool,
    by: User,
) -> Concern:
    """A concern about a child already recorded: on `case` (their open case the worker may
    see), or on a case opened for them now by the reporting agency; both or neither."""
    if case is None:
        case = case_open(
            child=child, owner_agency=reporter_agency, by=by, first_contact_date=data.occurred_on
        )
    return concern_log(
        case=case,
        data=data,
        reporter_agency=reporter_agency,
        indicator_set=indicator_set,
        submit=submit,
        by=by,
    )


@dataclass
class NewChildConcern:
    concern: Concern
    # Likely matches of the new child that the worker may not see (held by another agency, or
    # restricted in their own), whose CSE leads have been told.
    held_elsewhere: list[Person]


@transaction.atomic
def new_child_concern_log(
    *,
    child: PersonData,
    query: matching.MatchQuery,
    data: ConcernData,
    reporter_agency: Agency,
    indicator_set: IndicatorSet,
    submit: bool,
    by: User,
) -> NewChildConcern:
    """A concern about a child not yet recorded: the child's record, their case, the concern,
    and a task for the CSE leads of any likely match of the child the worker may not see. All
    of it is written, or (if any part fails) none of it. `query` is the child's details as
    the form matched them."""
    person = person_create(data=child, owner_agency=reporter_agency, by=by)
    concern = child_concern_log(
        child=person,
        case=None,
        data=data,
        reporter_agency=reporter_agency,
        indicator_set=indicator_set,
        submit=submit,
        by=by,
    )
    matches = possible_matches_elsewhere(person=person, query=query)
    seen = set(
        people_visible(user=by)
        .filter(pk__in=[match.pk for match in matches])
        .values_list("pk", flat=True)
    )
    held = [match for match in matches if match.pk not in seen]
    if held:
        possible_match_notify(new_person=person, held=held)
    return NewChildConcern(concern=concern, held_elsewhere=held)


class MergeRefused(Exception):
    """The merge can no longer be done; nothing was changed."""


@transaction.atomic
def person_merge(*, survivor: Person, duplicate: Person, reason: str, by: User) -> Person:
    """Merge `duplicate` into `survivor`: everything linked moves across, the duplicate's other
    names become aliases, blank fields are filled from it, and it is archived (never deleted)
    with a pointer to the survivor."""
    if survivor.pk == duplicate.pk or survivor.kind != duplicate.kind:
        raise ValueError("Only two different records of the same kind of person can be merged")
    # Both rows locked, in key order so that two merges of the same pair cannot deadlock, and
    # re-read: a merge that another request has already done is refused, not done twice.
    locked = Person.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk])
    fresh = {person.pk: person for person in locked.order_by("pk")}
    survivor, duplicate = fresh[survivor.pk], fresh[duplicate.pk]
    if survivor.merged_into_id or duplicate.merged_into_id:
        raise MergeRefused("One of these records has already been merged into another")
    from restrictions.models import Restriction

    if Restriction.objects.filter(
        Q(person__in=[survivor, duplicate]) | Q(case__child__in=[survivor, duplicate]),
        lifted_at__isnull=True,
    ).exists():
        # Merging would move restricted cases under a record open to others, or the reverse.
        raise MergeRefused("One of these records is restricted: lift the restriction to merge")
    for name in {str(duplicate), duplicate.known_as} - {str(survivor), survivor.known_as, ""}:
        if name != "Name not known":
            PersonAlias.objects.create(person=survivor, name=name, created_by=by, modified_by=by)
    for model in (PersonAlias, PersonIdentifier, PersonContact):
        for row in model.objects.filter(person=duplicate):
            row.person = survivor
            _stamp(row, by, f"Merged from {duplicate.public_id}")
            row.save()
    for name in PERSON_FIELDS:
        if getattr(survivor, name) in (None, "", "unknown") and getattr(duplicate, name) not in (
            None,
            "",
            "unknown",
        ):
            setattr(survivor, name, getattr(duplicate, name))
    # Locked and read as saved now, so that an edit of the case saved meanwhile is kept and
    # the form it came from sees the new version.
    for row in Case.objects.select_for_update().filter(child=duplicate).order_by("pk"):
        row.child = survivor
        _stamp(row, by, f"Merged from {duplicate.public_id}")
        row.save()
    for row in ConcernPerson.objects.filter(person=duplicate):
        row.person = survivor
        _stamp(row, by, f"Merged from {duplicate.public_id}")
        row.save()
    between = Q(from_person=survivor, to_person=duplicate) | Q(
        from_person=duplicate, to_person=survivor
    )
    for row in Association.objects.filter(between, archived_at__isnull=True):
        # A link between two records of one person would link the person to themself.
        row.archived_at, row.archived_by = timezone.now(), by
        row.archived_reason = f"Both ends merged into {survivor.public_id}"
        _stamp(row, by, row.archived_reason)
        row.save()
    for field_name in ("from_person", "to_person"):
        for row in Association.objects.filter(**{field_name: duplicate}).exclude(between):
            setattr(row, field_name, survivor)
            _stamp(row, by, f"Merged from {duplicate.public_id}")
            row.save()
    already_in = set(survivor.network_memberships.values_list("network_id", flat=True))
    # Where both were members of one network the survivor's membership stays and the
    # duplicate's stays with the archived duplicate, so neither role is lost.
    for row in NetworkMember.objects.filter(person=duplicate).exclude(network_id__in=already_in):
        row.person = survivor
        _stamp(row, by, f"Merged from {duplicate.public_id}")
        row.save()
    _merge_places_flags_and_meetings(survivor=survivor, duplicate=duplicate, by=by)
    carried = {
        grant.group_id: grant
        for grant in duplicate.grants.exclude(group__agency=survivor.owner_agency_id)
    }
    for agency in Agency.objects.filter(group__in=carried):
        grant = carried[agency.group_id]
        record_share(
            record=survivor,
            agency=agency,
            reason=f"Carried over from the merged record {duplicate.public_id}",
            lawful_basis=grant.lawful_basis,
            consent_by=grant.consent_by,
            by=by,
        )
    _stamp(survivor, by, f"Merged with {duplicate.public_id}: {reason}")
    survivor.save()
    duplicate.merged_into = survivor
    duplicate.archived_at = timezone.now()
    duplicate.archived_by = by
    duplicate.archived_reason = f"Merged into {survivor.public_id}: {reason}"
    _stamp(duplicate, by, duplicate.archived_reason)
    duplicate.save()
    person_index(person=survivor)
    return survivor


def _merge_places_flags_and_meetings(*, survivor: Person, duplicate: Person, by: User) -> None:
    """The duplicate's places, exploitation flags, disruption activity and meeting items move
    to the survivor. A place both were linked to keeps the survivor's link; where both were on
    one meeting, what was shared and the actions on the duplicate's item join the survivor's,
    and the emptied item is withdrawn."""
    from interventions.models import DisruptionActivity, ExploitationFlag
    from meetings.models import AgendaItem
    from meetings.services import agenda_item_merge

    note = f"Merged from {duplicate.public_id}"
    linked_places = set(survivor.places.values_list("location_id", flat=True))
    for row in PersonLocation.objects.filter(person=duplicate).exclude(
        location_id__in=linked_places
    ):
        row.person = survivor
        _stamp(row, by, note)
        row.save()
    for model in (ExploitationFlag, DisruptionActivity):
        for row in model.objects.filter(person=duplicate):
            row.person = survivor
            _stamp(row, by, note)
            row.save()
    survivor_items = {
        item.meeting_id: item
        for item in AgendaItem.objects.filter(
            kind="person", person=survivor, archived_at__isnull=True
        )
    }
    for item in AgendaItem.objects.filter(
        kind="person", person=duplicate, archived_at__isnull=True
    ).select_related("meeting"):
        kept = survivor_items.get(item.meeting_id)
        if kept is None:
            item.person = survivor
            _stamp(item, by, note)
            item.save()
            continue
        agenda_item_merge(item=item, into=kept, reason=note, by=by)


@transaction.atomic
def case_share(
    *, case: Case, agency: Agency, reason: str, lawful_basis: str, consent_by: str = "", by: User
) -> None:
    """Share a case and its child's record with another agency (suspects are shared one by
    one, when the receiving agency asks), on the lawful basis given."""
    for record in (case, case.child):
        record_share(
            record=record, agency=agency, reason=reason, lawful_basis=lawful_basis,
            consent_by=consent_by, by=by,
        )  # fmt: skip


@transaction.atomic
def case_unshare(*, case: Case, agency: Agency, reason: str, by: User) -> None:
    record_unshare(record=case, agency=agency, reason=reason, by=by)
    if not Case.objects.filter(child=case.child, grants__group=agency.group).exists():
        record_unshare(record=case.child, agency=agency, reason=reason, by=by)


@transaction.atomic
def person_share(
    *,
    person: Person,
    agency: Agency,
    reason: str,
    lawful_basis: str,
    consent_by: str = "",
    by: User,
) -> None:
    """Share one person's record (for example a suspect another agency asked for)."""
    record_share(
        record=person, agency=agency, reason=reason, lawful_basis=lawful_basis,
        consent_by=consent_by, by=by,
    )  # fmt: skip


class ShareStillNeeded(Exception):
    """A child's record cannot be withdrawn while a case about them is still shared."""


@transaction.atomic
def person_unshare(*, person: Person, agency: Agency, reason: str, by: User) -> None:
    if Case.objects.filter(child=person, grants__group=agency.group).exists():
        raise ShareStillNeeded(
            f"A case about this child is shared with {agency.name}: withdraw the case share "
            "instead, which withdraws the child's record with it"
        )
    record_unshare(record=person, agency=agency, reason=reason, by=by)


@transaction.atomic
def network_create(*, owner_agency: Agency, name: str, members: list[Person], by: User) -> Network:
    """Confirm a network: suspects join as members of unknown role (the analyst then marks core
    and peripheral members), children as victims."""
    network = Network(owner_agency=owner_agency, name=name, started_on=timezone.localdate())
    _stamp(network, by)
    network.save()
    network_members_add(network=network, members=members, by=by)
    return network


@transaction.atomic
def network_members_add(*, network: Network, members: list[Person], by: User) -> int:
    added = 0
    for person in members:
        role = NetworkMember.Role.VICTIM if person.kind == Person.Kind.CHILD else "unknown"
        _, created = NetworkMember.objects.get_or_create(
            network=network,
            person=person,
            defaults={"role": role, "joined_on": timezone.localdate(), "created_by": by},
        )
        added += created
    return added


@transaction.atomic
def network_member_role_set(*, member: NetworkMember, role: str, by: User) -> None:
    member.role = role
    _stamp(member, by)
    member.save()


@transaction.atomic
def network_member_add(
    *, network: Network, person: Person, role: str, joined_on: date | None, by: User
) -> NetworkMember:
    """Add one person by hand (an analyst's own knowledge, not a suggestion)."""
    member = NetworkMember(network=network, person=person, role=role, joined_on=joined_on)
    _stamp(member, by)
    member.save()
    return member


NETWORK_MEMBER_FIELDS = ("role", "joined_on", "left_on")


@transaction.atomic
def network_member_update(
    *, member: NetworkMember, changes: dict, by: User, reason: str = ""
) -> NetworkMember:
    """Change a member's role or dates; leaving the network is a date, never a deletion."""
    for name, value in changes.items():
        if name not in NETWORK_MEMBER_FIELDS:
            raise ValueError(f"{name} cannot be changed here")
        setattr(member, name, value)
    _stamp(member, by, reason)
    member.save()
    return member


@transaction.atomic
def network_update(*, network: Network, changes: dict, by: User) -> Network:
    for name, value in changes.items():
        setattr(network, name, value)
    _stamp(network, by)
    network.save()
    return network


def suggestion_run_start(*, user: User, background: bool) -> SuggestionRun:
    """Start finding suggested networks for the user: at once for a small graph, or by the
    worker (enqueued when this transaction commits) for a large one."""
    from cases.tasks import suggestion_run_compute as compute_task

    run = SuggestionRun.objects.create(user=user, created_by=user, modified_by=user)
    if background:
        transaction.on_commit(lambda: compute_task.delay(run.pk), robust=True)
    else:
        suggestion_run_compute(run_id=run.pk)
        run.refresh_from_db()
    return run


def suggestion_run_compute(*, run_id: int) -> None:
    """Build the user's link graph and store its suggested networks. Run twice, it computes
    once: only a queued run is taken."""
    from cases import graph as link_graph

    with transaction.atomic():
        run = SuggestionRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != SuggestionRun.Status.QUEUED:
            return
        run.status, run.started_at = SuggestionRun.Status.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])
    try:
        graph = link_graph.link_graph(run.user)
        suggestions = link_graph.suggested_networks(graph)
    except Exception:
        SuggestionRun.objects.filter(pk=run_id).update(
            status=SuggestionRun.Status.FAILED,
            finished_at=timezone.now(),
            error="The groups could not be worked out. Try again; if it fails again, tell "
            "the service desk.",
        )
        raise
    SuggestionRun.objects.filter(pk=run_id).update(
        status=SuggestionRun.Status.DONE,
        finished_at=timezone.now(),
        graph_nodes=graph.number_of_nodes(),
        groups=[
            {
                "people": [p.pk for p in s.people],
                "central": s.central.pk if s.central else None,
                "links": s.links,
            }
            for s in suggestions
        ],
    )


class RetentionRefused(Exception):
    """The review decision cannot be carried out; nothing was changed."""


@transaction.atomic
def retention_review_decide(
    *, record: Case | Person, keep: bool, reason: str, next_review_on: date | None, by: User
) -> Case | Person:
    """A retention review: keep the record until `next_review_on` (by default the period of
    its type from today), or archive it. Either way the decision and its reason are in the
    record's history; nothing is deleted."""
    record_lock_for_edit(record=record, expected_version=None)
    if record.archived_at is not None:
        raise RetentionRefused("This record has already been archived")
    today = timezone.localdate()
    if keep:
        years = settings.RETENTION_REVIEW_YEARS[retention_kind(record)]
        record.review_on = next_review_on or years_before(today, -years)
        _stamp(record, by, f"Retention review: kept until {record.review_on:%-d %B %Y}. {reason}")
        record.save()
        return record
    if (
        isinstance(record, Person)
        and record.cases.filter(status=Case.Status.OPEN, archived_at__isnull=True).exists()
    ):
        raise RetentionRefused("Close the child's open cases before archiving their record")
    record.archived_at, record.archived_by, record.archived_reason = timezone.now(), by, reason
    _stamp(record, by, f"Retention review: archived. {reason}")
    record.save()
    return record
