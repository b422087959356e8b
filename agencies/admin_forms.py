"""Forms of the administration screens."""

from __future__ import annotations

from django import forms

from agencies.models import Agency, Role, User
from core.forms import GovUKForm


class AgencyForm(GovUKForm):
    code = forms.SlugField(
        label="Agency code",
        help_text="Letters, numbers and hyphens, for example POL-WY. Used in the data template.",
        max_length=40,
        error_messages={
            "required": "Enter an agency code",
            "invalid": "Use only letters, numbers and hyphens in the agency code",
        },
    )
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the agency's name"}
    )
    type = forms.ChoiceField(
        label="Type of agency",
        choices=Agency.Type.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of agency"},
    )
    partnerships = forms.ModelMultipleChoiceField(
        label="Partnerships served",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one partnership"},
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args, partnerships, editing: Agency | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["partnerships"].queryset = partnerships
        if editing is not None:
            self.fields["code"].disabled = True
        else:
            del self.fields["is_active"]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if self.editing is None and Agency.objects.filter(code__iexact=code).exists():
            raise forms.ValidationError(
                "An agency with this code already exists: choose another code"
            )
        return self.editing.code if self.editing else code


class UserInviteForm(GovUKForm):
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter the person's full name"},
    )
    email = forms.EmailField(
        label="E-mail address",
        help_text="Their work address: the invitation is sent there",
        error_messages={
            "required": "Enter the person's e-mail address",
            "invalid": "Enter an e-mail address in the correct format, like name@example.org",
        },
    )
    agency = forms.ModelChoiceField(
        label="Agency",
        help_text=(
            "In an agency you do not administer, a role that opens records (or an "
            "administrator's) waits for that agency's approval"
        ),
        queryset=None,
        empty_label="Select an agency",
        error_messages={
            "required": "Select the agency the person works for",
            "invalid_choice": "Select one of the agencies listed",
        },
    )
    role = forms.ChoiceField(
        label="Role in that agency",
        choices=Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the person's role"},
    )

    def __init__(self, *args, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "A user with this e-mail address already exists: add a membership to them instead"
            )
        return email


class MembershipForm(GovUKForm):
    agency = forms.ModelChoiceField(
        label="Agency",
        help_text=(
            "In an agency you do not administer, a role that opens records (or an "
            "administrator's) waits for that agency's approval"
        ),
        queryset=None,
        empty_label="Select an agency",
        error_messages={
            "required": "Select an agency",
            "invalid_choice": "Select one of the agencies listed",
        },
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a role"},
    )

    def __init__(self, *args, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class ReasonForm(GovUKForm):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter the reason"},
    )


class DecisionForm(GovUKForm):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve the membership"), ("refuse", "Refuse it")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you approve the membership"},
    )
    reason = forms.CharField(
        label="Reason",
        help_text="Kept with the decision and told to the agency's CSE leads",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter the reason for your decision"},
    )


class TwoFactorResetForm(GovUKForm):
    prefix = "reset"
    reason = forms.CharField(
        label="Why the authenticator is reset",
        help_text="For example: phone lost, confirmed with the person by telephone",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter why the authenticator is reset"},
    )
