"""The indicator catalogue as versioned data (spec/indicators.md)."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from core.models import BaseModel, VersionedModel
from indicators.scoring import ScoringRules


class IndicatorSet(BaseModel):
    """One version of an indicator tool. Assessments keep the version they were scored with."""

    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    source_note = models.TextField(blank=True)
    # Points per section, category bands with recommended actions, and the override rules,
    # exactly as loaded from the set's file.
    points = models.JSONField()
    bands = models.JSONField()
    rules = models.JSONField()
    is_current = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="one_indicator_set_version"),
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="one_current_indicator_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, version {self.version}"

    def scoring_rules(self) -> ScoringRules:
        """The frozen description that `indicators.scoring` scores with (one query, cached on
        the instance)."""
        if not hasattr(self, "_scoring_rules"):
            self._scoring_rules = ScoringRules.build(
                sections=dict(self.indicators.values_list("code", "section")),
                points=self.points,
                bands=self.bands,
                rules=self.rules,
            )
        return self._scoring_rules


class Indicator(models.Model):
    class Section(models.TextChoices):
        VULNERABILITY = "vulnerability", "Vulnerabilities"
        MODERATE = "moderate", "Moderate indicators"
        SIGNIFICANT = "significant", "Significant indicators"

    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.PROTECT, related_name="indicators"
    )
    code = models.CharField(max_length=10)
    section = models.CharField(max_length=20, choices=Section.choices)
    text = models.TextField()
    dcsf = models.BooleanField("DCSF (2009) warning sign", default=False)
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["indicator_set", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator_set", "code"], name="one_code_per_indicator_set"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class RiskAssessment(VersionedModel, BaseModel):
    """A full risk assessment of a child's case, scored with one indicator set version.

    The results are stored as computed when the assessment was completed, with the version
    used, so that loading a new version never changes an old assessment."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting a supervisor's sign-off"
        COMPLETED = "completed", "Completed"

    class Judgement(models.TextChoices):
        NONE = "none", "Keep the category after the rules"
        RAISE = "raise", "Raise the category"
        LOWER = "lower", "Lower the category"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="assessments")
    indicator_set = models.ForeignKey(IndicatorSet, on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    score = models.PositiveSmallIntegerField(default=0)
    scored_category = models.PositiveSmallIntegerField(default=1)
    rules_category = models.PositiveSmallIntegerField(default=1)
    rules_applied = models.JSONField(default=list, blank=True)
    not_known_count = models.PositiveSmallIntegerField(default=0)
    judgement = models.CharField(max_length=10, choices=Judgement.choices, default=Judgement.NONE)
    judged_category = models.PositiveSmallIntegerField(null=True, blank=True)
    judgement_reason = models.TextField(blank=True)
    final_category = models.PositiveSmallIntegerField(default=1)
    signed_off_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    next_due = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_on", "-created_at"]
        indexes = [models.Index(fields=["case", "status", "-assessed_on"])]

    def __str__(self) -> str:
        return f"Risk assessment of {self.assessed_on:%d %B %Y}"


class AssessmentResponse(models.Model):
    assessment = models.ForeignKey(
        RiskAssessment, on_delete=models.CASCADE, related_name="responses"
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    presence = models.CharField(max_length=20)
    evidence = models.TextField(blank=True)
    # Who gave this answer (an assessment is often completed by several people over days).
    recorded_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "indicator"], name="one_response_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.presence}"

    def get_presence_display(self) -> str:
        from indicators.scoring import PRESENCE_LABELS  # scoring reads these models

        return PRESENCE_LABELS.get(self.presence, self.presence)
