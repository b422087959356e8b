from __future__ import annotations

from django import forms

from agencies.models import LawfulBasis
from cases.codes import YesNoUnknown
from cases.forms import clean_consent, consent_by_field, lawful_basis_field
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
    lawful_basis = lawful_basis_field(
        "Lawful basis for sharing the case",
        help_text="The receiving agency sees the case when it accepts the referral, and is "
        "shown this basis before it does",
    )
    consent_by = consent_by_field()
    basis_reason = forms.CharField(
        label="Why the case is shared without consent",
        help_text="Why sharing is needed to safeguard the child or for law enforcement. "
        "Leave empty if consent was given.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"max_length": "The reason must be 2000 characters or fewer"},
    )

    def __init__(self, *args, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = agencies

    def clean(self):
        cleaned = super().clean()
        clean_consent(self, cleaned)
        basis = cleaned.get("lawful_basis")
        if basis == LawfulBasis.CONSENT:
            cleaned["basis_reason"] = ""
        elif basis and not cleaned.get("basis_reason") and "basis_reason" not in self.errors:
            self.add_error("basis_reason", "Enter why the case is shared without consent")
        return cleaned


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
