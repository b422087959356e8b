"""Partnerships, agencies, users and their memberships (with a role in each agency)."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Group, PermissionsMixin
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.models import BaseModel


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
