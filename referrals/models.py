"""Referrals of a child's case from one agency to another, with deadlines and escalations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from agencies.models import LawfulBasis
from cases.codes import YesNoUnknown
from core.models import BaseModel


class DeadlinePolicy(BaseModel):
    """How long a receiving agency has to acknowledge and to decide, per partnership."""

    partnership = models.OneToOneField(
        "agencies.Partnership", on_delete=models.PROTECT, related_name="deadline_policy"
    )
    immediate_acknowledge_minutes = models.PositiveIntegerField(default=60)
    urgent_acknowledge_minutes = models.PositiveIntegerField(default=24 * 60)
    routine_acknowledge_working_days = models.PositiveSmallIntegerField(default=3)
    decision_working_days = models.PositiveSmallIntegerField(default=5)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "deadline policies"

    def __str__(self) -> str:
        return f"Referral deadlines of {self.partnership}"


class Referral(BaseModel):
    class Urgency(models.TextChoices):
        IMMEDIATE = "immediate", "Immediate"
        URGENT = "urgent", "Urgent"
        ROUTINE = "routine", "Routine"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"
        CLOSED = "closed", "Closed"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="referrals")
    from_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="referrals_received"
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    reason = models.TextField()
    asked_for = models.TextField("what is asked for")
    already_done = models.TextField("what the referrer has already done", blank=True)
    # The basis on which the case is disclosed to the receiving agency when it accepts.
    lawful_basis = models.CharField(
        max_length=20, choices=LawfulBasis.choices, default=LawfulBasis.NOT_RECORDED
    )
    consent_by = models.CharField("consent given by", max_length=200, blank=True)
    basis_reason = models.TextField("why it is shared without consent", blank=True)
    child_family_aware = models.CharField(
        "the child and family know of the referral",
        max_length=10,
        choices=YesNoUnknown.choices,
        default=YesNoUnknown.UNKNOWN,
    )
    assessment = models.ForeignKey(
        "indicators.RiskAssessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The latest completed risk assessment when the referral was sent",
    )
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.DRAFT)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledge_due = models.DateTimeField(null=True, blank=True)
    decision_due = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-sent_at", "-created_at"]
        indexes = [
            models.Index(fields=["to_agency", "status"]),
            models.Index(fields=["from_agency", "status"]),
            models.Index(fields=["status", "acknowledge_due"]),
            models.Index(fields=["status", "decision_due"]),
        ]

    def __str__(self) -> str:
        return f"Referral to {self.to_agency}"

    def overdue_at(self, now) -> str:
        """ "acknowledge" or "decision" when that deadline has passed, else ""."""
        if self.status == self.Status.SENT and self.acknowledge_due and now > self.acknowledge_due:
            return "acknowledge"
        if (
            self.status in (self.Status.SENT, self.Status.ACKNOWLEDGED)
            and self.decision_due
            and now > self.decision_due
        ):
            return "decision"
        return ""


class Escalation(models.Model):
    """One escalation of one missed deadline. The unique constraint is what makes escalation
    idempotent: a re-run check, a restarted worker or a second beat cannot make another."""

    class Kind(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", "Not acknowledged in time"
        DECISION = "decision", "No decision in time"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="escalations")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "kind"], name="one_escalation_per_deadline")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
