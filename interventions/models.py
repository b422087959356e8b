"""Exploitation flags, disruption and justice activity, and victim support through the justice
process. None of these records is shared on its own: each follows the record it belongs to (a
person, a location, a network or a case), as concerns follow their case."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import ArchivableModel, VersionedModel


class FlagType(ArchivableModel):
    """A kind of exploitation a flag can name: reference data an administrator can extend.
    A deactivated type is not offered for new flags; flags already set keep it."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=100)

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name


class ExploitationFlag(ArchivableModel):
    """A flag on a person (child, suspect or associate) or on a location, owned by a user who
    reviews it by a date. Removing a flag archives it, with the reason; it stays in history."""

    flag_type = models.ForeignKey(FlagType, on_delete=models.PROTECT, related_name="flags")
    person = models.ForeignKey(
        "cases.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="flags"
    )
    location = models.ForeignKey(
        "cases.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="flags"
    )
    reason = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exploitation_flags"
    )
    review_on = models.DateField("review date")

    history = HistoricalRecords()

    class Meta:
        ordering = ["flag_type__display_order", "created_at"]
        indexes = [models.Index(fields=["owner", "review_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, location__isnull=True)
                | models.Q(person__isnull=True, location__isnull=False),
                name="flag_on_one_record",
            )
        ]

    def __str__(self) -> str:
        return str(self.flag_type)

    @property
    def record(self):
        return self.person if self.person_id else self.location


class FlagReview(ArchivableModel):
    """One review of a flag: when, what was noted, and the next review date set."""

    flag = models.ForeignKey(ExploitationFlag, on_delete=models.PROTECT, related_name="reviews")
    note = models.TextField()
    next_review_on = models.DateField("next review date")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Review of {self.created_at:%d %B %Y}"


class DisruptionActivity(ArchivableModel):
    """Disruption and justice activity against a suspect, a location or a network."""

    class Type(models.TextChoices):
        CAWN = "cawn", "Child Abduction Warning Notice"
        DISRUPTION_LETTER = "disruption_letter", "Disruption letter"
        LICENSING_REFERRAL = "licensing_referral", "Licensing referral"
        VEHICLE_MARKER = "vehicle_marker", "Vehicle marker"
        ARREST = "arrest", "Arrest"
        CHARGE = "charge", "Charge"
        COURT_HEARING = "court_hearing", "Court hearing"
        COURT_OUTCOME = "court_outcome", "Court outcome"
        OTHER = "other", "Other"

    class CourtResult(models.TextChoices):
        CONVICTION = "conviction", "Conviction"
        ACQUITTAL = "acquittal", "Acquittal"
        OTHER = "other", "Other"

    type = models.CharField(max_length=30, choices=Type.choices)
    person = models.ForeignKey(
        "cases.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="disruptions"
    )
    location = models.ForeignKey(
        "cases.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disruptions",
    )
    network = models.ForeignKey(
        "cases.Network",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disruptions",
    )
    occurred_on = models.DateField("date")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="responsible"
    )
    details = models.TextField()
    court_result = models.CharField(max_length=20, choices=CourtResult.choices, blank=True)
    outcome = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        indexes = [models.Index(fields=["occurred_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    person__isnull=False, location__isnull=True, network__isnull=True
                )
                | models.Q(person__isnull=True, location__isnull=False, network__isnull=True)
                | models.Q(person__isnull=True, location__isnull=True, network__isnull=False),
                name="disruption_on_one_record",
            )
        ]

    def __str__(self) -> str:
        return self.get_type_display()


class SpecialMeasure(models.TextChoices):
    SCREENS = "screens", "Screens"
    LIVE_LINK = "live_link", "Live link"
    IN_PRIVATE = "in_private", "Evidence given in private"
    WIGS_AND_GOWNS = "wigs_and_gowns", "Removal of wigs and gowns"
    VIDEO_EVIDENCE_IN_CHIEF = "video_evidence_in_chief", "Video-recorded evidence in chief"
    SECTION_28 = "section_28", "Pre-recorded cross-examination (section 28)"
    INTERMEDIARY = "intermediary", "Intermediary"
    COMMUNICATION_AIDS = "communication_aids", "Communication aids"


class VictimSupport(VersionedModel, ArchivableModel):
    """How the child on a case is supported through disclosure, investigation and court (the
    CEOP recommendation). One per case, made the first time it is edited."""

    class AbeStatus(models.TextChoices):
        NOT_CONSIDERED = "not_considered", "Not considered"
        PLANNED = "planned", "Planned"
        COMPLETED = "completed", "Completed"
        DECLINED = "declined", "Declined"

    class ContinuedSupport(models.TextChoices):
        NOT_DECIDED = "not_decided", "Not decided yet"
        CONTINUING = "continuing", "Continuing"
        ENDED = "ended", "Ended"
        DECLINED = "declined", "Declined"

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="victim_support"
    )
    abe_status = models.CharField(
        "achieving best evidence (ABE) interview",
        max_length=20,
        choices=AbeStatus.choices,
        default=AbeStatus.NOT_CONSIDERED,
    )
    abe_date = models.DateField("date of the ABE interview", null=True, blank=True)
    special_measures = ArrayField(
        models.CharField(max_length=30, choices=SpecialMeasure.choices), default=list, blank=True
    )
    support_worker_name = models.CharField("support worker", max_length=200, blank=True)
    support_worker_role = models.CharField(
        "support worker's role", max_length=100, blank=True, help_text="For example ISVA"
    )
    support_worker_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="support worker's agency",
    )
    court_outcome = models.TextField("outcome at court", blank=True)
    continued_support = models.CharField(
        "support after the outcome",
        max_length=20,
        choices=ContinuedSupport.choices,
        default=ContinuedSupport.NOT_DECIDED,
    )
    continued_support_until = models.DateField("support continues until", null=True, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return "Support through the justice process"

    def get_special_measures_display(self) -> list[str]:
        labels = dict(SpecialMeasure.choices)
        return [labels.get(value, value) for value in self.special_measures]


class CourtDate(ArchivableModel):
    class HearingType(models.TextChoices):
        FIRST_APPEARANCE = "first_appearance", "First appearance"
        PLEA_AND_TRIAL_PREPARATION = "ptph", "Plea and trial preparation hearing"
        GROUND_RULES = "ground_rules", "Ground rules hearing"
        SECTION_28 = "section_28", "Pre-recorded cross-examination (section 28)"
        TRIAL = "trial", "Trial"
        SENTENCING = "sentencing", "Sentencing"
        OTHER = "other", "Other"

    victim_support = models.ForeignKey(
        VictimSupport, on_delete=models.PROTECT, related_name="court_dates"
    )
    date = models.DateField()
    hearing_type = models.CharField(max_length=20, choices=HearingType.choices)
    note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return self.get_hearing_type_display()
