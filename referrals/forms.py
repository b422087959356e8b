from __future__ import annotations

from django import forms

from cases.codes import YesNoUnknown
from core.forms import GovUKForm
from referrals.models import Referral


class ReferralForm(GovUKForm):
    to_agency = forms.ModelChoiceField(
        label="Refer to",
        queryset=None,
        to_field_name="public_id",
        empty_label="Select an agency",
        error_messages={
            "required": "Select the agency to refer to",
            "invalid_choice": "Select one of the agencies listed",
        },
    )
    urgency = forms.ChoiceField(
        label="Urgency",
        choices=Referral.Urgency.choices,
        widget=forms.RadioSelect,
        help_text="Immediate: acknowledged within an hour. Urgent: within 24 hours. "
        "Routine: within 3 working days.",
        error_messages={"required": "Select how urgent the referral is"},
    )
    reason = forms.CharField(
        label="Why you are referring",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why you are referring the child"},
    )
    asked_for = forms.CharField(
        label="What you are asking for",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what you are asking the agency to do"},
    )
    already_done = forms.CharField(
        label="What you have already done", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    child_family_aware = forms.ChoiceField(
        label="Do the child and family know about this referral?",
        choices=YesNoUnknown.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the child and family know"},
    )

    def __init__(self, *args, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = agencies


class ReasonForm(GovUKForm):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason"},
    )


class OutcomeForm(GovUKForm):
    outcome = forms.CharField(
        label="Outcome",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the outcome of the referral"},
    )
