"""Reads of restrictions. `restriction_condition` is what agencies.access.visible adds to the
access rule for people and cases."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, Q
from django.utils import timezone

from agencies.models import User
from restrictions.models import EmergencyAccess, Restriction, RestrictionMember


def _ids(queryset, field: str) -> ArraySubquery:
    return ArraySubquery(queryset.values(field))


def _open_to(user: User, field: str):
    """Two uncorrelated arrays of the records of `field` ("person" or "case") the user is named
    on, or holds current emergency access to."""
    named = RestrictionMember.objects.filter(
        user_id=user.pk, restriction__lifted_at__isnull=True
    ).values(f"restriction__{field}_id")
    emergency = EmergencyAccess.objects.filter(
        user_id=user.pk, expires_at__gt=timezone.now(), restriction__lifted_at__isnull=True
    ).values(f"restriction__{field}_id")
    return ArraySubquery(named), ArraySubquery(emergency)


def _not_withheld(user: User, column: str, field: str) -> Q:
    from agencies.access import EqualsAny

    restricted = ArraySubquery(
        Restriction.objects.filter(lifted_at__isnull=True, **{f"{field}__isnull": False}).values(
            f"{field}_id"
        )
    )
    named, emergency = _open_to(user, field)
    return (
        Q(~EqualsAny(F(column), restricted))
        | Q(EqualsAny(F(column), named))
        | Q(EqualsAny(F(column), emergency))
    )


def restriction_condition(*, user: User, model) -> Q | None:
    """The condition a person or case must meet, beyond the access rule, for the user to open
    it: not restricted, or restricted and the user named on it or holding current emergency
    access. A case is also closed by a restriction of its child. None for other models."""
    from cases.models import Case, Person

    if model is Person:
        return _not_withheld(user, "pk", "person")
    if model is Case:
        return _not_withheld(user, "pk", "case") & _not_withheld(user, "child_id", "person")
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
    """Every current restriction that closes the record: its own, and for a case its child's."""
    from cases.models import Case

    condition = (
        Q(person=record.child_id) | Q(case=record.pk)
        if isinstance(record, Case)
        else Q(person=record.pk)
    )
    return list(
        Restriction.objects.filter(condition, lifted_at__isnull=True).select_related(
            "person", "case", "agency"
        )
    )


def emergency_access_current(*, user: User, record) -> EmergencyAccess | None:
    """The user's current emergency access that opens the record, if any."""
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
