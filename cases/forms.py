"""Forms for people, concerns, missing episodes, notes and sharing. Every error names the field
and says what was expected; nothing is written until every form on the page is valid."""

from __future__ import annotations

import copy
from datetime import date

from django import forms
from django.utils import timezone

from agencies.models import LawfulBasis
from cases import normalise
from cases.codes import (
    NATIONALITY_CHOICES,
    Ethnicity,
    LivingSituation,
    LocationType,
    OfficerObserved,
    SchoolEngagement,
    Sex,
    YesNoUnknown,
)
from cases.models import (
    HandlingCode,
    MissingEpisode,
    NetworkMember,
    Person,
    PersonContact,
    PersonIdentifier,
    age_on,
)
from core.forms import GovUKForm


def date_field(label: str, *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": f"Enter the {label.lower()}",
            "invalid": f"Enter the {label.lower()} as a real date, like 2010-04-27",
        },
    )


def not_in_future(value: date | None, label: str) -> None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(f"The {label} must be today or in the past")


class PersonIdentityForm(GovUKForm):
    """Names and date of birth, with the checks every form about a person makes."""

    first_name = forms.CharField(label="First name", max_length=100, required=False)
    last_name = forms.CharField(label="Last name", max_length=100, required=False)
    known_as = forms.CharField(
        label="Known as", max_length=100, required=False, help_text="A nickname or other name"
    )
    date_of_birth = date_field("Date of birth")

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        not_in_future(value, "date of birth")
        return value

    def refuse_adults(self, *, on: date) -> bool:
        """Whether the person was under 18 `on` the date of first contact; if not, the date of
        birth field says so. Call after is_valid()."""
        born = self.cleaned_data.get("date_of_birth")
        if born and age_on(born, on) >= 18 and not self.errors.get("date_of_birth"):
            self.add_error(
                "date_of_birth",
                f"The date of birth makes the child 18 or over on {on:%-d %B %Y}: "
                "a child must be under 18 at first contact",
            )
            return False
        return True


class ChildForm(PersonIdentityForm):
    """The child a concern is about, when they are not already recorded."""

    estimated_age = forms.IntegerField(
        label="Age, if the date of birth is not known",
        required=False,
        min_value=0,
        max_value=17,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3", "inputmode": "numeric"}),
        error_messages={
            "min_value": "Enter an age from 0 to 17",
            "max_value": "A child must be under 18: enter an age from 0 to 17",
            "invalid": "Enter the age as a whole number, like 14",
        },
    )
    sex = forms.ChoiceField(
        label="Sex", choices=Sex.choices, initial=Sex.UNKNOWN, widget=forms.RadioSelect
    )
    ethnicity = forms.ChoiceField(
        label="Ethnicity (as the child describes it)",
        choices=Ethnicity.choices,
        initial="unknown",
        error_messages={"invalid_choice": "Select an ethnicity from the list"},
    )
    nationality = forms.ChoiceField(
        label="Nationality",
        choices=NATIONALITY_CHOICES,
        initial="unknown",
        error_messages={"invalid_choice": "Select a nationality from the list"},
    )

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(f) for f in ("first_name", "last_name", "known_as")):
            self.add_error(
                "first_name",
                "Enter at least a first name, a last name or a name the child is known as",
            )
        return cleaned


def handling_code_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Handling code",
        choices=HandlingCode.choices,
        required=False,
        initial=HandlingCode.NONE,
        widget=forms.RadioSelect,
        help_text="For police intelligence: how far it may go. Partners the case is shared "
        "with do not see what is marked police only.",
    )


class ConcernForm(GovUKForm):
    occurred_on = date_field("Date it happened", required=True)
    occurred_at_time = forms.TimeField(
        label="Time (if known)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"invalid": "Enter the time like 21:30"},
    )
    place = forms.CharField(label="Where it happened", max_length=300, required=False)
    narrative = forms.CharField(
        label="What was seen or said",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter what was seen or said"},
    )
    reporter_name = forms.CharField(
        label="Who reported it (if not you)", max_length=200, required=False
    )
    indicators = forms.MultipleChoiceField(
        label="Warning signs seen", required=False, widget=forms.CheckboxSelectMultiple
    )
    location_type = forms.ChoiceField(
        label="Type of place",
        required=False,
        choices=[("", "No place to record"), *LocationType.choices],
        error_messages={"invalid_choice": "Select a type of place from the list"},
    )
    location_description = forms.CharField(
        label="Description of the place", max_length=300, required=False
    )
    location_postcode_district = forms.CharField(
        label="Postcode district",
        max_length=8,
        required=False,
        help_text="The first part of the postcode, like LS6",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
    )
    vehicle_registration = forms.CharField(
        label="Vehicle registration", max_length=12, required=False
    )
    vehicle_description = forms.CharField(
        label="Vehicle description", max_length=300, required=False
    )
    phone_number = forms.CharField(
        label="Phone number",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    phone_description = forms.CharField(
        label="Whose phone, if known", max_length=300, required=False
    )

    known_people = forms.MultipleChoiceField(
        label="People already recorded who were involved",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select people from the list"},
    )

    handling_code = handling_code_field()

    def __init__(self, *args, indicator_set, known_people=(), police=False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only police agencies mark intelligence with a handling code.
        if not police:
            del self.fields["handling_code"]
        self.indicator_set = indicator_set
        self.indicator_objects = list(indicator_set.indicators.all())
        self.fields["indicators"].choices = [
            (i.code, f"{i.code} {i.text}") for i in self.indicator_objects
        ]
        # People linked to the child that the user may see, offered by their opaque id.
        self.known = {str(p.public_id): p for p in known_people}
        self.fields["known_people"].choices = [
            (key, f"{person} ({person.get_kind_display().lower()})")
            for key, person in self.known.items()
        ]
        if not self.known:
            del self.fields["known_people"]

    def clean_known_people(self) -> list:
        return [self.known[key] for key in self.cleaned_data["known_people"]]

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        not_in_future(value, "date it happened")
        return value

    def clean_location_postcode_district(self):
        value = self.cleaned_data["location_postcode_district"]
        if value and not normalise.postcode_district(value):
            raise forms.ValidationError("Enter a postcode district like LS6 or M14")
        return normalise.postcode_district(value)

    def clean_vehicle_registration(self):
        value = self.cleaned_data["vehicle_registration"]
        if value and not normalise.UK_REGISTRATION.match(normalise.vehicle(value)):
            raise forms.ValidationError(
                "Enter a vehicle registration of 2 to 8 letters and numbers, like AB12 CDE"
            )
        return value

    def clean_phone_number(self):
        value = self.cleaned_data["phone_number"]
        if value and not 7 <= len(normalise.phone(value)) <= 15:
            raise forms.ValidationError("Enter a phone number of 7 to 15 digits, like 07700 900123")
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("location_type") == "" and (
            cleaned.get("location_description") or cleaned.get("location_postcode_district")
        ):
            self.add_error("location_type", "Select the type of place you described")
        return cleaned

    def sections(self):
        """The indicator checkboxes grouped by section, for the template."""
        if self.is_bound:
            chosen = set(self.data.getlist(self.add_prefix("indicators")))
        else:
            chosen = set(self.initial.get("indicators", ()))
        groups = {"significant": [], "moderate": [], "vulnerability": []}
        for indicator in self.indicator_objects:
            groups[indicator.section].append((indicator, indicator.code in chosen))
        return [
            ("Significant warning signs", groups["significant"]),
            ("Moderate warning signs", groups["moderate"]),
            ("Vulnerabilities", groups["vulnerability"]),
        ]


class SuspectForm(GovUKForm):
    """A person involved in the concern and not yet recorded, as much as is known."""

    kind = forms.ChoiceField(
        label="Who they are",
        choices=[
            (Person.Kind.SUSPECT, "Suspected offender"),
            (Person.Kind.ASSOCIATE, "Other person involved (a friend, a witness)"),
        ],
        initial=Person.Kind.SUSPECT,
        required=False,
    )
    first_name = forms.CharField(label="First name", max_length=100, required=False)
    last_name = forms.CharField(label="Last name", max_length=100, required=False)
    alias = forms.CharField(label="Alias or street name", max_length=100, required=False)
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, initial=Sex.UNKNOWN, required=False)
    estimated_age = forms.IntegerField(
        label="Approximate age",
        required=False,
        min_value=10,
        max_value=99,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3", "inputmode": "numeric"}),
        error_messages={
            "min_value": "Enter an age from 10 to 99",
            "max_value": "Enter an age from 10 to 99",
            "invalid": "Enter the age as a whole number, like 25",
        },
    )

    def has_content(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(f) for f in ("first_name", "last_name", "alias", "estimated_age"))


SuspectFormSet = forms.formset_factory(SuspectForm, extra=1, max_num=10, validate_max=True)


class CaseDetailsForm(GovUKForm):
    first_contact_date = date_field(
        "First contact date",
        help_text="When the child first came to an agency's attention for sexual exploitation",
    )
    living_situation = forms.ChoiceField(label="Living situation", choices=LivingSituation.choices)
    looked_after_legal_status = forms.CharField(
        label="Legal status (if looked after)", max_length=100, required=False
    )
    placing_authority = forms.CharField(
        label="Placing authority (if looked after)", max_length=200, required=False
    )
    moved_into_care_after_intervention = forms.ChoiceField(
        label="Moved into care after intervention", choices=YesNoUnknown.choices
    )
    school_engagement = forms.ChoiceField(
        label="School engagement", choices=SchoolEngagement.choices
    )

    def __init__(self, *args, child=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.child = child

    def clean_first_contact_date(self):
        value = self.cleaned_data["first_contact_date"]
        not_in_future(value, "first contact date")
        if value and self.child is not None:
            age = self.child.age_at(value)
            if age is not None and age >= 18:
                raise forms.ValidationError(
                    "The child was 18 or over on that date: "
                    "a child must be under 18 at first contact"
                )
            if self.child.date_of_birth and value < self.child.date_of_birth:
                raise forms.ValidationError(
                    "The first contact date must be after the date of birth"
                )
        return value


class PersonForm(PersonIdentityForm):
    field_order = ["first_name", "last_name", "known_as", "initials", "date_of_birth"]

    initials = forms.CharField(
        label="Initials", max_length=20, required=False, help_text="For example J.S."
    )
    estimated_age = forms.IntegerField(
        label="Estimated age, if the date of birth is not known",
        required=False,
        min_value=0,
        max_value=99,
        error_messages={
            "min_value": "Enter an age from 0 to 99",
            "max_value": "Enter an age from 0 to 99",
            "invalid": "Enter the age as a whole number",
        },
    )
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, widget=forms.RadioSelect)
    ethnicity = forms.ChoiceField(label="Self-defined ethnicity", choices=Ethnicity.choices)
    nationality = forms.ChoiceField(
        label="Nationality",
        choices=NATIONALITY_CHOICES,
        error_messages={"invalid_choice": "Select a nationality from the list"},
    )
    officer_observed = forms.ChoiceField(
        label="Officer-observed ethnicity (police only)",
        required=False,
        choices=[("", "Not recorded"), *OfficerObserved.choices],
    )
    first_known_date = date_field("First known as a suspect")
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == "child":
            self.fields["estimated_age"] = copy.deepcopy(ChildForm.base_fields["estimated_age"])
            self.govuk_style()
            del self.fields["first_known_date"]


DETAIL_KINDS = [
    ("alias", "Alias or other name"),
    *PersonIdentifier.Type.choices,
    *PersonContact.Type.choices,
]


class PersonDetailForm(GovUKForm):
    kind = forms.ChoiceField(label="Type of detail", choices=DETAIL_KINDS)
    value = forms.CharField(
        label="Value", max_length=300, error_messages={"required": "Enter the detail"}
    )
    description = forms.CharField(label="Description (optional)", max_length=300, required=False)

    def clean(self):
        cleaned = super().clean()
        kind, value = cleaned.get("kind"), cleaned.get("value", "")
        if not value:
            return cleaned
        if kind == PersonIdentifier.Type.NHS_NUMBER and not normalise.nhs_number_valid(value):
            self.add_error("value", "Enter a valid 10-digit NHS number, like 943 476 5919")
        elif kind == PersonContact.Type.PHONE and not 7 <= len(normalise.phone(value)) <= 15:
            self.add_error("value", "Enter a phone number of 7 to 15 digits, like 07700 900123")
        elif kind == PersonContact.Type.VEHICLE and not normalise.UK_REGISTRATION.match(
            normalise.vehicle(value)
        ):
            self.add_error(
                "value", "Enter a vehicle registration of 2 to 8 letters and numbers, like AB12 CDE"
            )
        return cleaned


class MissingEpisodeForm(GovUKForm):
    type = forms.ChoiceField(
        label="Type", choices=MissingEpisode.Type.choices, widget=forms.RadioSelect
    )
    started_at = forms.DateTimeField(
        label="Went missing",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": "Enter when the child went missing",
            "invalid": "Enter when the child went missing as a date and time, "
            "like 2024-03-01 21:30",
        },
    )
    ended_at = forms.DateTimeField(
        label="Returned or found",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "invalid": "Enter when the child returned as a date and time, like 2024-03-02 08:00"
        },
    )
    reported_to_police = forms.BooleanField(label="Reported to the police", required=False)
    where_found = forms.CharField(label="Where found", max_length=300, required=False)
    return_interview = forms.ChoiceField(
        label="Return home interview", choices=MissingEpisode.ReturnInterview.choices
    )
    return_interview_completed_at = forms.DateTimeField(
        label="Return home interview completed",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "Enter when the interview was completed as a date and time"},
    )
    concerns = forms.MultipleChoiceField(
        label="Concerns linked to this episode",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select concerns from the list"},
    )

    def __init__(self, *args, concerns=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case_concerns = {str(c.public_id): c for c in concerns}
        self.fields["concerns"].choices = [
            (
                key,
                f"Concern of {c.occurred_on:%d %B %Y}"
                + (" (draft)" if c.status == "draft" else ""),
            )
            for key, c in self.case_concerns.items()
        ]
        if not self.case_concerns:
            del self.fields["concerns"]

    def clean_concerns(self) -> list:
        return [self.case_concerns[key] for key in self.cleaned_data["concerns"]]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("started_at"), cleaned.get("ended_at")
        now = timezone.now()
        if start and start > now:
            self.add_error("started_at", "The time the child went missing must be in the past")
        if end and end > now:
            self.add_error("ended_at", "The time the child returned must be in the past")
        if start and end and end < start:
            self.add_error("ended_at", "The return must be after the child went missing")
        completed = cleaned.get("return_interview_completed_at")
        if completed and end and completed < end:
            self.add_error(
                "return_interview_completed_at", "The interview must be after the child returned"
            )
        if completed and cleaned.get("return_interview") != "completed":
            self.add_error(
                "return_interview", "Select completed if the interview has a completion time"
            )
        return cleaned


class NoteForm(GovUKForm):
    text = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the note"},
    )
    handling_code = handling_code_field()

    def __init__(self, *args, police: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not police:
            del self.fields["handling_code"]


class CloseCaseForm(GovUKForm):
    reason = forms.CharField(
        label="Reason for closing",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for closing the case"},
    )


class PersonSearchForm(GovUKForm):
    name = forms.CharField(label="Name, alias or known as", max_length=200, required=False)
    date_of_birth = date_field("Date of birth")
    age = forms.IntegerField(
        label="Age",
        required=False,
        min_value=0,
        max_value=120,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
        error_messages={"invalid": "Enter the age as a whole number"},
    )
    reference = forms.CharField(label="Reference or NHS number", max_length=60, required=False)
    phone = forms.CharField(label="Phone number", max_length=30, required=False)
    vehicle = forms.CharField(label="Vehicle registration", max_length=12, required=False)
    postcode_district = forms.CharField(
        label="Postcode district",
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
    )

    def clean_postcode_district(self):
        value = self.cleaned_data["postcode_district"]
        if value and not normalise.postcode_district(value):
            raise forms.ValidationError("Enter a postcode district like LS6 or M14")
        return normalise.postcode_district(value)

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(f) not in (None, "") for f in self.fields):
            raise forms.ValidationError("Enter at least one thing to search for")
        return cleaned


class MergeForm(GovUKForm):
    duplicate = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why these are the same person",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why these records are the same person"},
    )


# "Not recorded" marks shares made before the basis was asked for; a new share always has one.
OFFERED_BASES = [
    (value, label) for value, label in LawfulBasis.choices if value != LawfulBasis.NOT_RECORDED
]


def lawful_basis_field(label: str, *, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        help_text=help_text,
        choices=OFFERED_BASES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the lawful basis for sharing",
            "invalid_choice": "Choose the lawful basis for sharing",
        },
    )


def consent_by_field() -> forms.CharField:
    return forms.CharField(
        label="Who gave consent",
        help_text="If consent was given: for example the child, or their mother",
        max_length=200,
        required=False,
        error_messages={"max_length": "Who gave consent must be 200 characters or fewer"},
    )


def clean_consent(form: forms.Form, cleaned: dict) -> None:
    """Consent needs who gave it; a share without consent keeps no consenter's name."""
    basis = cleaned.get("lawful_basis")
    if basis == LawfulBasis.CONSENT:
        if not cleaned.get("consent_by") and "consent_by" not in form.errors:
            form.add_error("consent_by", "Enter who gave consent")
    elif basis:
        cleaned["consent_by"] = ""


class ShareForm(GovUKForm):
    agency = forms.ModelChoiceField(
        label="Agency to share with",
        queryset=None,
        to_field_name="public_id",
        empty_label="Select an agency",
        error_messages={
            "required": "Select the agency to share with",
            "invalid_choice": "Select one of the agencies listed",
        },
    )
    lawful_basis = lawful_basis_field(
        "Lawful basis for sharing", help_text="The receiving agency is shown the basis"
    )
    consent_by = consent_by_field()
    reason = forms.CharField(
        label="Reason for sharing",
        help_text="Why this agency needs the record. Without consent, why sharing is needed to "
        "safeguard the child or for law enforcement.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter the reason for sharing"},
    )

    def __init__(self, *args, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies

    def clean(self):
        cleaned = super().clean()
        clean_consent(self, cleaned)
        return cleaned


class UnshareForm(GovUKForm):
    reason = forms.CharField(
        label="Reason for withdrawing the share",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter the reason for withdrawing the share"},
    )


class NetworkMemberForm(GovUKForm):
    """A member added by hand (with `people` to choose from) or an existing member's role and
    dates (without)."""

    person = forms.ChoiceField(
        label="Person",
        error_messages={
            "required": "Select the person to add",
            "invalid_choice": "Select a person from the list",
        },
    )
    role = forms.ChoiceField(label="Role in the network", choices=NetworkMember.Role.choices)
    joined_on = date_field("Date they joined")
    left_on = date_field("Date they left", help_text="Leave empty while they are a member")
    reason = forms.CharField(
        label="Why (source of the information)", max_length=500, required=False
    )

    def __init__(self, *args, people=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if people is None:
            del self.fields["person"]
        else:
            self.people = {str(p.public_id): p for p in people}
            self.fields["person"].choices = [("", "Choose a person")] + [
                (key, f"{p} ({p.get_kind_display().lower()}, held by {p.owner_agency.name})")
                for key, p in self.people.items()
            ]
            del self.fields["left_on"]

    def clean_person(self):
        return self.people[self.cleaned_data["person"]]

    def clean(self):
        cleaned = super().clean()
        joined, left = cleaned.get("joined_on"), cleaned.get("left_on")
        for name in ("joined_on", "left_on"):
            try:
                not_in_future(cleaned.get(name), "date")
            except forms.ValidationError as error:
                self.add_error(name, error)
        if joined and left and left < joined:
            self.add_error("left_on", "The date they left must be on or after the date they joined")
        return cleaned


class RetentionDecisionForm(GovUKForm):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            ("keep", "Keep the record and review it again later"),
            ("archive", "Archive the record (it is kept, but no longer shown or counted)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to keep or archive the record"},
    )
    next_review_on = date_field(
        "Next review date (if kept)",
        help_text="Leave empty for the usual period for this kind of record",
    )
    reason = forms.CharField(
        label="Reason for the decision",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter the reason for the decision"},
    )

    def clean_next_review_on(self):
        value = self.cleaned_data["next_review_on"]
        if value and value <= timezone.localdate():
            raise forms.ValidationError("The next review date must be in the future")
        return value
