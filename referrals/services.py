"""The referral workflow. Each transition locks the referral row, checks the state it is in,
and refuses (changing nothing) when the transition is not allowed from there, so a second
click, a concurrent request or an out-of-order step cannot take effect twice."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.access import BasisMissing
from agencies.access_log import access_log_record
from agencies.models import AccessLogEntry, Agency, LawfulBasis, Role, User
from cases.models import Case, Person
from cases.services import case_share
from core.models import Task
from core.services import task_create
from indicators.models import RiskAssessment
from referrals import deadlines
from referrals.models import Escalation, Referral

S = Referral.Status


class RecordRestricted(Exception):
    """A restricted case is not referred; nothing was changed."""


class TransitionRefused(Exception):
    """The referral is not in a state that allows this step; nothing was changed."""


# The only transitions that exist: (from states, to state).
TRANSITIONS: dict[str, tuple[set[str], str]] = {
    "send": ({S.DRAFT}, S.SENT),
    "acknowledge": ({S.SENT}, S.ACKNOWLEDGED),
    "accept": ({S.ACKNOWLEDGED}, S.ACCEPTED),
    "decline": ({S.ACKNOWLEDGED}, S.DECLINED),
    "withdraw": ({S.DRAFT, S.SENT, S.ACKNOWLEDGED}, S.WITHDRAWN),
    "close": ({S.ACCEPTED}, S.CLOSED),
}

REFUSALS = {
    S.SENT: "This referral has already been sent",
    S.ACKNOWLEDGED: "This referral has already been acknowledged",
    S.ACCEPTED: "This referral has already been accepted",
    S.DECLINED: "This referral has been declined",
    S.WITHDRAWN: "This referral has been withdrawn",
    S.CLOSED: "This referral is closed",
    S.DRAFT: "This referral has not been sent yet",
}


@dataclass
class ReferralData:
    to_agency: Agency
    urgency: str
    reason: str
    asked_for: str
    already_done: str
    child_family_aware: str
    lawful_basis: str
    consent_by: str = ""
    basis_reason: str = ""


def _basis(data: ReferralData) -> tuple[str, str, str]:
    """The basis on which the case will be shared: consent and who gave it, or a gateway and
    why; only what the basis needs is kept. Raises BasisMissing."""
    consent_by, basis_reason = data.consent_by.strip(), data.basis_reason.strip()
    if data.lawful_basis not in LawfulBasis.values or data.lawful_basis == LawfulBasis.NOT_RECORDED:
        raise BasisMissing("Choose the lawful basis for sharing")
    if data.lawful_basis == LawfulBasis.CONSENT:
        if not consent_by:
            raise BasisMissing("Enter who gave consent")
        return data.lawful_basis, consent_by, ""
    if not basis_reason:
        raise BasisMissing("Enter why the case is shared without consent")
    return data.lawful_basis, "", basis_reason


@transaction.atomic
def referral_create(
    *, case: Case, from_agency: Agency, data: ReferralData, send: bool = False, by: User
) -> Referral:
    """A draft referral of the case, sent at once when `send` (the draft and its sending are
    written together, or neither is). A restricted case is not referred: nobody outside its
    agency could read the referral."""
    from restrictions.selectors import restrictions_over

    if restrictions_over(record=case):
        raise RecordRestricted("The record is restricted: lift the restriction to refer it")
    lawful_basis, consent_by, basis_reason = _basis(data)
    referral = Referral(
        case=case,
        from_agency=from_agency,
        to_agency=data.to_agency,
        urgency=data.urgency,
        reason=data.reason,
        asked_for=data.asked_for,
        already_done=data.already_done,
        child_family_aware=data.child_family_aware,
        lawful_basis=lawful_basis,
        consent_by=consent_by,
        basis_reason=basis_reason,
        created_by=by,
        modified_by=by,
        last_actor=by,
    )
    referral._history_user = by
    referral.save()
    if send:
        return referral_send(referral=referral, by=by)
    return referral


def _transition(referral: Referral, step: str, by: User, reason: str = "") -> Referral:
    """Lock the row, check the state, move it on, and log it. Runs inside the caller's
    transaction."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    allowed_from, to_state = TRANSITIONS[step]
    if locked.status not in allowed_from:
        raise TransitionRefused(REFUSALS[locked.status])
    locked.status = to_state
    locked.last_actor = by
    locked.modified_by = by
    locked._history_user = by
    locked._change_reason = reason or step.capitalize()
    access_log_record(
        user=by,
        agency_id=locked.from_agency_id if step in ("send", "withdraw") else locked.to_agency_id,
        action=AccessLogEntry.Action.REFERRAL,
        record=locked.case,
        reason=reason,
        detail={"referral": str(locked.public_id), "step": step},
    )
    return locked


def _tell(referral: Referral, agency_id: int, role: str, kind: str, title: str) -> None:
    task_create(
        kind=kind,
        agency_id=agency_id,
        role=role,
        title=title,
        subject={"referral": str(referral.public_id)},
    )


@transaction.atomic
def referral_send(*, referral: Referral, by: User) -> Referral:
    referral = _transition(referral, "send", by)
    now = timezone.now()
    referral.sent_at = now
    referral.acknowledge_due, referral.decision_due = deadlines.deadlines(referral, now)
    referral.assessment = (
        RiskAssessment.objects.filter(case=referral.case, status=RiskAssessment.Status.COMPLETED)
        .order_by("-assessed_on", "-created_at")
        .first()
    )
    referral.save()
    _tell(
        referral,
        referral.to_agency_id,
        Role.CSE_LEAD,
        Task.Kind.REFERRAL_RECEIVED,
        f"A {referral.get_urgency_display().lower()} referral has been received",
    )
    return referral


@transaction.atomic
def referral_acknowledge(*, referral: Referral, by: User) -> Referral:
    referral = _transition(referral, "acknowledge", by)
    referral.acknowledged_at = timezone.now()
    referral.save()
    return referral


@transaction.atomic
def referral_accept(*, referral: Referral, by: User) -> Referral:
    """Accepting shares the case (and the child's record) with the receiving agency."""
    referral = _transition(referral, "accept", by)
    referral.decided_at = timezone.now()
    referral.save()
    case_share(
        case=referral.case,
        agency=referral.to_agency,
        reason=(
            f"Referral {referral.public_id} accepted"
            + (f": {referral.basis_reason}" if referral.basis_reason else "")
        ),
        lawful_basis=referral.lawful_basis,
        consent_by=referral.consent_by,
        by=by,
    )
    _tell(referral, referral.from_agency_id, Role.CSE_LEAD, Task.Kind.REFERRAL_UPDATE,
          "A referral your agency sent has been accepted")  # fmt: skip
    return referral


@transaction.atomic
def referral_decline(*, referral: Referral, reason: str, by: User) -> Referral:
    referral = _transition(referral, "decline", by, reason)
    referral.decided_at = timezone.now()
    referral.decline_reason = reason
    referral.save()
    _tell(referral, referral.from_agency_id, Role.CSE_LEAD, Task.Kind.REFERRAL_UPDATE,
          "A referral your agency sent has been declined")  # fmt: skip
    return referral


@transaction.atomic
def referral_withdraw(*, referral: Referral, reason: str, by: User) -> Referral:
    referral = _transition(referral, "withdraw", by, reason)
    referral.save()
    return referral


@transaction.atomic
def referral_close(*, referral: Referral, outcome: str, by: User) -> Referral:
    referral = _transition(referral, "close", by, outcome)
    referral.outcome = outcome
    referral.closed_at = timezone.now()
    referral.save()
    return referral


@transaction.atomic
def access_request(*, referral: Referral, person: Person, by: User) -> Task:
    """The receiving agency asks the holding agency of a linked person for access to them."""
    return task_create(
        kind=Task.Kind.ACCESS_REQUEST,
        agency_id=person.owner_agency_id,
        role=Role.CSE_LEAD,
        title="Another agency asks for access to a record your agency holds",
        subject={
            "person": str(person.public_id),
            "requested_by_agency": referral.to_agency.code,
            "referral": str(referral.public_id),
        },
    )


def referral_deadlines_escalate(*, now=None) -> int:
    """Escalate each missed deadline once: to the receiving agency's CSE lead and supervisor.
    Safe to run any number of times, concurrently too: the Escalation row's unique constraint
    decides which run escalates."""
    now = now or timezone.now()
    late_acknowledging = Referral.objects.filter(status=S.SENT, acknowledge_due__lt=now)
    late_deciding = Referral.objects.filter(
        status__in=[S.SENT, S.ACKNOWLEDGED], decision_due__lt=now
    )
    missed = [
        (late_acknowledging, Escalation.Kind.ACKNOWLEDGE),
        (late_deciding, Escalation.Kind.DECISION),
    ]
    escalated = 0
    for referrals, kind in missed:
        for referral in referrals.exclude(escalations__kind=kind).iterator():
            try:
                with transaction.atomic():
                    Escalation.objects.create(referral=referral, kind=kind)
                    for role in (Role.CSE_LEAD, Role.SUPERVISOR):
                        _tell(
                            referral,
                            referral.to_agency_id,
                            role,
                            Task.Kind.REFERRAL_OVERDUE,
                            "A referral to your agency is overdue: "
                            + Escalation.Kind(kind).label.lower(),
                        )
            except IntegrityError:
                continue  # another run escalated it first
            escalated += 1
    return escalated
