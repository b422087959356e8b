"""A record's change history as rows a person can read: field, old value, new value, who, when.

A record's history is its own versions, the versions of the parts that belong to it (a
person's aliases, a concern's suspects, a network's members) and the shares given and
withdrawn, merged into one list, newest first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import models

from agencies.access import grant_model_of
from agencies.models import Agency, AgencyOwnedModel
from cases.models import (
    Case,
    CaseNote,
    Concern,
    ConcernDetail,
    ConcernLocation,
    ConcernPerson,
    MissingEpisode,
    Network,
    NetworkMember,
    Person,
    PersonAlias,
    PersonContact,
    PersonIdentifier,
)
from cases.selectors import people_visible

HIDDEN_FIELDS = {
    "id",
    "public_id",
    "created_at",
    "modified_at",
    "created_by",
    "modified_by",
    "search_vector",
}
# Foreign keys whose target is safe and useful to name; any other link (to a person, a case)
# is structural, and naming it could show a record the reader may not see.
NAMED_TARGETS = ("agencies.User", "agencies.Agency", "indicators.IndicatorSet")
KINDS = {"+": "Created", "~": "Changed", "-": "Removed"}


@dataclass(frozen=True)
class Change:
    at: datetime
    who: str
    kind: str
    field: str
    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class Part:
    """Rows that belong to the record, each shown as one value (an alias, a member)."""

    label: str
    versions: models.QuerySet
    describe: Callable[[models.Model], str] = lambda version: str(version.instance)


def _display(record, field: models.Field) -> str:
    value = getattr(record, field.attname)
    if value in (None, ""):
        return "–"
    if field.is_relation:
        if field.related_model._meta.label in NAMED_TARGETS:
            return str(getattr(record, field.name))
        return "A linked record"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "–"
    return str(value)


def _who(version) -> str:
    return version.history_user.full_name if version.history_user else "System"


def _own_changes(record: models.Model) -> Iterable[Change]:
    versions = record.history.select_related("history_user").order_by("history_id")
    fields = [f for f in record._meta.concrete_fields if f.name not in HIDDEN_FIELDS]
    previous = None
    for version in versions:
        for field in fields:
            new = _display(version, field)
            old = _display(previous, field) if previous is not None else "–"
            if old == new:
                continue
            yield Change(
                at=version.history_date,
                who=_who(version),
                kind=KINDS[version.history_type],
                field=str(field.verbose_name).capitalize(),
                old=old,
                new=new,
                reason=version.history_change_reason or "",
            )
        previous = version


def _part_changes(part: Part) -> Iterable[Change]:
    previous: dict[int, str] = {}
    for version in part.versions.select_related("history_user").order_by("history_id"):
        value = part.describe(version)
        if getattr(version, "archived_at", None) is not None:
            value = f"{value} (archived)"
        if version.history_type == "-":
            old, new, kind = previous.get(version.id, value), "–", "Removed"
        else:
            old, new = previous.get(version.id, "–"), value
            kind = "Added" if version.history_type == "+" else "Changed"
            if old == new:
                continue
        previous[version.id] = value
        yield Change(
            at=version.history_date,
            who=_who(version),
            kind=kind,
            field=part.label,
            old=old,
            new=new,
            reason=version.history_change_reason or "",
        )


def _share_changes(record: AgencyOwnedModel) -> Iterable[Change]:
    """One row per share given or withdrawn (a share is one grant per permission)."""
    versions = list(
        grant_model_of(type(record))
        .history.filter(content_object_id=record.pk)
        .select_related("history_user")
        .order_by("history_id")
    )
    agencies = dict(
        Agency.objects.filter(group_id__in={v.group_id for v in versions}).values_list(
            "group_id", "name"
        )
    )
    seen = set()
    for version in versions:
        key = (version.history_type, version.group_id, version.history_date.replace(microsecond=0))
        if key in seen or version.history_type == "~":
            continue
        seen.add(key)
        agency = agencies.get(version.group_id, "An agency")
        given = version.history_type == "+"
        yield Change(
            at=version.history_date,
            who=_who(version),
            kind="Shared" if given else "Share withdrawn",
            field="Shared with",
            old="–" if given else agency,
            new=agency if given else "–",
            reason=version.reason if given else (version.history_change_reason or ""),
        )


def history_changes(record: models.Model, *, parts: Sequence[Part] = ()) -> list[Change]:
    """Newest first. Creation shows every recorded value; later versions only what changed."""
    changes = list(_own_changes(record))
    for part in parts:
        changes.extend(_part_changes(part))
    if isinstance(record, AgencyOwnedModel):
        changes.extend(_share_changes(record))
    return sorted(changes, key=lambda change: change.at, reverse=True)


def _person_label(user, versions: models.QuerySet) -> Callable[[int], str]:
    """Names a person linked in `versions` only when the reader may see their record."""
    person_ids = set(versions.values_list("person_id", flat=True))
    people = {
        person.pk: str(person) for person in people_visible(user=user).filter(pk__in=person_ids)
    }

    def label(person_id: int) -> str:
        return people.get(person_id, "A person whose record is not shared with you")

    return label


def _missing(version) -> str:
    ended = f" to {version.ended_at:%d %B %Y %H:%M}" if version.ended_at else ", not returned"
    return (
        f"{version.get_type_display()} from {version.started_at:%d %B %Y %H:%M}{ended}; "
        f"return interview {version.get_return_interview_display().lower()}"
    )


def case_history(case: Case, *, user) -> list[Change]:
    """The case's changes, with its missing episodes and the notes the user may read (a note's
    handling code holds for its history too)."""
    from cases.selectors import handling_permits

    readable = CaseNote.objects.filter(
        handling_permits(user=user, originator="agency"), case_id=case.pk
    ).values("pk")
    return history_changes(
        case,
        parts=[
            Part("Missing episode", MissingEpisode.history.filter(case_id=case.pk), _missing),
            Part("Note", CaseNote.history.filter(id__in=readable), lambda v: v.text),
        ],
    )


def person_history(person: Person) -> list[Change]:
    return history_changes(
        person,
        parts=[
            Part("Alias", PersonAlias.history.filter(person_id=person.pk)),
            Part("Identifier", PersonIdentifier.history.filter(person_id=person.pk)),
            Part(
                "Address, phone, vehicle or handle",
                PersonContact.history.filter(person_id=person.pk),
            ),
        ],
    )


def concern_history(concern: Concern, *, user) -> list[Change]:
    people = ConcernPerson.history.filter(concern_id=concern.pk)
    person = _person_label(user, people)
    return history_changes(
        concern,
        parts=[
            Part(
                "Person involved",
                people,
                lambda v: f"{person(v.person_id)} ({v.get_role_display().lower()})",
            ),
            Part("Vehicle or phone", ConcernDetail.history.filter(concern_id=concern.pk)),
            Part(
                "Location",
                ConcernLocation.history.filter(concern_id=concern.pk),
                lambda v: str(v.location),
            ),
        ],
    )


def network_history(network: Network, *, user) -> list[Change]:
    members = NetworkMember.history.filter(network_id=network.pk)
    person = _person_label(user, members)

    def member(version) -> str:
        joined = f", joined {version.joined_on:%d %B %Y}" if version.joined_on else ""
        left = f", left {version.left_on:%d %B %Y}" if version.left_on else ""
        role = version.get_role_display().lower()
        return f"{person(version.person_id)}: {role}{joined}{left}"

    return history_changes(network, parts=[Part("Member", members, member)])
