"""Exports produced in the background: who asked, for what, how far it has got, and the file,
kept for a limited time and downloadable only by the person who asked."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import BaseModel


class ExportJob(BaseModel):
    class Kind(models.TextChoices):
        CEOP_RETURN_JSON = "ceop_return_json", "CEOP-style return (JSON)"
        CEOP_RETURN_XLSX = "ceop_return_xlsx", "CEOP-style return (workbook)"
        TEMPLATE_XLSX = "template_xlsx", "Records in the data template (workbook)"
        TEMPLATE_ZIP = "template_zip", "Records in the data template (CSV files)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "In progress"
        DONE = "done", "Ready to download"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Deleted after its time limit"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs"
    )
    # What was asked: the period and the agencies (codes and ids), never names.
    parameters = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done")
    progress_note = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="exports/", blank=True)
    filename = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.created_at:%d %B %Y %H:%M}"


class TemplateImport(BaseModel):
    """One import of a filled-in data template: who, when, the file, and what it did."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        CHECKING = "checking", "Checking every row"
        WRITING = "writing", "Writing the records"
        DONE = "done", "Imported"
        REFUSED = "refused", "Refused: nothing imported"
        FAILED = "failed", "Failed: nothing imported"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="template_imports"
    )
    filename = models.CharField(max_length=200)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the file")
    file = models.FileField(upload_to="imports/", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done")
    rows = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    # {"children": {"created": n, "updated": n, "unchanged": n}, ...}
    counts = models.JSONField(default=dict, blank=True)
    # [{"sheet", "row", "column", "value", "expected"}, ...]: the first 1,000
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.created_at:%d %B %Y %H:%M}"


class ImportedRecord(models.Model):
    """Which record an agency's template reference (child_ref, suspect_ref, ...) stands for,
    so that importing the same file again finds and updates it instead of adding another."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    table = models.CharField(max_length=20)
    reference = models.CharField(max_length=100)
    object_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "table", "reference"], name="one_record_per_reference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.table} {self.reference}"


class ReturnSchedule(BaseModel):
    """A return produced every month for the month before, and announced to its owner."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="return_schedules"
    )
    kind = models.CharField(max_length=30, choices=ExportJob.Kind.choices)
    # The agencies (codes and ids), as for an export job; the period is always last month.
    parameters = models.JSONField(default=dict)
    is_active = models.BooleanField(default=True)
    last_month = models.DateField(
        null=True, blank=True, help_text="First day of the last month produced"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Monthly {self.get_kind_display()}"
