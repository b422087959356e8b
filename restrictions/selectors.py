"""Reads of restrictions. `restriction_condition` is what agencies.access.visible adds to the
access rule for people and cases."""

from __future__ import annotations

from functools import cache

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import BigIntegerField, Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from agencies.models import User
from restrictions.models import EmergencyAccess, Restriction, RestrictionMember

# The arrays below are uncorrelated: they read the restrictions alone, never a column of the
# query they are put in. Every list and page that applies the access rule compiles them, so
# they are written once as SQL, from the models' own table and column names, instead of being
# composed by the ORM for each query (about 2 ms of CPU a query). Values are parameters.


@cache
def _sql(field: str) -> dict[str, str]:
    """For `field` ("person" or "case"): the records under a current restriction, and those of
    them a given user is named on or holds emergency access to until after a given time. Only
    table and column names go into the text (S608): every value is a parameter."""
    quote = connection.ops.quote_name

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    restriction = quote(Restriction._meta.db_table)
    record = column(Restriction, field)
    current = f"r.{column(Restriction, 'lifted_at')} IS NULL AND r.{record} IS NOT NULL"

    def opened(model) -> str:
        on = f"r.{column(Restriction, 'id')} = o.{column(model, 'restriction')}"
        user = f"o.{column(model, 'user')} = %s"
        table = quote(model._meta.db_table)
        return (
            f"SELECT r.{record} FROM {table} o JOIN {restriction} r ON {on} "  # noqa: S608
            f"WHERE {user} AND {current}"
        )

    until = f"o.{column(EmergencyAccess, 'expires_at')} > %s"
    return {
        "restricted": f"SELECT r.{record} FROM {restriction} r WHERE {current}",  # noqa: S608
        "named": opened(RestrictionMember),
        "emergency": f"{opened(EmergencyAccess)} AND {until}",
    }


def _array(sql: str, params: tuple = ()) -> RawSQL:
    # Built from model metadata alone (_sql); every value is a parameter.
    return RawSQL(f"ARRAY({sql})", params, output_field=ArrayField(BigIntegerField()))  # noqa: S611


def _restricted(field: str) -> RawSQL:
    """The records of `field` under a current restriction (no NULLs: a NULL in the array would
    make `x <> ALL(array)` unknown instead of true)."""
    return _array(_sql(field)["restricted"])


def _open_to(user: User, field: str) -> tuple[RawSQL, RawSQL]:
    """Two uncorrelated arrays of the records of `field` ("person" or "case") the user is named
    on, or holds current emergency access to. Restrictions of the other kind of record are left
    out: a NULL in the array would make `x = ANY(array)` unknown instead of false."""
    sql = _sql(field)
    return (
        _array(sql["named"], (user.pk,)),
        _array(sql["emergency"], (user.pk, timezone.now())),
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
        return Q(~EqualsAny(F("pk"), _restricted("person"))) | _opened(user, "pk", "person")
    if model is Case:
        own = Q(~EqualsAny(F("pk"), _restricted("case"))) | _opened(user, "pk", "case")
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


# A record read with restrictions_exist() annotated says whether anything closes it: its page
# then reads the restrictions only when there are some.
HAS_RESTRICTIONS = "has_restrictions"


def _closing(model, case: str, child: str, owner: str) -> Q:
    """What restrictions_over reads: a case's own restriction and its child's made by the
    case's agency, or a person's own (the arguments name the record's columns)."""
    from cases.models import Case

    if model is Case:
        return Q(person=child, agency=owner) | Q(case=case)
    return Q(person=case)


def restrictions_exist(model) -> Exists:
    """For a queryset of people or cases: whether any current restriction closes each."""
    closing = _closing(model, OuterRef("pk"), OuterRef("child_id"), OuterRef("owner_agency_id"))
    return Exists(Restriction.objects.filter(closing, lifted_at__isnull=True))


def restrictions_over(*, record, for_panel: bool = False) -> list[Restriction]:
    """Every current restriction that closes the record: its own, and for a case its child's
    made by the case's agency. `for_panel`: with who made each, instead of the records and
    agencies (the record's page has those already)."""
    if record.__dict__.get(HAS_RESTRICTIONS) is False:
        return []
    condition = _closing(
        type(record), record.pk, getattr(record, "child_id", None), record.owner_agency_id
    )
    related = ("created_by",) if for_panel else ("person", "case", "agency")
    return list(
        Restriction.objects.filter(condition, lifted_at__isnull=True).select_related(*related)
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
