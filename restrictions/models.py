"""Need-to-know protection above the access rule: a person or case opened only to named users
of its agency, and emergency ("break-glass") access to it, time-limited and told at once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.models import BaseModel


class Restriction(BaseModel):
    """A person or case that only the named users of its agency may open. Restricting a child
    restricts every case about them; what belongs to a case follows it."""

    person = models.ForeignKey(
        "cases.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="restrictions"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="restrictions"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, case__isnull=True)
                | Q(person__isnull=True, case__isnull=False),
                name="restriction_of_one_record",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(lifted_at__isnull=True),
                name="one_person_restriction",
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(lifted_at__isnull=True), name="one_case_restriction"
            ),
        ]

    def __str__(self) -> str:
        return f"Restriction of {self.created_at:%d %B %Y}"

    @property
    def record(self):
        return self.person or self.case

    @property
    def kind(self) -> str:
        return "person" if self.person_id else "case"


class RestrictionMember(BaseModel):
    """A user the restricted record stays open to."""

    restriction = models.ForeignKey(Restriction, on_delete=models.CASCADE, related_name="named")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["restriction", "user"], name="one_membership_of_user")
        ]

    def __str__(self) -> str:
        return str(self.user)


class EmergencyAccess(BaseModel):
    """One user's emergency opening of a restricted record: why, through which agency, and
    until when."""

    restriction = models.ForeignKey(
        Restriction, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"Emergency access of {self.created_at:%d %B %Y %H:%M}"

    @property
    def is_current(self) -> bool:
        return self.expires_at > timezone.now() and self.restriction.lifted_at is None
