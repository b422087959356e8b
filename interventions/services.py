"""Writes for exploitation flags, disruption and justice activity, and victim support.

Every function is keyword-only, runs in one transaction and records who acted (`by`) on the
history of each row it writes. The views have already checked that the user may act on the
record (agencies.access); these functions keep the invariants that do not depend on who asks.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User
from cases.models import Case, Location, Network, Person
from core.services import EditConflict, record_lock_for_edit
from interventions.models import (
    CourtDate,
    DisruptionActivity,
    ExploitationFlag,
    FlagReview,
    FlagType,
    VictimSupport,
)
from interventions.selectors import disruption_field, user_may_review_flags

# A flag is looked at again three months after it is set unless its owner chooses otherwise.
DEFAULT_REVIEW_MONTHS = 3


def default_review_on(today: date | None = None) -> date:
    today = today or timezone.localdate()
    month = today.month - 1 + DEFAULT_REVIEW_MONTHS
    year, month = today.year + month // 12, month % 12 + 1
    for day in (today.day, 30, 29, 28):  # the last day of a shorter month
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return today + timedelta(days=90)  # pragma: no cover - unreachable


def _stamp(record, by: User | None, reason: str = "") -> None:
    if record.pk is None:
        record.created_by = by
    record.modified_by = by
    record._history_user = by
    if reason:
        record._change_reason = reason


def _not_in_past(day: date, label: str) -> None:
    if day < timezone.localdate():
        raise ValidationError({label: "The review date must be today or in the future"})


# Flag types ---------------------------------------------------------------------------------


@transaction.atomic
def flag_type_create(
    *, code: str, name: str, description: str, display_order: int, by: User
) -> FlagType:
    flag_type = FlagType(code=code, name=name, description=description, display_order=display_order)
    _stamp(flag_type, by)
    flag_type.save()
    return flag_type


@transaction.atomic
def flag_type_update(
    *,
    flag_type: FlagType,
    name: str,
    description: str,
    display_order: int,
    is_active: bool,
    by: User,
) -> FlagType:
    """Change a type's wording or order, or (de)activate it. Flags already set keep it."""
    flag_type.name = name
    flag_type.description = description
    flag_type.display_order = display_order
    flag_type.is_active = is_active
    _stamp(flag_type, by)
    flag_type.save()
    return flag_type


# Flags --------------------------------------------------------------------------------------


OWNER_CANNOT_REVIEW = "The owner must be someone who records in an agency that sees this record"


@transaction.atomic
def flag_set(
    *,
    record: Person | Location,
    flag_type: FlagType,
    reason: str,
    owner: User,
    review_on: date,
    by: User,
) -> ExploitationFlag:
    """Flag a person or a location. The type must be active, the review date not past, and the
    owner someone who may see the record (they are the one who will review it)."""
    if not flag_type.is_active:
        raise ValidationError({"flag_type": "That type of flag is no longer in use"})
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the flag is set"})
    _not_in_past(review_on, "review_on")
    if not user_may_review_flags(owner, record):
        raise ValidationError({"owner": OWNER_CANNOT_REVIEW})
    flag = ExploitationFlag(
        flag_type=flag_type,
        reason=reason,
        owner=owner,
        review_on=review_on,
        **{"person" if isinstance(record, Person) else "location": record},
    )
    _stamp(flag, by, reason)
    flag.save()
    return flag


def _locked_active(flag: ExploitationFlag) -> ExploitationFlag:
    flag = ExploitationFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.is_archived:
        raise ValidationError("This flag has been removed")
    return flag


@transaction.atomic
def flag_review(
    *,
    flag: ExploitationFlag,
    review_on: date,
    note: str,
    owner: User | None = None,
    by: User,
) -> ExploitationFlag:
    """Record a review and set the next review date, and the owner who reviews it next (kept
    when not given)."""
    flag = _locked_active(flag)
    if not note.strip():
        raise ValidationError({"note": "Enter what the review found"})
    _not_in_past(review_on, "review_on")
    record = flag.person or flag.location
    if owner is not None and owner.pk != flag.owner_id:
        if not user_may_review_flags(owner, record):
            raise ValidationError({"owner": OWNER_CANNOT_REVIEW})
        flag.owner = owner
    review = FlagReview(flag=flag, note=note, next_review_on=review_on)
    _stamp(review, by)
    review.save()
    flag.review_on = review_on
    _stamp(flag, by, f"Reviewed: {note}")
    flag.save()
    return flag


@transaction.atomic
def flag_remove(*, flag: ExploitationFlag, reason: str, by: User) -> ExploitationFlag:
    """Remove a flag: it is archived with the reason, never deleted."""
    flag = _locked_active(flag)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the flag is removed"})
    flag.archived_at = timezone.now()
    flag.archived_by = by
    flag.archived_reason = reason
    _stamp(flag, by, reason)
    flag.save()
    return flag


# Disruption and justice activity ------------------------------------------------------------


@transaction.atomic
def disruption_record(
    *,
    record: Person | Location | Network,
    type: str,
    occurred_on: date,
    agency: Agency,
    details: str,
    outcome: str = "",
    court_result: str = "",
    by: User,
) -> DisruptionActivity:
    if type == DisruptionActivity.Type.COURT_OUTCOME and not court_result:
        raise ValidationError({"court_result": "Select the outcome at court"})
    if type != DisruptionActivity.Type.COURT_OUTCOME:
        court_result = ""
    field = disruption_field(record)
    activity = DisruptionActivity(
        type=type,
        occurred_on=occurred_on,
        agency=agency,
        details=details,
        outcome=outcome,
        court_result=court_result,
        **{field: record},
    )
    _stamp(activity, by)
    activity.save()
    return activity


@transaction.atomic
def disruption_remove(*, activity: DisruptionActivity, reason: str, by: User) -> None:
    """Take an entry recorded in error off the timeline and out of the counts: archived with
    the reason, never deleted."""
    activity = DisruptionActivity.objects.select_for_update().get(pk=activity.pk)
    if activity.is_archived:
        raise ValidationError("This entry has already been removed")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the entry is removed"})
    activity.archived_at = timezone.now()
    activity.archived_by = by
    activity.archived_reason = reason
    _stamp(activity, by, reason)
    activity.save()


# Victim support -----------------------------------------------------------------------------

# The version a form carries for a case that has no support record yet.
NEW_RECORD_VERSION = 0


@transaction.atomic
def victim_support_update(
    *, case: Case, changes: dict, by: User, expected_version: int | None = None
) -> VictimSupport:
    """Change the support of the case's child, making the record the first time. Refused with
    EditConflict, changing nothing, when someone else saved it since the form was shown (a form
    shown before the record existed carries version 0)."""
    # The case's row serialises the first save, so two first edits cannot both make a record.
    Case.objects.select_for_update().filter(pk=case.pk).first()
    support = VictimSupport.objects.filter(case=case).first()
    if support is None:
        support = VictimSupport(case=case)
    elif expected_version == NEW_RECORD_VERSION:
        raise EditConflict(support)
    else:
        record_lock_for_edit(record=support, expected_version=expected_version)
    for name, value in changes.items():
        setattr(support, name, value)
    _stamp(support, by)
    support.save()
    return support


def _support_of(case: Case, by: User) -> VictimSupport:
    Case.objects.select_for_update().filter(pk=case.pk).first()
    support = VictimSupport.objects.filter(case=case).first()
    if support is None:
        support = VictimSupport(case=case)
        _stamp(support, by)
        support.save()
    return support


@transaction.atomic
def court_date_add(
    *, case: Case, date: date, hearing_type: str, note: str = "", by: User
) -> CourtDate:
    court_date = CourtDate(
        victim_support=_support_of(case, by), date=date, hearing_type=hearing_type, note=note
    )
    _stamp(court_date, by)
    court_date.save()
    return court_date


@transaction.atomic
def court_date_remove(*, court_date: CourtDate, reason: str = "", by: User) -> CourtDate:
    """Take a court date off the list (archived, never deleted)."""
    court_date = CourtDate.objects.select_for_update().get(pk=court_date.pk)
    if court_date.is_archived:
        return court_date
    court_date.archived_at = timezone.now()
    court_date.archived_by = by
    court_date.archived_reason = reason or "Removed from the list"
    _stamp(court_date, by, court_date.archived_reason)
    court_date.save()
    return court_date
