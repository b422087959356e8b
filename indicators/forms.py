"""The full risk assessment form: one answer and evidence per indicator, and judgement."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from cases.forms import date_field, not_in_future
from core.forms import GovUKForm
from indicators import scoring
from indicators.models import IndicatorSet, RiskAssessment

CATEGORY_CHOICES = [(1, "1: no apparent risk"), (2, "2: at risk"), (3, "3: moderate risk"),
                    (4, "4: significant risk")]  # fmt: skip


class AssessmentForm(GovUKForm):
    assessed_on = date_field("Date of the assessment", required=True)
    judgement = forms.ChoiceField(
        label="Professional judgement",
        choices=RiskAssessment.Judgement.choices,
        initial=RiskAssessment.Judgement.NONE,
        widget=forms.RadioSelect,
    )
    judged_category = forms.TypedChoiceField(
        label="Category after judgement",
        choices=[("", "Choose a category"), *CATEGORY_CHOICES],
        coerce=int,
        required=False,
        empty_value=None,
    )
    judgement_reason = forms.CharField(
        label="Reason for the judgement",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when you raise or lower the category. Lowering needs a supervisor's "
        "sign-off.",
    )

    def __init__(self, *args, indicator_set: IndicatorSet, child, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.indicator_set = indicator_set
        self.child = child
        self.indicators = list(indicator_set.indicators.all())
        for indicator in self.indicators:
            self.fields[f"r_{indicator.code}"] = forms.ChoiceField(
                label=f"{indicator.code} {indicator.text}",
                choices=scoring.SECTION_RESPONSES[indicator.section],
                initial=scoring.NOT_KNOWN,
                # An indicator left unanswered is "not known": it scores 0 and is counted.
                required=False,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Select an answer for {indicator.code}",
                    "invalid_choice": f"Select one of the answers for {indicator.code}",
                },
            )
            self.fields[f"e_{indicator.code}"] = forms.CharField(
                label=f"Evidence or source for {indicator.code}",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.govuk_style()
        self.screening = None
        self.final_category = None
        self.final_band = None
        self.needs_sign_off = False

    def clean_assessed_on(self):
        value = self.cleaned_data["assessed_on"]
        not_in_future(value, "date of the assessment")
        return value

    def responses(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {
            i.code: (data.get(f"r_{i.code}") or scoring.NOT_KNOWN, data.get(f"e_{i.code}", ""))
            for i in self.indicators
        }

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("assessed_on") or timezone.localdate()
        self.screening = scoring.score_responses(
            self.indicator_set.scoring_rules(),
            {code: presence for code, (presence, _) in self.responses().items()},
            child_age=self.child.age_at(day),
        )
        judgement, category = cleaned.get("judgement"), cleaned.get("judged_category")
        if judgement in ("raise", "lower"):
            if category is None:
                self.add_error("judged_category", "Choose the category after your judgement")
            elif judgement == "raise" and category <= self.screening.category:
                self.add_error(
                    "judged_category",
                    f"To raise the category choose one above {self.screening.category}",
                )
            elif judgement == "lower" and category >= self.screening.category:
                self.add_error(
                    "judged_category",
                    f"To lower the category choose one below {self.screening.category}",
                )
            if not cleaned.get("judgement_reason", "").strip():
                self.add_error("judgement_reason", "Enter the reason for raising or lowering")
        # The final category as it will be saved; a judgement not yet valid leaves the
        # category after the rules, so the panel never shows a category that cannot be saved.
        judged = judgement in ("raise", "lower") and "judged_category" not in self.errors
        self.final_category = scoring.judged_category(
            self.screening, direction=judgement if judged else "none", category=category
        )
        self.final_band = scoring.band_of_category(
            self.indicator_set.scoring_rules(), self.final_category
        )
        self.needs_sign_off = judged and judgement == "lower"
        return cleaned

    def sections(self):
        """(title, [(indicator, answer field, evidence field)]) for the template."""
        titles = {"vulnerability": "Vulnerabilities (ever)",
                  "moderate": "Moderate indicators (now or in the past 6 months)",
                  "significant": "Significant indicators"}  # fmt: skip
        grouped: dict[str, list] = {key: [] for key in titles}
        for indicator in self.indicators:
            grouped[indicator.section].append(
                (indicator, self[f"r_{indicator.code}"], self[f"e_{indicator.code}"])
            )
        return [(titles[key], items) for key, items in grouped.items()]


class SignOffForm(GovUKForm):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            ("approve", "Agree to the lowered category"),
            ("return", "Send it back to the assessor"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you agree to the lowered category"},
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for your decision"},
    )


class IndicatorSetUploadForm(GovUKForm):
    file = forms.FileField(
        label="Indicator set file",
        help_text="JSON or YAML, in the same form as the shipped set (docs/indicators.md)",
        error_messages={"required": "Choose a JSON or YAML file"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".json", ".yaml", ".yml")):
            raise forms.ValidationError("The file must be a .json, .yaml or .yml file")
        if upload.size > 1_000_000:
            raise forms.ValidationError("The file must be smaller than 1 MB")
        return upload
