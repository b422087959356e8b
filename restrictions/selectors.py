"""Reads of restrictions. `restriction_condition` is what agencies.access.visible adds to the
access rule for people and cases."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from agencies.models import User
from restrictions.models import EmergencyAccess, Restriction, RestrictionMember


def _open_to(user: User, field: str):
    """Two uncorrelated arrays of the records of `field` ("person" or "case") the user is named
    on, or holds current emergency access to. Restrictions of the other kind of record are left
    out: a NULL in the array would make `x = ANY(array)` unknown instead of false."""
    current = {"restriction__lifted_at__isnull": True, f"restriction__{field}__isnull": False}
    named = RestrictionMember.objects.filter(user_id=user.pk, **current)
    emergency = EmergencyAccess.objects.filter(
        user_id=user.pk, expires_at__gt=timezone.now(), **current
    )
    return (
        ArraySubquery(named.values(f"restriction__{field}_id")),
        ArraySubquery(emergency.values(f"restriction__{field}_id")),
    )


def _opened(user: User, column: str, field: str) -> Q:
    from agencies.access import EqualsAny

    named, emergency = _open_to(user, field)
    return Q(EqualsAny(F(column), named)) | Q(EqualsAny(F(column), emergency))


def restriction_condition(*, user: User, model) -> Q | None:
    """The condition a person or case must meet, beyond the access rule, for the user to open
    it: not restricted, or restricted and the user named on it or holding current emergency
    access. A case is also closed by a restriction of its child made by the case's own agency
    (another agency's case about the child is that agency's record). None for other models."""
    from agencies.access import EqualsAny
    from cases.models import Case, Person

    if model is Person:
        restricted = Restriction.objects.filter(lifted_at__isnull=True, person__isnull=False)
        return Q(~EqualsAny(F("pk"), ArraySubquery(restricted.values("person_id")))) | _opened(
            user, "pk", "person"
        )
    if model is Case:
        restricted = Restriction.objects.filter(lifted_at__isnull=True, case__isnull=False)
        own = Q(~EqualsAny(F("pk"), ArraySubquery(restricted.values("case_id")))) | _opened(
            user, "pk", "case"
        )
        through_child = Restriction.objects.filter(
            lifted_at__isnull=True,
            person_id=OuterRef("child_id"),
            agency_id=OuterRef("owner_agency_id"),
        )
        child = Q(~Exists(through_child)) | _opened(user, "child_id", "person")
        return own & child
    return None


def restriction_of(*, record) -> Restriction | None:
    """The record's own current restriction (not one it inherits)."""
    from cases.models import Person

    field = "person" if isinstance(record, Person) else "case"
    return (
        Restriction.objects.filter(lifted_at__isnull=True, **{field: record})
        .select_related("created_by")
        .first()
    )


def restrictions_over(*, record) -> list[Restriction]:
    """Every current restriction that closes the record: its own, and for a case its child's
    made by the case's agency."""
    from cases.models import Case

    condition = (
        Q(person=record.child_id, agency=record.owner_agency_id) | Q(case=record.pk)
        if isinstance(record, Case)
        else Q(person=record.pk)
    )
    return list(
        Restriction.objects.filter(condition, lifted_at__isnull=True).select_related(
            "person", "case", "agency"
        )
    )


def emergency_access_current(
    *, user: User, record, restrictions: list[Restriction] | None = None
) -> EmergencyAccess | None:
    """The user's current emergency access that opens the record, if any (`restrictions`: those
    over the record, where the caller has read them already)."""
    if restrictions is None:
        restrictions = restrictions_over(record=record)
    if not restrictions:
        return None
    return (
        EmergencyAccess.objects.filter(
            user_id=user.pk, restriction__in=restrictions, expires_at__gt=timezone.now()
        )
        .order_by("expires_at")
        .first()
    )


def is_named(*, user: User, restriction: Restriction) -> bool:
    return restriction.named.filter(user_id=user.pk).exists()


def is_lead_of(*, user: User, agency_id: int) -> bool:
    """Whether the user is a CSE lead of the agency (who may lift its restrictions)."""
    from agencies.access import user_agency_roles
    from agencies.models import Role

    return any(
        m.agency_id == agency_id and m.role == Role.CSE_LEAD for m in user_agency_roles(user)
    )
