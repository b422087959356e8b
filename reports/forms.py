"""The dashboards' filter: a partnership, some of its agencies, and a period."""

from __future__ import annotations

import zipfile
from datetime import date

from django import forms
from django.conf import settings
from django.utils import timezone

from agencies.models import Agency, Partnership
from cases.forms import date_field
from core.forms import GovUKForm

LONGEST_PERIOD_DAYS = 10 * 366


def default_period(today: date) -> tuple[date, date]:
    """The last twelve whole months and this month so far."""
    return today.replace(year=today.year - 1, day=1), today


class DashboardFilterForm(GovUKForm):
    # Chosen by code among the partnerships of `scopes`, which the view has read already: the
    # field neither lists nor finds them with a query of its own.
    partnership = forms.ChoiceField(
        label="Partnership",
        error_messages={"invalid_choice": "Select one of the partnerships listed"},
    )
    agencies = forms.ModelMultipleChoiceField(
        label="Agencies",
        queryset=Agency.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for every agency you may see",
        error_messages={"invalid_choice": "Select only agencies listed for the partnership"},
    )
    start = date_field("Period start", required=True)
    end = date_field("Period end", required=True)

    def __init__(self, *args, scopes: dict[Partnership, list[Agency]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scopes = scopes
        self.fields["partnership"].choices = [(p.code, p.name) for p in scopes]
        self.fields["agencies"].queryset = Agency.objects.filter(
            pk__in=[a.pk for agencies in scopes.values() for a in agencies]
        )
        self.fields["agencies"].choices = [
            (agency.code, f"{agency.name} ({partnership.name})" if len(scopes) > 1 else agency.name)
            for partnership, agencies in scopes.items()
            for agency in agencies
        ]

    def clean_partnership(self) -> Partnership:
        code = self.cleaned_data["partnership"]
        return next(partnership for partnership in self.scopes if partnership.code == code)

    def clean_end(self):
        end = self.cleaned_data["end"]
        if end > timezone.localdate():
            raise forms.ValidationError("The period end must be today or in the past")
        return end

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The period end must be the same as or after the start")
        elif start and end and (end - start).days > LONGEST_PERIOD_DAYS:
            self.add_error("start", "Choose a period of 10 years or less")
        partnership = cleaned.get("partnership")
        chosen = cleaned.get("agencies")
        if partnership and chosen:
            allowed = {agency.pk for agency in self.scopes[partnership]}
            if any(agency.pk not in allowed for agency in chosen):
                self.add_error(
                    "agencies", "Select only agencies of the partnership you have chosen"
                )
        return cleaned

    def chosen_agencies(self) -> list[Agency]:
        partnership = self.cleaned_data["partnership"]
        chosen = list(self.cleaned_data.get("agencies") or [])
        return sorted(chosen, key=lambda a: a.name) if chosen else self.scopes[partnership]


class ReturnRequestForm(DashboardFilterForm):
    """The CEOP-style return: the dashboards' choice of partnership, agencies and period, and
    the format."""

    format = forms.ChoiceField(
        label="What to produce",
        choices=[
            ("ceop_return_xlsx", "Workbook (.xlsx), with percentages, for people"),
            ("ceop_return_json", "JSON, exactly as the national request defines it"),
            ("template_xlsx", "The records themselves in the data template (.xlsx)"),
            ("template_zip", "The records themselves in the data template (CSV files, .zip)"),
        ],
        initial="ceop_return_xlsx",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a format", "invalid_choice": "Choose a format"},
    )
    monthly = forms.BooleanField(
        label="Also produce it every month, for the month before, and tell me by e-mail",
        required=False,
    )


class TemplateUploadForm(GovUKForm):
    file = forms.FileField(
        label="Filled-in template",
        help_text="A workbook (.xlsx) or a zip of CSV files (.zip), at most 50 MB",
        error_messages={"required": "Choose the file to import"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".zip")):
            raise forms.ValidationError(
                "The file must be a workbook (.xlsx) or a zip of CSV files (.zip)"
            )
        if upload.size > settings.TEMPLATE_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"The file must be {settings.TEMPLATE_UPLOAD_MAX_BYTES // 2**20} MB or smaller"
            )
        # Both formats are zip archives: anything else is refused before it is kept.
        if upload.read(4) != b"PK\x03\x04":
            raise forms.ValidationError(
                "The file is not a workbook (.xlsx) or a zip of CSV files, whatever its name"
            )
        upload.seek(0)
        # A member is never read past the size its entry declares, so the sum bounds the work.
        try:
            with zipfile.ZipFile(upload) as archive:
                unpacked = sum(member.file_size for member in archive.infolist())
        except (zipfile.BadZipFile, ValueError, OSError):  # a damaged directory or member name
            raise forms.ValidationError(
                "The file is not a workbook (.xlsx) or a zip of CSV files: it is damaged"
            ) from None
        if unpacked > settings.TEMPLATE_UNPACKED_MAX_BYTES:
            raise forms.ValidationError(
                f"The file unpacks to more than {settings.TEMPLATE_UNPACKED_MAX_BYTES // 2**20} "
                "MB: split it into smaller files"
            )
        upload.seek(0)
        return upload
