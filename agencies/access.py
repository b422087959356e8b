"""The access rule, built once. Every list, detail page, search, export and dashboard asks here.

A user may see an identifiable record only if it is owned by one of the user's agencies, or it
has been shared with one of them, and only through a membership whose role opens records
(agencies.roles.RECORD_CAPABILITIES). Shares are django-guardian grants to the agency's group,
stored in a direct foreign-key grant model per shared model. A record the user may not see
answers exactly like one that does not exist (404), and the refusal is logged.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db import models, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest

from agencies.access_log import access_log_record
from agencies.models import (
    AccessLogEntry,
    Agency,
    AgencyGrant,
    AgencyOwnedModel,
    LawfulBasis,
    User,
)
from agencies.roles import RECORD_CAPABILITIES, Capability, role_can

Action = AccessLogEntry.Action


@dataclass(frozen=True)
class AgencyRole:
    agency_id: int
    group_id: int
    role: str
    # The agency's type (Agency.Type): police forces see police-only concerns and notes.
    agency_type: str = ""


def _memberships_read(user: User) -> None:
    """One query for the user's active memberships with their agencies: what the access rule
    uses (those in active agencies, `_agency_roles`) and what the page header names
    (`_memberships_shown`)."""
    memberships = list(user.memberships.filter(is_active=True).select_related("agency"))
    user._memberships_shown = memberships
    user._agency_roles = [
        AgencyRole(
            agency_id=m.agency_id,
            group_id=m.agency.group_id,
            role=m.role,
            agency_type=m.agency.type,
        )
        for m in memberships
        if m.agency.is_active
    ]


def user_agency_roles(user: User | AnonymousUser) -> list[AgencyRole]:
    """The user's active memberships in active agencies (read once per request object)."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_agency_roles", None)
    if cached is None:
        _memberships_read(user)
        cached = user._agency_roles
    return cached


def user_memberships(user: User | AnonymousUser) -> list:
    """The user's active memberships with their agencies, active or not, in the order of
    agency name and role (read with user_agency_roles, once per request object)."""
    if not user.is_authenticated:
        return []
    if getattr(user, "_agency_roles", None) is None or not hasattr(user, "_memberships_shown"):
        _memberships_read(user)
    return user._memberships_shown


def agency_ids_with(user: User | AnonymousUser, capability: Capability) -> list[int]:
    return [m.agency_id for m in user_agency_roles(user) if role_can(m.role, capability)]


def record_agencies(user: User | AnonymousUser) -> list[AgencyRole]:
    """Memberships through which the user may see identifiable records."""
    return [
        m
        for m in user_agency_roles(user)
        if any(role_can(m.role, capability) for capability in RECORD_CAPABILITIES)
    ]


def grant_model_of(model: type[AgencyOwnedModel]) -> type[AgencyGrant]:
    for related in model._meta.related_objects:
        if (
            issubclass(related.related_model, AgencyGrant)
            and related.field.name == "content_object"
        ):
            return related.related_model
    raise LookupError(f"{model.__name__} has no grant model")


def view_codename(model: type[models.Model]) -> str:
    return f"view_{model._meta.model_name}"


class EqualsAny(Func):
    """`expression = ANY(array)`. With an uncorrelated ARRAY(subquery), PostgreSQL reads the
    grants once and can use the primary key's index for the result, so that the access rule
    costs a list the rows the user may see (a BitmapOr of the owner index and the key index)
    and a detail page nothing when the user's agency owns the record. `owner OR EXISTS(grant)`
    would instead probe the grants for every row of the table."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


def visible(
    user: User | AnonymousUser,
    queryset: QuerySet,
    *,
    with_withheld: bool = False,
    through: Collection[int] | None = None,
) -> QuerySet:
    """The records of `queryset` the user may see, as one query: owned by one of the user's
    agencies, or granted to one of their groups, and not restricted away from them
    (restrictions.selectors.restriction_condition). No per-row check.

    `with_withheld` keeps the restricted records the user would otherwise see, annotated
    `withheld=True`, for the lists and searches that show only that such a record exists.
    `through` limits the user's agencies to those ids: what the user sees as a member of them
    alone (a meeting's minutes open only what the user's attending agencies may see)."""
    from restrictions.selectors import restriction_condition

    memberships = record_agencies(user)
    if through is not None:
        memberships = [m for m in memberships if m.agency_id in through]
    if not memberships:
        return queryset.none()
    reachable = reachable_through(memberships, queryset)
    condition = restriction_condition(user=user, model=queryset.model)
    if with_withheld:
        # Unknown counts as withheld: a list must never show a record it cannot vouch for.
        withheld = (
            Coalesce(ExpressionWrapper(~condition, output_field=BooleanField()), Value(True))
            if condition is not None
            else Value(False)
        )
        return reachable.annotate(withheld=withheld)
    return reachable if condition is None else reachable.filter(condition)


def reachable(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """The records the access rule alone lets the user reach, restricted or not: only for
    deciding who may ask for emergency access to a restricted record, never for showing one."""
    memberships = record_agencies(user)
    return reachable_through(memberships, queryset) if memberships else queryset.none()


def reachable_through(memberships: list[AgencyRole], queryset: QuerySet) -> QuerySet:
    """The access rule alone: owned by one of the agencies, or granted to one of their groups."""
    granted = (
        grant_model_of(queryset.model)
        .objects.filter(
            group_id__in=[m.group_id for m in memberships],
            permission__codename=view_codename(queryset.model),
        )
        .values("content_object_id")
    )
    return queryset.filter(
        Q(owner_agency_id__in=[m.agency_id for m in memberships])
        | EqualsAny(F("pk"), ArraySubquery(granted))
    )


# The annotation with_shared_agency_ids() reads them into, with the record itself.
_SHARED_WITH_READ = "shared_agency_ids_read"


def _view_grants_of(model: type[AgencyOwnedModel]) -> QuerySet:
    return grant_model_of(model).objects.filter(permission__codename=view_codename(model))


def with_shared_agency_ids(queryset: QuerySet) -> QuerySet:
    """`queryset` with the agencies each record is shared with read in the same query, as of
    that read (like any column of the record): for a record page, which lists them and whose
    panels ask can() about the record several times, with no query each."""
    grants = (
        _view_grants_of(queryset.model)
        .filter(content_object_id=OuterRef("pk"))
        .order_by()
        .values("group__agency__id")
    )
    return queryset.annotate(**{_SHARED_WITH_READ: ArraySubquery(grants)})


def shared_agency_ids(record: AgencyOwnedModel) -> set[int]:
    """The agencies `record` is shared with: as read with the record (with_shared_agency_ids),
    or now. record_share and record_unshare forget what was read with it."""
    read = record.__dict__.get(_SHARED_WITH_READ)
    if read is None:
        grants = _view_grants_of(type(record)).filter(content_object=record)
        read = grants.values_list("group__agency__id", flat=True)
    return set(read)


def shared_agency_ids_forget(record: AgencyOwnedModel) -> None:
    record.__dict__.pop(_SHARED_WITH_READ, None)


def acting_agencies(user: User | AnonymousUser, record: AgencyOwnedModel) -> list[AgencyRole]:
    """The user's memberships through which they reach `record`: its owner, or an agency it is
    shared with."""
    memberships = record_agencies(user)
    if not memberships:
        return []
    if all(m.agency_id == record.owner_agency_id for m in memberships):
        return memberships  # each reaches it as its holder, whoever else it is shared with
    reachable = {record.owner_agency_id} | shared_agency_ids(record)
    return [m for m in memberships if m.agency_id in reachable]


# What only the agency holding a record may do with it, whoever else it is shared with.
OWNER_ONLY = frozenset({Capability.SHARE_RECORDS, Capability.RESTRICT_RECORDS})


def can(user: User | AnonymousUser, capability: Capability, record: AgencyOwnedModel) -> bool:
    """Whether the user holds `capability` in an agency that reaches the record. Sharing onward
    and restricting are for the owning agency only."""
    memberships = acting_agencies(user, record)
    if capability in OWNER_ONLY:
        memberships = [m for m in memberships if m.agency_id == record.owner_agency_id]
    return any(role_can(m.role, capability) for m in memberships)


def get_visible_or_404(
    request: HttpRequest, queryset: QuerySet, public_id: uuid.UUID | str
) -> AgencyOwnedModel:
    """The record with `public_id` if the user may see it; otherwise 404, with the refusal in
    the access log when the record exists (the CSE leads of both agencies can see it)."""
    user = request.user
    # The public id is unique: no ordering (first() would sort by the model's).
    record = next(iter(visible(user, queryset).filter(public_id=public_id).order_by()[:1]), None)
    if record is not None:
        return record
    existing = queryset.model._base_manager.filter(public_id=public_id).first()
    if existing is not None:
        memberships = user_agency_roles(user)
        access_log_record(
            user=user,
            agency_id=memberships[0].agency_id if memberships else None,
            action=Action.DENIED,
            record=existing,
        )
    raise Http404("No such record")


def log_view(
    request: HttpRequest,
    record: AgencyOwnedModel,
    *,
    action: str = Action.VIEW,
    detail: dict | None = None,
) -> None:
    memberships = acting_agencies(request.user, record)
    access_log_record(
        user=request.user,
        agency_id=memberships[0].agency_id if memberships else None,
        action=action,
        record=record,
        detail=detail,
    )


class BasisMissing(ValueError):
    """A share without its lawful basis, or with consent but not who gave it."""


@transaction.atomic
def record_share(
    *,
    record: AgencyOwnedModel,
    agency: Agency,
    reason: str,
    lawful_basis: str,
    consent_by: str = "",
    by: User,
    allow_change: bool = True,
) -> None:
    """Share `record` with `agency`: grants to the agency's group, logged with the reason and
    the lawful basis (consent and who gave it, or a gateway and the reason)."""
    if lawful_basis not in LawfulBasis.values:
        raise BasisMissing("Choose the lawful basis for sharing")
    if lawful_basis == LawfulBasis.CONSENT and not consent_by.strip():
        raise BasisMissing("Enter who gave consent")
    if lawful_basis != LawfulBasis.CONSENT:
        consent_by = ""
    model = type(record)
    grant_model = grant_model_of(model)
    shared_agency_ids_forget(record)
    codenames = [view_codename(model)] + (
        [f"change_{model._meta.model_name}"] if allow_change else []
    )
    for permission in Permission.objects.filter(
        content_type__app_label=model._meta.app_label, codename__in=codenames
    ):
        grant_model.objects.get_or_create(
            content_object=record,
            group=agency.group,
            permission=permission,
            defaults={
                "reason": reason,
                "granted_by": by,
                "lawful_basis": lawful_basis,
                "consent_by": consent_by.strip(),
            },
        )
    access_log_record(
        user=by,
        agency_id=record.owner_agency_id,
        action=Action.SHARE,
        record=record,
        reason=reason,
        detail={"shared_with": agency.code, "lawful_basis": lawful_basis},
    )


@transaction.atomic
def record_unshare(*, record: AgencyOwnedModel, agency: Agency, reason: str, by: User) -> int:
    """Withdraw every grant of `record` to `agency`; the grants' history keeps what there was."""
    grants = grant_model_of(type(record)).objects.filter(content_object=record, group=agency.group)
    shared_agency_ids_forget(record)
    withdrawn = 0
    for grant in grants:
        grant._change_reason = reason
        grant.delete()
        withdrawn += 1
    access_log_record(
        user=by,
        agency_id=record.owner_agency_id,
        action=Action.UNSHARE,
        record=record,
        reason=reason,
        detail={"withdrawn_from": agency.code},
    )
    return withdrawn
