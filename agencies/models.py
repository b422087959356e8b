"""Partnerships, agencies, users and their memberships (with a role in each agency)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Group, PermissionsMixin
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase
from simple_history.models import HistoricalRecords

from core.models import ArchivableModel, BaseModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        # Superuser status grants nothing in this service: the access rule ignores it, and
        # administrators act through an administrator membership (docs/access.md).
        fields.setdefault("is_staff", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username or "")


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Signs in with an e-mail address; belongs to agencies through
    memberships, each with a role."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app when it is lost. Only a
    SHA-256 digest is kept: each code carries 125 random bits, so a digest cannot be reversed
    by guessing (OWASP ASVS 5.0, lookup secrets)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Recovery code {self.pk} ({'used' if self.used_at else 'unused'})"


class Partnership(BaseModel):
    """A safeguarding partnership (LSCB area)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    gss_code = models.CharField(
        "ONS GSS code", max_length=9, blank=True, help_text="For example E10000007"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agency(BaseModel):
    """An organisation that records cases; owns records and receives shares."""

    class Type(models.TextChoices):
        POLICE = "police", "Police"
        CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
        HEALTH = "health", "Health"
        EDUCATION = "education", "Education"
        YOUTH_OFFENDING = "youth_offending", "Youth offending"
        PROBATION = "probation", "Probation"
        VOLUNTARY_PROJECT = "voluntary_project", "Voluntary project"
        OTHER = "other", "Other"

    code = models.SlugField(
        max_length=40, unique=True, help_text="Used in the data template, for example POL-WY"
    )
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=30, choices=Type.choices)
    partnerships = models.ManyToManyField(Partnership, related_name="agencies", blank=True)
    # Every grant of access to a record goes to this group, never to a single user.
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency")
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords(m2m_fields=[partnerships])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    FRONTLINE = "frontline", "Front-line worker"
    SUPERVISOR = "supervisor", "Supervisor"
    CSE_LEAD = "cse_lead", "CSE lead"
    ANALYST = "analyst", "Analyst"
    LSCB_CHAIR = "lscb_chair", "LSCB chair"
    SAFEGUARDING_LEAD = "safeguarding_lead", "Safeguarding lead"
    ADMINISTRATOR = "administrator", "Administrator"


class Membership(BaseModel):
    """A user's place in an agency, with the role they hold there."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["agency__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="one_membership_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}, {self.agency}"


class MembershipRequest(BaseModel):
    """A membership asked for by someone who may not give it alone (docs/access.md, "Who may
    give access"): it opens the agency's records, or makes someone its administrator, and was
    asked for by an administrator of another agency of the partnership. It takes effect only
    when the agency's own administrator or CSE lead approves it; the decision and its reason
    are kept."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="membership_requests")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="membership_requests")
    role = models.CharField(max_length=30, choices=Role.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open request per person and agency: a second would be decided twice.
            models.UniqueConstraint(
                fields=["user", "agency"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}, {self.agency} ({self.get_status_display()})"


class AgencyOwnedModel(ArchivableModel):
    """A record held by one agency, visible to others only through an explicit share.

    Concrete models declare a grant model (a subclass of `AgencyGrant` with a `content_object`
    foreign key to them) through which shares are given to agency groups; `agencies.access`
    is the only code that reads either.
    """

    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class LawfulBasis(models.TextChoices):
    """Why a record may be disclosed to another agency (UK GDPR art. 6 and 9, DPA 2018 s.35 and
    schedule 8). Without consent, a gateway and its reason are recorded instead."""

    CONSENT = "consent", "Consent given"
    SAFEGUARDING = "safeguarding", "Without consent: to safeguard a child"
    LAW_ENFORCEMENT = "law_enforcement", "Without consent: for law enforcement"
    # Grants made before the basis was recorded (migration default); never offered on a form.
    NOT_RECORDED = "not_recorded", "Not recorded (shared before the basis was asked for)"


class AgencyGrant(GroupObjectPermissionBase):
    """A django-guardian direct foreign-key grant to an agency's group, with why and by whom,
    and the lawful basis of the disclosure."""

    reason = models.TextField()
    lawful_basis = models.CharField(
        max_length=20, choices=LawfulBasis.choices, default=LawfulBasis.NOT_RECORDED
    )
    consent_by = models.CharField(
        max_length=200, blank=True, help_text="Who gave consent, where the basis is consent"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = True


class AccessLogEntry(models.Model):
    """Who consulted or disclosed which record, when and why (DPA 2018 s.62).

    Append-only: the application never updates or deletes an entry, the database refuses to
    (triggers in migration 0002), and each entry carries the hash of the one before it, so
    that `python manage.py verify_access_log` detects an entry changed or removed outside it.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        SEARCH = "search", "Searched"
        EXPORT = "export", "Exported"
        PRINT = "print", "Printed"
        SHARE = "share", "Shared"
        UNSHARE = "unshare", "Withdrew a share"
        DENIED = "denied", "Refused access"
        REFERRAL = "referral", "Referral step"
        EMERGENCY = "emergency", "Emergency access"
        RESTRICT = "restrict", "Restricted a record"
        MEMBERSHIP = "membership", "Changed who may see records"
        ACCOUNT = "account", "Changed an account"
        SIGN_IN = "sign_in", "Sign-in refused"
        SIGNED_IN = "signed_in", "Signed in"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="access_log_entries"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, related_name="+", help_text="Acting agency"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    record_type = models.CharField(max_length=60, blank=True)
    record_id = models.UUIDField(null=True, blank=True, db_index=True)
    record_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, related_name="+", help_text="Owning agency"
    )
    reason = models.TextField(blank=True)
    # Identifiers and counts only: never names or free text about a person.
    detail = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "access log entries"
        indexes = [
            models.Index(fields=["agency", "-at"]),
            models.Index(fields=["record_agency", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.record_type} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Access log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Access log entries cannot be deleted.")

    def canonical(self) -> str:
        return json.dumps(
            {
                "at": self.at.isoformat(),
                "user": self.user_id,
                "agency": self.agency_id,
                "action": self.action,
                "record_type": self.record_type,
                "record_id": str(self.record_id) if self.record_id else None,
                "record_agency": self.record_agency_id,
                "reason": self.reason,
                "detail": self.detail,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    def compute_hash(self, *, key: bytes) -> str:
        """HMAC-SHA256 of the entry and of the MAC before it, under the access log's key,
        which is never in the database: call `agencies.access_log.entry_mac`, which supplies
        it. Without the key, nobody can alter an entry and make the chain hold again."""
        message = (self.previous_hash + self.canonical()).encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()
