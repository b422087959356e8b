"""Abstract bases shared by every domain model."""

import uuid

from django.conf import settings
from django.db import models


class BaseModel(models.Model):
    """Who created and last changed a record, and when; an opaque id for URLs.

    The integer primary key never leaves the server: URLs carry `public_id`, so an address
    reveals nothing about how many records exist or in what order they were made.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    modified_at = models.DateTimeField(auto_now=True)
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class ArchivableModel(BaseModel):
    """Records are archived, never deleted, by users."""

    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    archived_reason = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class VersionedModel(models.Model):
    """A record people edit in forms. `version` grows by one at every save, so that an edit
    begun from an older version is refused (core.services.record_lock_for_edit) instead of
    silently overwriting what someone else saved in the meantime."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)


class WorkerHeartbeat(models.Model):
    """The last time each background worker ran the heartbeat task (shown by /health/)."""

    worker = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class Task(models.Model):
    """An item on an agency's task list for the people holding a role there (or one person).

    Titles say what needs doing without naming anyone: tasks are also summarised in e-mails.
    """

    class Kind(models.TextChoices):
        POSSIBLE_MATCH = "possible_match", "Possible match held by your agency"
        ASSESSMENT_SIGN_OFF = "assessment_sign_off", "Lowered risk category to sign off"
        REFERRAL_RECEIVED = "referral_received", "Referral received"
        REFERRAL_OVERDUE = "referral_overdue", "Referral overdue"
        REFERRAL_UPDATE = "referral_update", "Referral answered"
        ACCESS_REQUEST = "access_request", "Request for access to a record"
        EMERGENCY_ACCESS = "emergency_access", "Emergency access to a restricted record"
        RESTRICTION_LIFTED = "restriction_lifted", "Restriction lifted"
        MEMBERSHIP_CHANGED = "membership_changed", "Change of who may see your agency's records"
        MEMBERSHIP_REQUEST = "membership_request", "Membership waiting for your approval"
        ACCOUNT_CHANGED = "account_changed", "Change to an account of your agency"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="tasks")
    role = models.CharField(max_length=30, blank=True)
    # A task for one person (the lead professional of a case) rather than a role.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=300)
    # Identifiers only (public ids, agency codes): what the task is about.
    subject = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set by the background e-mail task once the e-mail has gone, so a retry never sends twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agency", "role", "status"])]

    def __str__(self) -> str:
        return self.title
