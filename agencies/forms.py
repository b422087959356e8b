from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest

from agencies.models import User
from core.forms import GovUKForm


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
                raise forms.ValidationError(
                    "Enter the e-mail address and password of an active account"
                )
        return cleaned
