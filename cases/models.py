"""People, cases and what belongs to them. People and cases are owned by an agency and shared
explicitly (agencies.access); concerns, missing episodes and notes follow their case."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from simple_history.models import HistoricalRecords

from agencies.models import AgencyGrant, AgencyOwnedModel
from cases.codes import (
    Ethnicity,
    LivingSituation,
    LocationType,
    OfficerObserved,
    Relationship,
    SchoolEngagement,
    Sex,
    YesNoUnknown,
)
from core.models import ArchivableModel, BaseModel, VersionedModel


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class Person(VersionedModel, AgencyOwnedModel):
    """A child, a suspected offender or another associated person, as one agency records them."""

    class Kind(models.TextChoices):
        CHILD = "child", "Child or young person"
        SUSPECT = "suspect", "Suspected offender"
        ASSOCIATE = "associate", "Other associated person"

    class IdentificationLevel(models.TextChoices):
        GROUP_ONE = "group_one", "Group one: full name or initials"
        GROUP_TWO = "group_two", "Group two: a given name or alias only"
        NO_BASIC_INFORMATION = "no_basic_information", "No basic information"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    known_as = models.CharField("known as", max_length=100, blank=True)
    initials = models.CharField(max_length=20, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(null=True, blank=True)
    age_estimated_on = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(
        "self-defined ethnicity", max_length=10, choices=Ethnicity.choices, default="unknown"
    )
    nationality = models.CharField(max_length=10, default="unknown")
    officer_observed = models.CharField(
        "officer-observed ethnicity", max_length=3, choices=OfficerObserved.choices, blank=True
    )
    first_known_date = models.DateField(
        null=True, blank=True, help_text="For suspects: first known to an agency as a suspect"
    )
    notes = models.TextField(blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    review_on = models.DateField("next retention review", null=True, blank=True)
    # Derived, for search and matching (cases.matching); rewritten on every save by services.
    search_vector = SearchVectorField(null=True, editable=False)

    history = HistoricalRecords(excluded_fields=["search_vector"])

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "people"
        indexes = [
            GinIndex(fields=["search_vector"]),
            models.Index(fields=["owner_agency", "kind"]),
            models.Index(fields=["date_of_birth"]),
        ]

    def __str__(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or self.known_as or self.initials or "Name not known"

    @property
    def identification_level(self) -> str:
        """As the CEOP assessment counted it (spec/data-template.md)."""
        if (self.first_name and self.last_name) or self.initials:
            return self.IdentificationLevel.GROUP_ONE
        has_alias = self.known_as or any(alias.name for alias in self.aliases.all())
        if self.first_name or self.last_name or has_alias:
            return self.IdentificationLevel.GROUP_TWO
        return self.IdentificationLevel.NO_BASIC_INFORMATION

    def get_identification_level_display(self) -> str:
        return self.IdentificationLevel(self.identification_level).label

    def age_at(self, on: date) -> int | None:
        if self.date_of_birth:
            return age_on(self.date_of_birth, on)
        if self.estimated_age is not None and self.age_estimated_on:
            return self.estimated_age + age_on(self.age_estimated_on, on)
        return self.estimated_age


class PersonAlias(BaseModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=100)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.name


class PersonIdentifier(BaseModel):
    class Type(models.TextChoices):
        AGENCY_REFERENCE = "agency_reference", "Agency reference"
        NHS_NUMBER = "nhs_number", "NHS number"
        POLICE_REFERENCE = "police_reference", "Police reference"
        LA_CHILD_ID = "la_child_id", "Local authority child identifier"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    type = models.CharField(max_length=30, choices=Type.choices)
    value = models.CharField(max_length=60, db_index=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.value}"


class PersonContact(BaseModel):
    """An address, phone number, vehicle or social media handle linked to a person.

    `value` is normalised (cases.normalise) so that the same phone or vehicle recorded by two
    agencies links their people (issue 7) and can be searched for.
    """

    class Type(models.TextChoices):
        ADDRESS = "address", "Address"
        PHONE = "phone", "Phone number"
        VEHICLE = "vehicle", "Vehicle registration"
        SOCIAL_MEDIA = "social_media", "Social media handle"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts")
    type = models.CharField(max_length=20, choices=Type.choices)
    value = models.CharField(max_length=300)
    normalised = models.CharField(max_length=300, db_index=True)
    postcode_district = models.CharField(max_length=4, blank=True, db_index=True)
    description = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.value}"


class PersonMatchKey(models.Model):
    """Indexed blocking keys for fuzzy matching: phonetic codes of name tokens ("n:SM0"),
    the date of birth ("d:2010-04-12") and identifiers. Rewritten whenever a person changes."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="match_keys")
    key = models.CharField(max_length=80)

    class Meta:
        indexes = [models.Index(fields=["key", "person"])]

    def __str__(self) -> str:
        return self.key


class Case(VersionedModel, AgencyOwnedModel):
    """An agency's case about a child."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(max_length=60, blank=True, help_text="The agency's own reference")
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_reason = models.TextField(blank=True)
    first_contact_date = models.DateField(null=True, blank=True)
    living_situation = models.CharField(
        max_length=20, choices=LivingSituation.choices, default=LivingSituation.UNKNOWN
    )
    looked_after_legal_status = models.CharField(
        max_length=100, blank=True, help_text="For example section 20, care order (section 31)"
    )
    placing_authority = models.CharField(max_length=200, blank=True)
    moved_into_care_after_intervention = models.CharField(
        max_length=10, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    school_engagement = models.CharField(
        max_length=20, choices=SchoolEngagement.choices, default=SchoolEngagement.UNKNOWN
    )
    reported_missing = models.CharField(
        "ever reported missing",
        max_length=10,
        choices=YesNoUnknown.choices,
        default=YesNoUnknown.UNKNOWN,
    )
    # How many missing episodes an agency reported in the data template, where the episodes
    # themselves (with their dates) are not recorded here.
    missing_episodes_reported = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_category = models.PositiveSmallIntegerField(null=True, blank=True)
    cse_flag = models.BooleanField("CSE flag", default=True)
    # Set by a retention review; until the first, the review falls due by the record's type
    # (settings.RETENTION_REVIEW_YEARS after it was made).
    review_on = models.DateField("next retention review", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner_agency", "status"])]

    def __str__(self) -> str:
        return f"Case {self.reference or self.public_id}"


class Location(AgencyOwnedModel):
    type = models.CharField(max_length=30, choices=LocationType.choices)
    description = models.CharField(max_length=300, blank=True)
    postcode_district = models.CharField(max_length=4, blank=True, db_index=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return " ".join(filter(None, [self.get_type_display(), self.postcode_district]))


class Association(AgencyOwnedModel):
    """A link between two people: a child and a suspect, two suspects, or two children."""

    from_person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="links_out")
    to_person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="links_in")
    relationship = models.CharField(
        max_length=30, choices=Relationship.choices, default=Relationship.UNKNOWN
    )
    first_linked_date = models.DateField(null=True, blank=True)
    last_linked_date = models.DateField(null=True, blank=True)
    source = models.CharField(
        max_length=300, blank=True, help_text="Where the information came from"
    )
    confidence = models.CharField(
        max_length=10,
        choices=[
            ("high", "High: corroborated"),
            ("medium", "Medium: from a reliable source, not corroborated"),
            ("low", "Low: uncorroborated"),
            ("unknown", "Not graded"),
        ],
        default="unknown",
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_person=models.F("to_person")), name="no_self_link"
            )
        ]

    def __str__(self) -> str:
        return self.get_relationship_display()


class HandlingCode(models.TextChoices):
    """How far police intelligence in a concern or note may go (after the 3x5x2 handling
    conditions). The record's own sharing decides everything else."""

    NONE = "", "No handling restriction: follows the case"
    POLICE_ONLY = "police_only", "Police only: not to be shared outside police agencies"
    ORIGINATOR_ONLY = "originator_only", "Originating agency only: not to be shared at all"


class Concern(ArchivableModel):
    """A concern logged about a child. Belongs to the child's case and follows its access."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="concerns")
    # The case's owning agency, copied when the concern is made (a case never changes agency),
    # so that the dashboards find a partnership's concerns of a period by one index range per
    # agency instead of probing every case. Access never reads it: a concern follows its case.
    case_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", editable=False
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    reporter_name = models.CharField(
        max_length=200, blank=True, help_text="Who reported it, if not the person recording it"
    )
    reporter_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    occurred_on = models.DateField()
    occurred_at_time = models.TimeField(null=True, blank=True)
    place = models.CharField(max_length=300, blank=True)
    narrative = models.TextField()
    indicator_set = models.ForeignKey(
        "indicators.IndicatorSet", on_delete=models.PROTECT, related_name="+"
    )
    indicator_codes = models.JSONField(default=list, blank=True)
    provisional_category = models.PositiveSmallIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    handling_code = models.CharField(
        max_length=20, choices=HandlingCode.choices, default=HandlingCode.NONE, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        indexes = [
            # The dashboards' concerns: submitted, not archived, by agency and day, with the
            # warning signs ticked, so that they are counted from the index alone.
            models.Index(
                fields=["case_agency", "occurred_on"],
                include=["case", "indicator_codes"],
                condition=models.Q(status="submitted", archived_at__isnull=True),
                name="concern_submitted_agency_day",
            )
        ]

    def __str__(self) -> str:
        return f"Concern of {self.occurred_on:%d %B %Y}"

    def save(self, *args, **kwargs) -> None:
        if self.case_agency_id is None:
            self.case_agency_id = self.case.owner_agency_id
        super().save(*args, **kwargs)


class ConcernPerson(BaseModel):
    """A suspect or other person involved in a concern."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="concern_links")
    role = models.CharField(
        max_length=20,
        choices=[("suspect", "Suspected offender"), ("associate", "Other person involved")],
    )

    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.get_role_display()


class ConcernLocation(BaseModel):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="locations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    def __str__(self) -> str:
        return str(self.location)


class ConcernDetail(BaseModel):
    """A vehicle or phone seen in a concern (normalised like PersonContact)."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="details")
    type = models.CharField(
        max_length=20,
        choices=[("vehicle", "Vehicle registration"), ("phone", "Phone number")],
    )
    value = models.CharField(max_length=100)
    normalised = models.CharField(max_length=100, db_index=True)
    description = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.value


class MissingEpisode(ArchivableModel):
    class Type(models.TextChoices):
        MISSING = "missing", "Missing"
        ABSENT = "absent", "Away without authorisation"

    class ReturnInterview(models.TextChoices):
        NOT_OFFERED = "not_offered", "Not offered"
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        COMPLETED = "completed", "Completed"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="missing_episodes")
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.MISSING)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reported_to_police = models.BooleanField(default=False)
    return_interview = models.CharField(
        max_length=20, choices=ReturnInterview.choices, default=ReturnInterview.NOT_OFFERED
    )
    return_interview_completed_at = models.DateTimeField(null=True, blank=True)
    where_found = models.CharField(max_length=300, blank=True)
    concerns = models.ManyToManyField(Concern, blank=True, related_name="missing_episodes")

    history = HistoricalRecords(m2m_fields=[concerns])

    class Meta:
        ordering = ["-started_at"]
        # The dashboards' episodes of a period.
        indexes = [models.Index(fields=["started_at"], name="missing_started")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="missing_episode_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} from {self.started_at:%d %B %Y}"

    @property
    def return_interview_within_72_hours(self) -> bool | None:
        if self.ended_at is None or self.return_interview_completed_at is None:
            return None
        return (self.return_interview_completed_at - self.ended_at).total_seconds() <= 72 * 3600


class Network(AgencyOwnedModel):
    """A named group of suspects (and the children they exploit), confirmed by an analyst."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DORMANT = "dormant", "Dormant"
        DISRUPTED = "disrupted", "Disrupted"

    name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NetworkMember(BaseModel):
    class Role(models.TextChoices):
        CORE = "core", "Core member"
        PERIPHERAL = "peripheral", "Peripheral member"
        VICTIM = "victim", "Victim"
        ASSOCIATE = "associate", "Associate"
        UNKNOWN = "unknown", "Not known"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="network_memberships")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.UNKNOWN)
    joined_on = models.DateField(null=True, blank=True)
    # A member who left stays on the network as a former member: what was known is kept.
    left_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "person"], name="one_membership_per_network"
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(joined_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="network_member_leaves_after_joining",
            ),
        ]

    def __str__(self) -> str:
        return self.get_role_display()


class CaseNote(ArchivableModel):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField()
    # The agency the note was written for; its handling code is judged against it.
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", null=True
    )
    handling_code = models.CharField(
        max_length=20, choices=HandlingCode.choices, default=HandlingCode.NONE, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Note of {self.created_at:%d %B %Y}"


class PersonGrant(AgencyGrant):
    content_object = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="grants")

    history = HistoricalRecords()


class CaseGrant(AgencyGrant):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="grants")

    history = HistoricalRecords()


class LocationGrant(AgencyGrant):
    content_object = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="grants")

    history = HistoricalRecords()


class AssociationGrant(AgencyGrant):
    content_object = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="grants")

    history = HistoricalRecords()


class NetworkGrant(AgencyGrant):
    content_object = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="grants")

    history = HistoricalRecords()


class SuggestionRun(BaseModel):
    """One computation of suggested networks for one user (what they may see decides the
    groups). Large graphs are computed by the worker; the page shows the run's progress.

    The groups hold person ids only; they are checked against what the user may see again
    whenever they are shown, so a share withdrawn after the run hides its person."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Finding the groups"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="suggestion_runs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    graph_nodes = models.PositiveIntegerField(null=True, blank=True)
    # [{"people": [pk, ...], "central": pk, "links": n}, ...]
    groups = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"Suggested networks of {self.created_at:%d %B %Y %H:%M}"


class PersonLocation(BaseModel):
    """A person linked to a place: where a child was first met, exploited or picked up, or a
    place a suspect is associated with (the data template's locations)."""

    class Role(models.TextChoices):
        FIRST_MET = "first_met", "Where they first met"
        EXPLOITATION = "exploitation", "Where exploitation happened"
        PICK_UP = "pick_up", "Where the child was picked up"
        OTHER = "other", "Other"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="places")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="people")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OTHER)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "location"], name="one_link_per_place")
        ]

    def __str__(self) -> str:
        return self.get_role_display()
