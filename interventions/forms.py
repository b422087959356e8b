"""Forms for flags, flag types, disruption activity and victim support."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from cases.forms import date_field
from core.forms import GovUKForm
from interventions.models import (
    CourtDate,
    DisruptionActivity,
    FlagType,
    SpecialMeasure,
    VictimSupport,
)


def reason_field(label: str, message: str, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={
            "required": message,
            "max_length": f"{label} must be 5,000 characters or fewer",
        },
        **kwargs,
    )


def review_date_field(label: str = "Review date") -> forms.DateField:
    field = date_field(label, required=True)
    field.help_text = "When the flag must be looked at again: today or later"
    return field


def clean_not_past(value):
    if value and value < timezone.localdate():
        raise forms.ValidationError("The review date must be today or in the future")
    return value


def flag_owner_field(help_text: str) -> forms.ModelChoiceField:
    """The owner of a flag, chosen from those who may review it (the form sets the queryset)."""
    return forms.ModelChoiceField(
        label="Owner",
        help_text=help_text,
        queryset=None,
        to_field_name="public_id",
        empty_label=None,
        error_messages={
            "required": "Select the owner of the flag",
            "invalid_choice": "Select an owner who can see this record",
        },
    )


class FlagForm(GovUKForm):
    flag_type = forms.ModelChoiceField(
        label="Type of exploitation",
        queryset=FlagType.objects.none(),
        to_field_name="code",
        empty_label="Choose a type",
        error_messages={
            "required": "Select the type of exploitation",
            "invalid_choice": "Select a type of exploitation from the list",
        },
    )
    reason = reason_field("Why the flag is set", "Enter why the flag is set")
    owner = flag_owner_field(
        "The person who will review the flag. They must be able to see this record."
    )
    review_on = review_date_field()

    def __init__(self, *args, flag_types, owners, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["flag_type"].queryset = flag_types
        self.fields["owner"].queryset = owners

    def clean_review_on(self):
        return clean_not_past(self.cleaned_data["review_on"])


class FlagReviewForm(GovUKForm):
    note = reason_field("What the review found", "Enter what the review found")
    review_on = review_date_field("Next review date")
    owner = flag_owner_field("Who reviews the flag next. Change it when the owner has moved on.")

    def __init__(self, *args, owners, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners

    def clean_review_on(self):
        return clean_not_past(self.cleaned_data["review_on"])


class FlagRemoveForm(GovUKForm):
    reason = reason_field("Why the flag is removed", "Enter why the flag is removed")


class DisruptionRemoveForm(GovUKForm):
    reason = reason_field("Why the entry is removed", "Enter why the entry is removed")


class FlagTypeForm(GovUKForm):
    code = forms.SlugField(
        label="Code",
        max_length=40,
        help_text="Letters, numbers, hyphens or underscores, for example sexual_harm",
        error_messages={
            "required": "Enter a code",
            "invalid": "The code may only have letters, numbers, hyphens and underscores",
        },
    )
    name = forms.CharField(
        label="Name", max_length=100, error_messages={"required": "Enter the name"}
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    display_order = forms.IntegerField(
        label="Position in the list",
        min_value=0,
        max_value=32000,
        initial=100,
        error_messages={
            "required": "Enter the position in the list",
            "invalid": "Enter the position as a whole number",
            "min_value": "The position must be 0 or more",
            "max_value": "The position must be 32,000 or less",
        },
    )
    is_active = forms.BooleanField(label="Offered for new flags", required=False, initial=True)

    def __init__(self, *args, editing: FlagType | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing is not None:
            del self.fields["code"]
        else:
            del self.fields["is_active"]

    def clean_code(self):
        code = self.cleaned_data["code"].lower()
        if code == "new":
            raise forms.ValidationError("Choose another code: this one is reserved")
        if FlagType.objects.filter(code=code).exists():
            raise forms.ValidationError("A flag type with this code already exists")
        return code


class DisruptionForm(GovUKForm):
    type = forms.ChoiceField(
        label="Type of activity",
        choices=[("", "Choose a type"), *DisruptionActivity.Type.choices],
        error_messages={
            "required": "Select the type of activity",
            "invalid_choice": "Select a type of activity from the list",
        },
    )
    occurred_on = date_field("Date", required=True)
    agency = forms.ModelChoiceField(
        label="Agency responsible",
        queryset=None,
        to_field_name="public_id",
        empty_label="Choose an agency",
        error_messages={
            "required": "Select the agency responsible",
            "invalid_choice": "Select an agency of the partnership",
        },
    )
    details = reason_field(
        "Details",
        "Enter the details",
        help_text="For a licensing referral, the business (for example a taxi firm or hotel)",
    )
    court_result = forms.ChoiceField(
        label="Outcome at court (for a court outcome)",
        choices=[("", "Not a court outcome"), *DisruptionActivity.CourtResult.choices],
        required=False,
        error_messages={"invalid_choice": "Select an outcome at court from the list"},
    )
    outcome = forms.CharField(
        label="Outcome",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value and value.year < 1990:
            raise forms.ValidationError("Enter a date from 1990 onwards")
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("type") == DisruptionActivity.Type.COURT_OUTCOME and not cleaned.get(
            "court_result"
        ):
            self.add_error("court_result", "Select the outcome at court")
        return cleaned


class VictimSupportForm(GovUKForm):
    abe_status = forms.ChoiceField(
        label="Achieving best evidence (ABE) interview",
        choices=VictimSupport.AbeStatus.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether an ABE interview was held",
            "invalid_choice": "Select an ABE interview status from the list",
        },
    )
    abe_date = date_field("Date of the ABE interview", help_text="Planned or held")
    special_measures = forms.MultipleChoiceField(
        label="Special measures",
        choices=SpecialMeasure.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Select special measures from the list"},
    )
    support_worker_name = forms.CharField(
        label="Support worker", max_length=200, required=False,
        help_text="The name of the worker assigned, for example an ISVA or specialist CSE worker",
    )  # fmt: skip
    support_worker_role = forms.CharField(
        label="Support worker's role", max_length=100, required=False, help_text="For example ISVA"
    )
    support_worker_agency = forms.ModelChoiceField(
        label="Support worker's agency",
        queryset=None,
        to_field_name="public_id",
        required=False,
        empty_label="Not recorded",
        error_messages={"invalid_choice": "Select an agency of the partnership"},
    )
    court_outcome = forms.CharField(
        label="Outcome of the case at court",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    continued_support = forms.ChoiceField(
        label="Support after the outcome",
        choices=VictimSupport.ContinuedSupport.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether support continues after the outcome",
            "invalid_choice": "Select whether support continues from the list",
        },
    )
    continued_support_until = date_field("Support continues until")

    def __init__(self, *args, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["support_worker_agency"].queryset = agencies

    def clean(self):
        cleaned = super().clean()
        until = cleaned.get("continued_support_until")
        abe_date = cleaned.get("abe_date")
        if abe_date and abe_date.year < 1990:
            self.add_error("abe_date", "Enter a date from 1990 onwards")
        if until and cleaned.get("continued_support") != VictimSupport.ContinuedSupport.CONTINUING:
            self.add_error(
                "continued_support_until",
                "Leave the end date empty unless support is continuing",
            )
        return cleaned


class CourtDateForm(GovUKForm):
    date = date_field("Date of the hearing", required=True)
    hearing_type = forms.ChoiceField(
        label="Type of hearing",
        choices=[("", "Choose a type"), *CourtDate.HearingType.choices],
        error_messages={
            "required": "Select the type of hearing",
            "invalid_choice": "Select a type of hearing from the list",
        },
    )
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value and value.year < 1990:
            raise forms.ValidationError("Enter a date from 1990 onwards")
        return value
