import pytest

from indicators.models import IndicatorSet
from indicators.scoring import quick_screening, score_responses

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return IndicatorSet.objects.get(is_current=True)


def test_the_shipped_set_is_version_1_with_39_indicators(catalogue):
    assert (catalogue.name, catalogue.version) == ("Partnership CSE risk assessment", 1)
    counts = {
        s: catalogue.indicators.filter(section=s).count()
        for s in ("vulnerability", "moderate", "significant")
    }
    assert counts == {"vulnerability": 14, "moderate": 15, "significant": 10}
    # The spec marks eleven indicators DCSF (its prose says the CEOP assessment quotes ten).
    assert catalogue.indicators.filter(dcsf=True).count() == 11


@pytest.mark.parametrize(
    ("codes", "age", "score", "scored", "final"),
    [
        ([], 15, 0, 1, 1),
        (["V01", "V02", "M01", "M02", "M03"], 15, 5, 1, 1),
        (["V01", "V02", "M01", "M02", "M03", "M04"], 15, 6, 2, 2),
        (["S01"], 15, 5, 1, 2),  # rule 1
        (["M01"], 12, 1, 1, 2),  # rule 2, under 13 with a moderate indicator
        (["S01"], 12, 5, 1, 3),  # rule 2, under 13 with a recent significant indicator
        (["V13", "M01"], 15, 2, 1, 2),  # rule 2, learning disability
        (["S01", "S02", "M01"], 15, 11, 3, 3),
        (["S01", "S02", "S03", "M01"], 15, 16, 4, 4),
    ],
)
def test_quick_screening_scores_and_applies_the_rules(catalogue, codes, age, score, scored, final):
    result = quick_screening(catalogue, codes, child_age=age)
    assert (result.score, result.scored_category, result.category) == (score, scored, final)


def test_significant_indicators_score_five_recent_one_earlier_six_both(catalogue):
    assert score_responses(catalogue, {"S01": "recent"}, child_age=15).score == 5
    assert score_responses(catalogue, {"S01": "earlier"}, child_age=15).score == 1
    assert score_responses(catalogue, {"S01": "both"}, child_age=15).score == 6
    assert score_responses(catalogue, {"S01": "not_known"}, child_age=15).score == 0
