"""Loading indicator sets from their files."""

from __future__ import annotations

import calendar
import json
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cases.services import case_update
from core.models import Task
from core.services import record_lock_for_edit, task_create
from indicators import scoring
from indicators.models import AssessmentResponse, Indicator, IndicatorSet, RiskAssessment

SHIPPED_SET = Path(__file__).resolve().parent / "data" / "partnership-cse-v1.json"


@transaction.atomic
def indicator_set_load(
    *, data: dict, make_current: bool = True, indicator_set_model=None, indicator_model=None
) -> IndicatorSet:
    """Create an indicator set from its file's content (models may be a migration's)."""
    set_model = indicator_set_model or IndicatorSet
    item_model = indicator_model or Indicator
    if make_current:
        set_model.objects.filter(is_current=True).update(is_current=False)
    indicator_set = set_model.objects.create(
        name=data["name"],
        version=data["version"],
        source_note=data.get("source_note", ""),
        points=data["points"],
        bands=data["bands"],
        rules=data["rules"],
        is_current=make_current,
    )
    order = 0
    for section in data["sections"]:
        for item in section["indicators"]:
            order += 1
            item_model.objects.create(
                indicator_set=indicator_set,
                code=item["code"],
                section=section["key"],
                text=item["text"],
                dcsf=item.get("dcsf", False),
                order=order,
            )
    return indicator_set


def shipped_set_data() -> dict:
    return json.loads(SHIPPED_SET.read_text())


class IndicatorSetFileError(ValueError):
    """The file is not a valid indicator set; `errors` says where and what was expected."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


SECTION_KEYS = ("vulnerability", "moderate", "significant")


def indicator_set_validate(data: object) -> list[str]:
    """Every problem in an indicator set file, each naming the field and what was expected."""
    if not isinstance(data, dict):
        return ["The file must hold one indicator set (a mapping with name, version, ...)"]
    errors = []
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        errors.append("name: expected the set's name as text")
    if not isinstance(data.get("version"), int) or data["version"] < 1:
        errors.append("version: expected a whole number of 1 or more")
    sections = data.get("sections")
    codes: set[str] = set()
    if not isinstance(sections, list) or not sections:
        errors.append("sections: expected a list of sections")
        sections = []
    for i, section in enumerate(sections, start=1):
        where = f"sections[{i}]"
        if not isinstance(section, dict) or section.get("key") not in SECTION_KEYS:
            errors.append(f"{where}.key: expected one of {', '.join(SECTION_KEYS)}")
            continue
        items = section.get("indicators")
        if not isinstance(items, list) or not items:
            errors.append(f"{where}.indicators: expected a list of indicators")
            continue
        for j, item in enumerate(items, start=1):
            at = f"{where}.indicators[{j}]"
            code = item.get("code") if isinstance(item, dict) else None
            if not isinstance(code, str) or not code.strip():
                errors.append(f"{at}.code: expected a code such as V01")
            elif code in codes:
                errors.append(f"{at}.code: {code} is used twice; codes must be unique")
            else:
                codes.add(code)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                errors.append(f"{at}.text: expected the indicator's wording")
    points = data.get("points")
    for key in ("vulnerability", "moderate", "significant_recent", "significant_earlier"):
        if not isinstance(points, dict) or not isinstance(points.get(key), int):
            errors.append(f"points.{key}: expected a whole number of points")
    bands = data.get("bands")
    if not isinstance(bands, list) or not bands:
        errors.append("bands: expected a list of category bands")
    else:
        categories = []
        for k, band in enumerate(bands, start=1):
            ok = isinstance(band, dict) and all(
                isinstance(band.get(f), t)
                for f, t in (("category", int), ("min_score", int), ("label", str), ("action", str))
            )
            if not ok:
                errors.append(f"bands[{k}]: expected category, min_score, label and action")
            else:
                categories.append(band["category"])
        if categories and min(b.get("min_score", 1) for b in bands if isinstance(b, dict)) != 0:
            errors.append("bands: the lowest band must start at a score of 0")
        if categories and sorted(categories) != list(range(1, len(categories) + 1)):
            errors.append("bands: expected categories numbered 1, 2, 3, ... without gaps")
    rules = data.get("rules")
    if not isinstance(rules, dict) or not isinstance(rules.get("under_age"), int):
        errors.append("rules.under_age: expected an age as a whole number")
    elif not isinstance(rules.get("learning_disability_code"), str):
        errors.append("rules.learning_disability_code: expected an indicator code")
    elif not isinstance(rules.get("reassessment_months"), int):
        errors.append("rules.reassessment_months: expected a number of months")
    return errors


def indicator_set_load_file(*, content: bytes, filename: str) -> IndicatorSet:
    """Load a new version from a JSON or YAML file; all-or-nothing, with every error at once."""
    import yaml

    try:
        text = content.decode("utf-8")
        data = json.loads(text) if filename.lower().endswith(".json") else yaml.safe_load(text)
    except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as error:
        raise IndicatorSetFileError(
            [f"file: not valid JSON or YAML ({error.__class__.__name__})"]
        ) from error
    errors = indicator_set_validate(data)
    if (
        not errors
        and IndicatorSet.objects.filter(name=data["name"], version=data["version"]).exists()
    ):
        errors.append(f"version: {data['name']} version {data['version']} is already loaded")
    if errors:
        raise IndicatorSetFileError(errors)
    return indicator_set_load(data=data)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@transaction.atomic
def assessment_save(
    *,
    case,
    indicator_set: IndicatorSet,
    assessed_on: date,
    responses: dict[str, tuple[str, str]],
    judgement: str,
    judged_category: int | None,
    judgement_reason: str,
    complete: bool,
    by,
    assessment: RiskAssessment | None = None,
    expected_version: int | None = None,
) -> RiskAssessment:
    """Save an assessment's responses and scores. Completing it sets the case's category and
    the next due date, unless the category was lowered: that waits for a supervisor. A draft
    changed by someone else since `expected_version` is refused with EditConflict."""
    if assessment is not None:
        record_lock_for_edit(record=assessment, expected_version=expected_version)
    screening = scoring.score_responses(
        indicator_set.scoring_rules(),
        {code: presence for code, (presence, _) in responses.items()},
        child_age=case.child.age_at(assessed_on),
    )
    assessment = assessment or RiskAssessment(case=case, indicator_set=indicator_set)
    assessment.assessed_on = assessed_on
    assessment.score = screening.score
    assessment.scored_category = screening.scored_category
    assessment.rules_category = screening.category
    assessment.rules_applied = list(screening.rules_applied)
    assessment.not_known_count = screening.not_known
    assessment.judgement = judgement
    assessment.judged_category = judged_category if judgement != "none" else None
    assessment.judgement_reason = judgement_reason if judgement != "none" else ""
    assessment.final_category = scoring.judged_category(
        screening, direction=judgement, category=judged_category
    )
    if assessment.pk is None:
        assessment.created_by = by
    assessment.modified_by = by
    assessment._history_user = by
    lowered = judgement == "lower"
    if complete and lowered:
        assessment.status = RiskAssessment.Status.AWAITING_SIGN_OFF
    elif complete:
        assessment.status = RiskAssessment.Status.COMPLETED
    assessment.save()
    _responses_record(assessment=assessment, responses=responses, by=by)
    if assessment.status == RiskAssessment.Status.AWAITING_SIGN_OFF:
        subject = {"assessment": str(assessment.public_id), "case": str(case.public_id)}
        if not Task.objects.filter(
            kind=Task.Kind.ASSESSMENT_SIGN_OFF, status=Task.Status.OPEN, subject=subject
        ).exists():
            task_create(
                kind=Task.Kind.ASSESSMENT_SIGN_OFF,
                agency_id=case.owner_agency_id,
                role="supervisor",
                title="A lowered risk category needs your sign-off",
                subject=subject,
            )
    elif assessment.status == RiskAssessment.Status.COMPLETED:
        _assessment_apply(assessment=assessment, by=by)
    return assessment


def _responses_record(*, assessment: RiskAssessment, responses: dict, by) -> None:
    """Write only the answers that changed, each naming who gave it, with history (in bulk:
    an assessment has some 40 answers)."""
    by_code = {i.code: i for i in assessment.indicator_set.indicators.all()}
    existing = {r.indicator.code: r for r in assessment.responses.select_related("indicator")}
    now = timezone.now()
    new, changed = [], []
    for code, (presence, evidence) in responses.items():
        if code not in by_code:
            continue
        response = existing.get(code)
        if response is None:
            new.append(
                AssessmentResponse(
                    assessment=assessment,
                    indicator=by_code[code],
                    presence=presence,
                    evidence=evidence,
                    recorded_by=by,
                    recorded_at=now,
                )
            )
        elif (response.presence, response.evidence) != (presence, evidence):
            response.presence, response.evidence = presence, evidence
            response.recorded_by, response.recorded_at = by, now
            changed.append(response)
    bulk_create_with_history(new, AssessmentResponse, default_user=by)
    bulk_update_with_history(
        changed,
        AssessmentResponse,
        ["presence", "evidence", "recorded_by", "recorded_at"],
        default_user=by,
    )


def _assessment_apply(*, assessment: RiskAssessment, by) -> None:
    assessment.completed_at = timezone.now()
    assessment.next_due = _add_months(
        assessment.assessed_on, assessment.indicator_set.rules.get("reassessment_months", 3)
    )
    assessment.save(update_fields=["completed_at", "next_due"])
    case_update(
        case=assessment.case,
        changes={"risk_category": assessment.final_category},
        by=by,
        reason="Risk assessment completed",
    )


@transaction.atomic
def assessment_sign_off(*, assessment: RiskAssessment, approve: bool, reason: str, by) -> None:
    """A supervisor agrees to a lowered category (the assessment completes), or sends it back
    to the assessor as a draft, with the reason in its history. The row is locked and read
    again first, so that two supervisors deciding at once decide once, on what is saved."""
    record_lock_for_edit(record=assessment, expected_version=None)
    if assessment.status != RiskAssessment.Status.AWAITING_SIGN_OFF:
        raise ValueError("This assessment is not waiting for a sign-off")
    if by.pk in (assessment.created_by_id, assessment.modified_by_id):
        raise ValueError("You lowered this category yourself: another supervisor must sign it off")
    assessment._history_user = by
    assessment._change_reason = reason
    if approve:
        assessment.status = RiskAssessment.Status.COMPLETED
        assessment.signed_off_by = by
        assessment.signed_off_at = timezone.now()
        assessment.save()
        _assessment_apply(assessment=assessment, by=by)
    else:
        assessment.status = RiskAssessment.Status.DRAFT
        assessment.save()
    Task.objects.filter(
        kind=Task.Kind.ASSESSMENT_SIGN_OFF,
        status=Task.Status.OPEN,
        subject__assessment=str(assessment.public_id),
    ).update(status=Task.Status.DONE, done_at=timezone.now(), done_by=by)
