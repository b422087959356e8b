"""Searching the access log (CSE leads and administrators, for their agencies)."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies import selectors
from agencies.decorators import capability_required
from agencies.models import AccessLogEntry
from agencies.roles import Capability
from core.forms import GovUKForm


class AccessLogFilterForm(GovUKForm):
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *AccessLogEntry.Action.choices]
    )
    # A choice, not a typed address: filters travel in the URL, which must carry no personal data.
    user = forms.ModelChoiceField(
        label="User",
        required=False,
        queryset=None,
        to_field_name="public_id",
        empty_label="Any user",
        error_messages={"invalid_choice": "Select one of the users listed"},
    )
    record_id = forms.UUIDField(
        label="Record identifier",
        required=False,
        error_messages={"invalid": "Enter a record identifier as shown on the record's page"},
    )
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the start date as YYYY-MM-DD"},
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the end date as YYYY-MM-DD"},
    )

    def __init__(self, *args, users, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users


@capability_required(Capability.VIEW_ACCESS_LOG)
def access_log(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilterForm(
        data=request.GET or None, users=selectors.access_log_users(request.user)
    )
    entries = selectors.access_log_for(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["user"]:
            entries = entries.filter(user=data["user"])
        if data["record_id"]:
            entries = entries.filter(record_id=data["record_id"])
        if data["start"]:
            entries = entries.filter(at__date__gte=data["start"])
        if data["end"]:
            entries = entries.filter(at__date__lte=data["end"])
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "agencies/access_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
