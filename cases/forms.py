from __future__ import annotations

from django import forms

from core.forms import GovUKForm


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
    reason = forms.CharField(
        label="Reason for sharing",
        help_text="Why this agency needs the record, and the lawful basis for sharing it",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter the reason for sharing"},
    )

    def __init__(self, *args, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class UnshareForm(GovUKForm):
    reason = forms.CharField(
        label="Reason for withdrawing the share",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter the reason for withdrawing the share"},
    )
