from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from agencies.models import User
from core.forms import GovUKForm


class UserChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.full_name or user.email


class RestrictForm(GovUKForm):
    reason = forms.CharField(
        label="Why the record is restricted",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, the child is related to a member of staff. Everyone named "
        "sees this reason.",
        error_messages={"required": "Enter why the record is restricted"},
    )
    users = UserChoice(
        label="Who may open it",
        queryset=User.objects.none(),
        to_field_name="public_id",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only the people ticked, and you, will see the record and everything in it.",
        error_messages={
            "invalid_choice": "Choose people from the list",
            "invalid_pk_value": "Choose people from the list",
        },
    )

    def __init__(self, *args, candidates: QuerySet[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = candidates


class RestrictionChangeForm(RestrictForm):
    reason = forms.CharField(
        label="Why the people named are changing",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the people named are changing"},
    )


class LiftForm(GovUKForm):
    reason = forms.CharField(
        label="Why the restriction is lifted",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the restriction is lifted"},
    )


class EmergencyAccessForm(GovUKForm):
    reason = forms.CharField(
        label="Why this is an emergency",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, the child is missing tonight and the record may say where "
        "they go. The lead professional and the agency's CSE lead are told at once, "
        "with this reason.",
        error_messages={"required": "Enter why this is an emergency"},
    )
