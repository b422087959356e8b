"""Multi-agency exploitation meetings (MASE / MACE): a partnership's meeting, the agencies that
attend, the children, suspects, places and networks on its agenda, what each agency shared
about them, what was agreed, and the actions given out.

A meeting is seen by the agencies that attend it; an agenda item is seen only by those that may
also see its record (meetings.access), so the minutes never open more of a record than the
access rule does.
"""

from __future__ import annotations

import operator
from functools import reduce

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import ArchivableModel, BaseModel, VersionedModel

RISK_CATEGORIES = [
    (1, "1: no apparent risk"),
    (2, "2: at risk"),
    (3, "3: moderate risk"),
    (4, "4: significant risk"),
]


class Meeting(VersionedModel, ArchivableModel):
    """One sitting of a partnership's exploitation meeting."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    partnership = models.ForeignKey(
        "agencies.Partnership", on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField(
        max_length=200, help_text="For example, Riverside MASE. Do not name a child or suspect."
    )
    held_on = models.DateField("date of the meeting")
    starts_at = models.TimeField("start time", null=True, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The agency the chair acts for: its members who may chair meetings share the running of it.
    chair_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-created_at"]
        indexes = [models.Index(fields=["partnership", "-held_on"])]

    def __str__(self) -> str:
        return f"{self.title}, {self.held_on:%d %B %Y}"


class MeetingAgency(BaseModel):
    """An agency invited to (and attending) a meeting, with who came for it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    attendees = models.CharField(
        max_length=500, blank=True, help_text="Names and roles of who attended for the agency"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "agency"], name="one_attendance_per_agency")
        ]

    def __str__(self) -> str:
        return str(self.agency)


SUBJECT_FIELDS = ("case", "person", "location", "network")


def one_subject_of_its_kind() -> models.Q:
    """The item's kind names the one subject field that is set."""
    return reduce(
        operator.or_,
        (
            models.Q(kind=kind, **{f"{field}__isnull": field != kind for field in SUBJECT_FIELDS})
            for kind in SUBJECT_FIELDS
        ),
    )


class AgendaItem(ArchivableModel):
    """A child's case, a suspect, a place or a network discussed at a meeting. An item put on
    by mistake is withdrawn (archived, with the reason), never deleted."""

    class Kind(models.TextChoices):
        CASE = "case", "Child"
        PERSON = "person", "Suspect or other person"
        LOCATION = "location", "Place"
        NETWORK = "network", "Network"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        "cases.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey(
        "cases.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    network = models.ForeignKey(
        "cases.Network", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=1)
    risk_category = models.PositiveSmallIntegerField(
        "risk category agreed", choices=RISK_CATEGORIES, null=True, blank=True
    )
    decisions = models.TextField(blank=True)
    next_review_on = models.DateField("next review", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "position", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=one_subject_of_its_kind(),
                name="agenda_item_has_one_subject",
            ),
            *(
                models.UniqueConstraint(
                    fields=["meeting", kind],
                    condition=models.Q(kind=kind, archived_at__isnull=True),
                    name=f"{kind}_once_per_meeting",
                )
                for kind in SUBJECT_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return f"Item {self.position}"

    @property
    def subject(self):
        return getattr(self, self.kind)

    @property
    def subject_id(self) -> int:
        return getattr(self, f"{self.kind}_id")


class AgendaContribution(BaseModel):
    """What one agency shared about an item at the meeting."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="contributions")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("information shared")

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Information from {self.agency}"


class MeetingAction(VersionedModel, BaseModel):
    """An action agreed on an item, owned by an agency and (usually) one person in it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "No longer needed"

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField()
    owner_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="meeting_actions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_actions",
    )
    due_on = models.DateField("due by")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    status_note = models.TextField(blank=True)
    completed_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [
            models.Index(
                fields=["owner_agency", "due_on"],
                condition=models.Q(status="open"),
                name="meeting_action_open_due",
            )
        ]

    def __str__(self) -> str:
        return f"Action due {self.due_on:%d %B %Y}"
