"""Forms of meetings: each error names the field and what was expected."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from agencies.models import Agency, Membership, Partnership
from cases.forms import date_field
from core.forms import GovUKForm
from meetings.models import RISK_CATEGORIES, Meeting, MeetingAction
from meetings.selectors import RECORDED_AFTER

MEETINGS_AHEAD = timedelta(days=731)


def time_field(label: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": f"Enter the {label.lower()} as a time, like 14:30"},
    )


class MeetingDetailsForm(GovUKForm):
    title = forms.CharField(
        label="Name of the meeting",
        max_length=200,
        help_text="For example, Riverside MASE. Do not name a child or a suspect.",
        error_messages={"required": "Enter the name of the meeting"},
    )
    held_on = date_field("Date of the meeting", required=True)
    starts_at = time_field("Start time")
    venue = forms.CharField(label="Venue", max_length=200, required=False)
    agencies = forms.ModelMultipleChoiceField(
        label="Agencies invited",
        queryset=Agency.objects.none(),
        to_field_name="public_id",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only the agencies invited see the meeting. Your agency is always invited.",
    )

    def __init__(self, *args, agencies: QuerySet[Agency], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = agencies

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate() + MEETINGS_AHEAD:
            raise forms.ValidationError(
                "The date of the meeting must be within two years from today"
            )
        return held_on

    def clean_agencies(self):
        # A list in the agencies' own order, to compare with the agencies saved.
        return list(self.cleaned_data["agencies"])


class MeetingNewForm(MeetingDetailsForm):
    field_order = ["partnership"]
    partnership = forms.ModelChoiceField(
        label="Partnership",
        queryset=Partnership.objects.none(),
        to_field_name="public_id",
        empty_label=None,
        error_messages={"required": "Choose the partnership the meeting is for"},
    )

    def __init__(self, *args, partnerships: QuerySet[Partnership], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships

    def clean_held_on(self):
        held_on = super().clean_held_on()
        if held_on < timezone.localdate() - RECORDED_AFTER:
            raise forms.ValidationError(
                f"The date of the meeting must be today, in the future or in the last"
                f" {RECORDED_AFTER.days} days"
            )
        return held_on

    def clean(self):
        cleaned = super().clean()
        partnership = cleaned.get("partnership")
        outside = [
            agency.name
            for agency in cleaned.get("agencies") or []
            if partnership and not agency.partnerships.filter(pk=partnership.pk).exists()
        ]
        if outside:
            self.add_error(
                "agencies", f"{', '.join(outside)} is not in {partnership.name}: untick it"
            )
        return cleaned


class MeetingEditForm(MeetingDetailsForm):
    status = forms.ChoiceField(
        label="Status", choices=Meeting.Status.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, attendance, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.attendance_fields = []
        for row in attendance:
            name = f"attendees_{row.agency.public_id}"
            self.fields[name] = forms.CharField(
                label=f"Who attended for {row.agency.name}",
                max_length=500,
                required=False,
                help_text="Names and roles",
            )
            self.attendance_fields.append((name, row.agency_id))

    def attendees(self) -> dict[int, str]:
        return {agency_id: self.cleaned_data[name] for name, agency_id in self.attendance_fields}


class AgendaItemAddForm(GovUKForm):
    meeting = forms.ModelChoiceField(
        label="Meeting",
        queryset=Meeting.objects.none(),
        to_field_name="public_id",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose the meeting to add this to"},
    )

    def __init__(self, *args, meetings: QuerySet[Meeting], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings


class ContributionForm(GovUKForm):
    text = forms.CharField(
        label="Information shared",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What your agency knows and told the meeting",
        error_messages={"required": "Enter the information your agency shared"},
    )


class OutcomeForm(GovUKForm):
    risk_category = forms.TypedChoiceField(
        label="Risk category agreed",
        choices=[("", "Not agreed yet"), *RISK_CATEGORIES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    decisions = forms.CharField(
        label="Decisions", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    next_review_on = date_field(
        "Next review", help_text="Usually 12 weeks after the meeting", required=True
    )


class ActionForm(GovUKForm):
    description = forms.CharField(
        label="Action",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what needs to be done"},
    )
    owner_agency = forms.ModelChoiceField(
        label="Agency responsible",
        queryset=Agency.objects.none(),
        to_field_name="public_id",
        error_messages={"required": "Choose the agency responsible for the action"},
    )
    owner = forms.ModelChoiceField(
        label="Person responsible",
        queryset=Membership.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label="Anyone in the agency",
    )
    due_on = date_field("Due by", required=True)

    def __init__(self, *args, agencies: QuerySet[Agency], owners, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = agencies
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda m: f"{m.user.full_name}, {m.agency}"

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError("The due date must be today or in the future")
        return due_on

    def clean(self):
        cleaned = super().clean()
        owner, agency = cleaned.get("owner"), cleaned.get("owner_agency")
        if owner and agency and owner.agency_id != agency.pk:
            self.add_error("owner", f"Choose someone in {agency.name}, or anyone in the agency")
        return cleaned


class ActionUpdateForm(GovUKForm):
    status = forms.ChoiceField(
        label="Progress", choices=MeetingAction.Status.choices, widget=forms.RadioSelect
    )
    status_note = forms.CharField(
        label="Note", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    due_on = date_field("Due by", required=True)


class ItemWithdrawForm(GovUKForm):
    reason = forms.CharField(
        label="Why the item is withdrawn",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, added to the wrong meeting. Do not name a child or a suspect.",
        max_length=5000,
        error_messages={
            "required": "Enter why the item is withdrawn",
            "max_length": "Why the item is withdrawn must be 5,000 characters or fewer",
        },
    )
