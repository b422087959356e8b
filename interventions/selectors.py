"""Reads for flags, disruption activity and victim support. These records follow their parent:
whoever may see the person, location, network or case sees them, and no one else."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from agencies import access
from agencies.models import Agency, Membership, Role, User
from agencies.roles import Capability, role_can
from cases.models import Case, Location, Network, Person, PersonLocation
from interventions.models import (
    CourtDate,
    DisruptionActivity,
    ExploitationFlag,
    FlagType,
    VictimSupport,
)

# Flags whose review falls within this many days are listed as due.
DUE_WITHIN_DAYS = 14
# Timelines on a record page show the most recent activity only.
TIMELINE_LIMIT = 50


def flag_types_offered() -> QuerySet[FlagType]:
    return FlagType.objects.filter(is_active=True, archived_at__isnull=True)


def user_may_review_flags(user: User, record) -> bool:
    """Whether the user may review a flag on `record`: they record in an agency reaching it."""
    return access.can(user, Capability.EDIT_RECORDS, record)


def flag_owner_candidates(record) -> QuerySet[User]:
    """People who may own a flag on `record`: active members, with a role that records (and
    so may review the flag), of an agency that reaches it (its holder or an agency it is
    shared with)."""
    reachable = {record.owner_agency_id} | access.shared_agency_ids(record)
    roles = [r for r in Role if role_can(r, Capability.EDIT_RECORDS)]
    memberships = Membership.objects.filter(
        agency_id__in=reachable, agency__is_active=True, is_active=True, role__in=roles
    )
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by(
        "full_name"
    )


def flags_of(record) -> QuerySet[ExploitationFlag]:
    """The active (not removed) flags of a person or a location."""
    field = "person" if isinstance(record, Person) else "location"
    return ExploitationFlag.objects.filter(
        **{field: record}, archived_at__isnull=True
    ).select_related("flag_type", "owner", "created_by")


def flags_removed_of(record, limit: int = 20) -> QuerySet[ExploitationFlag]:
    field = "person" if isinstance(record, Person) else "location"
    return (
        ExploitationFlag.objects.filter(**{field: record}, archived_at__isnull=False)
        .select_related("flag_type", "archived_by")
        .order_by("-archived_at")[:limit]
    )


# Who answers for a flag whose owner can no longer review it: the holding agency's managers.
FLAG_MANAGING_ROLES = (Role.SUPERVISOR, Role.CSE_LEAD)


def _owner_may_review(field: str) -> Exists:
    """Whether the flag's owner still records in an active agency that reaches the flagged
    record (its holder, or an agency it is shared with): as flag_owner_candidates, in SQL."""
    model = Person if field == "person" else Location
    shared = access.grant_model_of(model).objects.filter(
        content_object_id=OuterRef(OuterRef(field)),
        group_id=OuterRef("agency__group_id"),
        permission__codename=access.view_codename(model),
    )
    return Exists(
        Membership.objects.filter(
            user_id=OuterRef("owner_id"),
            user__is_active=True,
            is_active=True,
            agency__is_active=True,
            role__in=[r for r in Role if role_can(r, Capability.EDIT_RECORDS)],
        ).filter(Q(agency_id=OuterRef(f"{field}__owner_agency_id")) | Exists(shared))
    )


def flags_due_for_review(*, user: User, today: date | None = None) -> QuerySet[ExploitationFlag]:
    """The user's own flags to review within DUE_WITHIN_DAYS (or overdue), and for a supervisor
    or CSE lead, every flag on their agency's records whose owner can no longer review it
    (left, or the record no longer shared with them), annotated `orphaned`; only on records
    the user may still see."""
    today = today or timezone.localdate()
    people = access.visible(
        user, Person.objects.filter(archived_at__isnull=True, merged_into__isnull=True)
    )
    locations = access.visible(user, Location.objects.filter(archived_at__isnull=True))
    managed = [m.agency_id for m in access.user_agency_roles(user) if m.role in FLAG_MANAGING_ROLES]
    orphaned = Q(person__isnull=False) & ~_owner_may_review("person") | Q(
        location__isnull=False
    ) & ~_owner_may_review("location")
    held_by_managed = Q(person__owner_agency_id__in=managed) | Q(
        location__owner_agency_id__in=managed
    )
    flags = ExploitationFlag.objects.annotate(
        orphaned=ExpressionWrapper(orphaned, output_field=BooleanField())
    ).filter(archived_at__isnull=True)
    mine = Q(owner=user, review_on__lte=today + timedelta(days=DUE_WITHIN_DAYS))
    if managed:
        # Listed whatever its date: until someone takes it over, no one will review it.
        mine |= held_by_managed & Q(orphaned=True)
    return (
        flags.filter(mine)
        .filter(Q(person__in=people.values("pk")) | Q(location__in=locations.values("pk")))
        .select_related("flag_type", "person", "location", "owner")
        .order_by("review_on", "pk")
    )


def disruption_field(record) -> str:
    if isinstance(record, Person):
        return "person"
    if isinstance(record, Location):
        return "location"
    if isinstance(record, Network):
        return "network"
    raise TypeError(type(record).__name__)


def disruption_timeline(record, limit: int = TIMELINE_LIMIT) -> list[DisruptionActivity]:
    return list(
        DisruptionActivity.objects.filter(
            **{disruption_field(record): record}, archived_at__isnull=True
        )
        .select_related("agency")
        .order_by("-occurred_on", "-created_at")[:limit]
    )


def disruption_agencies(record) -> QuerySet[Agency]:
    """Agencies that may be named as responsible: the partnership(s) of the record's holder."""
    holder = Agency.objects.get(pk=record.owner_agency_id)
    return (
        Agency.objects.filter(partnerships__in=holder.partnerships.all(), is_active=True)
        .distinct()
        .order_by("name")
    )


def disruption_counts(*, agency_ids: list[int], start: date, end: date) -> dict[str, int]:
    """Disruption and justice activity dated in [start, end], not archived, on records (people,
    locations, networks) held by `agency_ids`: a count for every activity type, zeros included."""
    rows = (
        DisruptionActivity.objects.filter(
            archived_at__isnull=True,
            occurred_on__gte=start,
            occurred_on__lte=end,
        )
        .filter(
            Q(person__owner_agency_id__in=agency_ids)
            | Q(location__owner_agency_id__in=agency_ids)
            | Q(network__owner_agency_id__in=agency_ids)
        )
        .values("type")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {value: 0 for value in DisruptionActivity.Type.values}
    counts.update({row["type"]: row["n"] for row in rows})
    return counts


def places_of_person(*, user: User, person: Person, limit: int = 50) -> list[PersonLocation]:
    """The places linked to a person that the user may see."""
    locations = access.visible(user, Location.objects.filter(archived_at__isnull=True))
    return list(
        PersonLocation.objects.filter(person=person, location__in=locations.values("pk"))
        .select_related("location")
        .order_by("location__type", "pk")[:limit]
    )


def people_at_location(*, user: User, location: Location, limit: int = 100) -> list:
    """The people linked to a place that the user may see; the others are not mentioned."""
    people = access.visible(
        user, Person.objects.filter(archived_at__isnull=True, merged_into__isnull=True)
    )
    return list(
        PersonLocation.objects.filter(location=location, person__in=people.values("pk"))
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")[:limit]
    )


# A case read with victim_support_exists() annotated says whether it has support recorded:
# its page then reads it only when there is some.
HAS_VICTIM_SUPPORT = "has_victim_support"


def victim_support_exists() -> Exists:
    """For a queryset of cases: whether each has support through the justice process."""
    return Exists(VictimSupport.objects.filter(case=OuterRef("pk"), archived_at__isnull=True))


def victim_support_of(case: Case) -> VictimSupport | None:
    if case.__dict__.get(HAS_VICTIM_SUPPORT) is False:
        return None
    return (
        VictimSupport.objects.filter(case=case, archived_at__isnull=True)
        .select_related("support_worker_agency")
        .first()
    )


def court_dates_of(support: VictimSupport | None) -> list[CourtDate]:
    if support is None:
        return []
    return list(support.court_dates.filter(archived_at__isnull=True).order_by("date", "pk")[:50])
