"""The indicator catalogue as versioned data (spec/indicators.md)."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from core.models import BaseModel


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
