"""Scoring is pure: these tests score the shipped set's file with no database, except the two
that check the stored set against it."""

import pytest

from indicators.models import IndicatorSet
from indicators.scoring import ScoringRules, quick_screening, score_responses
from indicators.services import shipped_set_data

SHIPPED = ScoringRules.from_file_data(shipped_set_data())


@pytest.fixture
def catalogue():
    return SHIPPED


@pytest.mark.django_db
def test_the_stored_set_scores_with_the_same_rules_as_its_file():
    stored = IndicatorSet.objects.get(is_current=True).scoring_rules()
    assert stored == SHIPPED


@pytest.mark.django_db
def test_the_shipped_set_is_version_1_with_39_indicators():
    catalogue = IndicatorSet.objects.get(is_current=True)
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


# Property-based tests of the scoring engine's invariants.
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from indicators.scoring import (  # noqa: E402
    PRESENT,
    PRESENT_BOTH,
    PRESENT_EARLIER,
    PRESENT_RECENT,
    band_for,
)

V_M_CODES = [f"V{i:02d}" for i in range(1, 15)] + [f"M{i:02d}" for i in range(1, 16)]
S_CODES = [f"S{i:02d}" for i in range(1, 11)]
responses_strategy = st.fixed_dictionaries(
    {},
    optional={
        **{code: st.sampled_from([PRESENT, "not_present", "not_known"]) for code in V_M_CODES},
        **{
            code: st.sampled_from(
                [PRESENT_RECENT, PRESENT_EARLIER, PRESENT_BOTH, "neither", "not_known"]
            )
            for code in S_CODES
        },
    },
)
hypothesis_settings = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@hypothesis_settings
@given(
    responses=responses_strategy,
    age=st.one_of(st.none(), st.integers(0, 17)),
    extra=st.sampled_from(V_M_CODES + S_CODES),
)
def test_adding_a_present_indicator_never_lowers_the_score_or_category(
    catalogue, responses, age, extra
):
    assume(responses.get(extra) in (None, "not_present", "neither", "not_known"))
    before = score_responses(catalogue, responses, child_age=age)
    more = {**responses, extra: PRESENT_RECENT if extra.startswith("S") else PRESENT}
    after = score_responses(catalogue, more, child_age=age)
    assert after.score >= before.score
    assert after.scored_category >= before.scored_category
    assert after.category >= before.category


@hypothesis_settings
@given(responses=responses_strategy, age=st.one_of(st.none(), st.integers(0, 17)))
def test_the_rules_never_lower_the_scored_category(catalogue, responses, age):
    result = score_responses(catalogue, responses, child_age=age)
    assert result.category >= result.scored_category
    assert 1 <= result.category <= 4
    assert (result.category > result.scored_category) == bool(result.rules_applied)


@hypothesis_settings
@given(score=st.integers(0, 200))
def test_the_bands_cover_every_score_and_rise_with_it(catalogue, score):
    band = band_for(catalogue, score)
    assert band["min_score"] <= score
    assert band_for(catalogue, score + 1)["category"] >= band["category"]


def test_the_scoring_module_loads_without_django_or_a_database():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    check = (
        "import sys; import indicators.scoring; "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=root, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
