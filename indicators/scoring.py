"""Scoring of spec/indicators.md: the score, the category band, and the rules that override it.

Pure functions of a frozen description of an indicator set (`ScoringRules`), with no database
and no Django: an assessment scored with one version is always rescored the same way, the
quick screening of a concern uses the same code, and the property tests need no database.
`IndicatorSet.scoring_rules()` builds the description of a stored set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

PRESENT = "present"  # vulnerabilities (ever) and moderate indicators (past 6 months)
PRESENT_RECENT = "recent"  # significant: present now or in the past 6 months
PRESENT_EARLIER = "earlier"  # significant: 6 to 12 months ago only
PRESENT_BOTH = "both"  # significant: both
NOT_PRESENT = "not_present"
NEITHER = "neither"
NOT_KNOWN = "not_known"

# The answers an assessor may give, per section (spec/indicators.md).
SECTION_RESPONSES = {
    "vulnerability": [(PRESENT, "Present"), (NOT_PRESENT, "Not present"), (NOT_KNOWN, "Not known")],
    "moderate": [(PRESENT, "Present"), (NOT_PRESENT, "Not present"), (NOT_KNOWN, "Not known")],
    "significant": [
        (PRESENT_RECENT, "In the past 6 months"),
        (PRESENT_EARLIER, "6 to 12 months ago"),
        (PRESENT_BOTH, "Both"),
        (NEITHER, "Neither"),
        (NOT_KNOWN, "Not known"),
    ],
}
POSITIVE = {PRESENT, PRESENT_RECENT}
PRESENCE_LABELS = {code: label for answers in SECTION_RESPONSES.values() for code, label in answers}


@dataclass(frozen=True)
class ScoringRules:
    """What scoring needs of an indicator set: each code's section, the points, the bands
    (with their labels and recommended actions) and the override rules."""

    sections: Mapping[str, str]
    points: Mapping[str, int]
    bands: tuple[Mapping, ...]
    rules: Mapping

    @classmethod
    def build(
        cls, *, sections: Mapping[str, str], points: Mapping, bands, rules: Mapping
    ) -> ScoringRules:
        return cls(
            sections=MappingProxyType(dict(sections)),
            points=MappingProxyType(dict(points)),
            bands=tuple(MappingProxyType(dict(band)) for band in bands),
            rules=MappingProxyType(dict(rules)),
        )

    @classmethod
    def from_file_data(cls, data: Mapping) -> ScoringRules:
        """From an indicator set's file (the shipped JSON, or an uploaded version)."""
        return cls.build(
            sections={
                item["code"]: section["key"]
                for section in data["sections"]
                for item in section["indicators"]
            },
            points=data["points"],
            bands=data["bands"],
            rules=data["rules"],
        )


@dataclass(frozen=True)
class Screening:
    score: int
    scored_category: int
    category: int  # after the rules
    label: str
    action: str
    rules_applied: tuple[str, ...]
    not_known: int = 0


def band_for(indicator_set: ScoringRules, score: int) -> Mapping:
    """`indicator_set` is anything with the set's `bands` (its rules, or the stored set)."""
    bands = sorted(indicator_set.bands, key=lambda band: band["min_score"])
    chosen = bands[0]
    for band in bands:
        if score >= band["min_score"]:
            chosen = band
    return chosen


def band_of_category(indicator_set: ScoringRules, category: int) -> Mapping:
    """The band of a category; a category the set does not have gets a plain label rather
    than an error (a case scored with another version)."""
    return next(
        (band for band in indicator_set.bands if band["category"] == category),
        {"category": category, "label": f"Category {category}", "action": ""},
    )


def score_responses(
    indicator_set: ScoringRules,
    responses: Mapping[str, str],
    *,
    child_age: int | None,
) -> Screening:
    """Score responses {code: presence}; absent codes and "not known" score nothing."""
    sections = indicator_set.sections
    points = indicator_set.points
    score = 0
    any_moderate = any_significant = significant_recent = False
    for code, presence in responses.items():
        section = sections.get(code)
        if section == "vulnerability" and presence in POSITIVE:
            score += points["vulnerability"]
        elif section == "moderate" and presence in POSITIVE:
            score += points["moderate"]
            any_moderate = True
        elif section == "significant" and presence in (
            PRESENT_RECENT,
            PRESENT_EARLIER,
            PRESENT_BOTH,
        ):
            any_significant = True
            if presence in (PRESENT_RECENT, PRESENT_BOTH):
                score += points["significant_recent"]
                significant_recent = True
            if presence in (PRESENT_EARLIER, PRESENT_BOTH):
                score += points["significant_earlier"]
    scored = band_for(indicator_set, score)["category"]
    category = scored
    applied: list[str] = []
    rules = indicator_set.rules
    if significant_recent and category < 2:
        category = 2
        applied.append("A significant indicator present in the past 6 months: at least category 2")
    vulnerable = (child_age is not None and child_age < rules["under_age"]) or (
        responses.get(rules["learning_disability_code"]) in POSITIVE
    )
    if vulnerable:
        if significant_recent and category < 3:
            category = 3
            applied.append(
                "Under 13 or with a learning disability, and a significant indicator present "
                "in the past 6 months: at least category 3"
            )
        elif (any_moderate or any_significant) and category < 2:
            category = 2
            applied.append(
                "Under 13 or with a learning disability, and a moderate or significant "
                "indicator present: at least category 2"
            )
    band = band_of_category(indicator_set, category)
    return Screening(
        score=score,
        scored_category=scored,
        category=category,
        label=band["label"],
        action=band["action"],
        rules_applied=tuple(applied),
        not_known=sum(1 for presence in responses.values() if presence == NOT_KNOWN),
    )


def judged_category(scored: Screening, *, direction: str, category: int | None) -> int:
    """The final category after professional judgement (rule 3): raised or lowered with a
    reason, or the category after the rules when no judgement is made."""
    if direction in ("raise", "lower") and category is not None:
        return category
    return scored.category


def quick_screening(
    indicator_set: ScoringRules, codes: list[str], *, child_age: int | None
) -> Screening:
    """A concern's provisional category: each ticked indicator counts as present in the past
    6 months (spec/indicators.md, "Quick screening")."""
    return score_responses(indicator_set, dict.fromkeys(codes, PRESENT_RECENT), child_age=child_age)
