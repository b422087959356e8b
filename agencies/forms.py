from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.http import HttpRequest

from agencies.models import User
from core.forms import GovUKForm

INVALID_CREDENTIALS = "Enter the e-mail address and password of an active account"


class SignInForm(GovUKForm):
    email = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your e-mail address",
            "invalid": "Enter an e-mail address in the correct format, like name@example.org",
        },
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )

    def __init__(self, request: HttpRequest, *args, **kwargs) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        email, password = cleaned.get("email"), cleaned.get("password")
        if email and password:
            self.user = authenticate(self.request, email=email, password=password)
            if self.user is None:
                # The same words whether the address is unknown, the password wrong or the
                # account inactive, so that the form does not reveal who has an account.
                raise forms.ValidationError(INVALID_CREDENTIALS)
        return cleaned


class CodeForm(GovUKForm):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6-digit code shown in the app",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "govuk-input--width-10",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )


class ReauthenticateForm(GovUKForm):
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )
    code = CodeForm.base_fields["code"]


class SetPasswordForm(GovUKForm):
    password = forms.CharField(
        label="New password",
        help_text="At least 12 characters. A few unrelated words make a good password.",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a new password"},
    )
    confirm = forms.CharField(
        label="Confirm new password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter the new password again"},
    )

    def __init__(self, user: User, *args, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        password_validation.validate_password(password, self.user)
        return password

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("confirm") != cleaned["password"]:
            self.add_error("confirm", "The passwords do not match: enter the same password twice")
        return cleaned


class PasswordForgottenForm(GovUKForm):
    email = forms.EmailField(
        label="E-mail address",
        help_text="The address you sign in with. We will e-mail a link to set a new password.",
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your e-mail address",
            "invalid": "Enter an e-mail address in the correct format, like name@example.org",
        },
    )


class RecoveryCodeForm(GovUKForm):
    code = forms.CharField(
        label="Recovery code",
        help_text="One of the codes you were given when you set up two-factor authentication, "
        "like ABCDE-FGHJK-LMNPQ-RSTUV-WXYZ2",
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        error_messages={"required": "Enter a recovery code"},
    )
