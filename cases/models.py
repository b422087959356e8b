"""People and cases. Each is owned by an agency and shared explicitly (agencies.access)."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from agencies.models import AgencyGrant, AgencyOwnedModel


class Person(AgencyOwnedModel):
    """A child, a suspected offender or another associated person, as one agency records them."""

    class Kind(models.TextChoices):
        CHILD = "child", "Child or young person"
        SUSPECT = "suspect", "Suspected offender"
        ASSOCIATE = "associate", "Other associated person"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    known_as = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.known_as or "—"


class Case(AgencyOwnedModel):
    """An agency's case about a child."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(max_length=60, blank=True, help_text="The agency's own reference")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Case {self.reference or self.public_id}"


class PersonGrant(AgencyGrant):
    content_object = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="grants")

    history = HistoricalRecords()


class CaseGrant(AgencyGrant):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="grants")

    history = HistoricalRecords()
