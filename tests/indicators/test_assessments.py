import json
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils.html import escape

from agencies.models import Role
from core.models import Task
from indicators.models import IndicatorSet, RiskAssessment
from indicators.services import shipped_set_data
from tests.conftest import sign_in, without_csrf_token
from tests.factories import CaseFactory, member

pytestmark = pytest.mark.django_db


def answers(**presences) -> dict:
    data = {"assessed_on": date.today().isoformat(), "judgement": "none", "complete": "1"}
    data.update({f"r_{code}": presence for code, presence in presences.items()})
    return data


@pytest.fixture
def case():
    case = CaseFactory()
    case.child.date_of_birth = date(date.today().year - 15, 1, 1)
    case.child.save()
    return case


@pytest.fixture
def worker(client, case):
    user = member(Role.FRONTLINE, case.owner_agency)
    sign_in(client, user)
    return user


def test_completing_an_assessment_sets_the_case_category_and_next_due_date(client, case, worker):
    url = f"/cases/{case.public_id}/assessments/new/"
    assert "Risk assessment" in client.get(url).content.decode()
    response = client.post(url, answers(S01="recent", S02="earlier", M01="present", V01="present"))
    assessment = RiskAssessment.objects.get()
    assert response["Location"] == f"/assessments/{assessment.public_id}/"
    assert (assessment.score, assessment.scored_category, assessment.final_category) == (8, 2, 2)
    assert assessment.status == "completed"
    assert assessment.responses.count() == 39
    assert assessment.not_known_count == 35
    case.refresh_from_db()
    assert case.risk_category == 2
    assert assessment.next_due.month == (date.today().month + 2) % 12 + 1
    page = client.get(f"/cases/{case.public_id}/").content.decode()
    assert "Next risk assessment due" in page
    assert "Risk category over time" in page
    assert '<svg class="app-chart"' in page


def test_raising_needs_a_reason_and_a_higher_category(client, case, worker):
    url = f"/cases/{case.public_id}/assessments/new/"
    page = client.post(url, {**answers(M01="present"), "judgement": "raise"}).content.decode()
    assert "Choose the category after your judgement" in page
    assert "Enter the reason for raising or lowering" in page
    page = client.post(
        url,
        {
            **answers(M01="present"),
            "judgement": "raise",
            "judged_category": "1",
            "judgement_reason": "x",
        },
    ).content.decode()
    assert "To raise the category choose one above 1" in page
    assert not RiskAssessment.objects.exists()
    client.post(
        url,
        {
            **answers(M01="present"),
            "judgement": "raise",
            "judged_category": "3",
            "judgement_reason": "Disclosure at school today",
        },
    )
    assessment = RiskAssessment.objects.get()
    assert (assessment.rules_category, assessment.final_category) == (1, 3)


def test_lowering_waits_for_a_supervisors_sign_off(client, case, worker):
    supervisor = member(Role.SUPERVISOR, case.owner_agency)
    client.post(
        f"/cases/{case.public_id}/assessments/new/",
        {
            **answers(S01="recent", S02="recent", M01="present"),
            "judgement": "lower",
            "judged_category": "2",
            "judgement_reason": "Now placed out of area with family",
        },
    )
    assessment = RiskAssessment.objects.get()
    assert (assessment.status, assessment.rules_category, assessment.final_category) == (
        "awaiting_sign_off",
        3,
        2,
    )
    case.refresh_from_db()
    assert case.risk_category is None
    task = Task.objects.get(kind="assessment_sign_off")
    assert task.role == "supervisor"

    sign_in(client, supervisor)
    assert "A lowered risk category needs your sign-off" in client.get("/tasks/").content.decode()
    client.post(
        f"/assessments/{assessment.public_id}/sign-off/",
        {"decision": "approve", "reason": "Agreed in supervision"},
    )
    assessment.refresh_from_db()
    case.refresh_from_db()
    assert (assessment.status, assessment.signed_off_by, case.risk_category) == (
        "completed",
        supervisor,
        2,
    )
    task.refresh_from_db()
    assert task.status == "done"


def test_a_draft_is_continued_later(client, case, worker):
    data = {**answers(M01="present"), "save_draft": "1"}
    del data["complete"]
    client.post(f"/cases/{case.public_id}/assessments/new/", data)
    assessment = RiskAssessment.objects.get()
    assert assessment.status == "draft"
    page = client.get(f"/assessments/{assessment.public_id}/edit/").content.decode()
    assert re.search(r'<input[^>]*name="r_M01" value="present"[^>]*checked', page)


def test_the_preview_scores_the_answers_so_far(client, case, worker):
    response = client.post(f"/cases/{case.public_id}/assessments/preview/", answers(S01="recent"))
    page = response.content.decode()
    assert 'id="score-panel"' in page
    assert "<html" not in page
    assert 'data-testid="rules-category">2' in page
    assert "A significant indicator present in the past 6 months" in page


@pytest.mark.parametrize(
    ("judgement", "category", "reason", "final", "sign_off"),
    [
        ("none", "", "", "2: at risk", False),
        ("raise", "4", "Disclosed abuse at the meeting", "4: significant risk", False),
        ("lower", "1", "Now in a safe placement", "1: no apparent risk", True),
        ("raise", "1", "Wrong way", "2: at risk", False),  # not a raise: not applied
    ],
)
def test_the_preview_shows_the_final_category_after_judgement(
    client, case, worker, judgement, category, reason, final, sign_off
):
    data = {
        **answers(S01="recent"),
        "judgement": judgement,
        "judged_category": category,
        "judgement_reason": reason,
    }
    page = client.post(f"/cases/{case.public_id}/assessments/preview/", data).content.decode()
    assert f'data-testid="final-category">{final}' in page
    assert ("Needs a supervisor's sign-off" in page) is sign_off


def test_loading_a_new_version_changes_no_stored_assessment(client, case, worker):
    client.post(f"/cases/{case.public_id}/assessments/new/", answers(S01="recent", V01="present"))
    before = RiskAssessment.objects.values().get()
    client.get(f"/assessments/{before['public_id']}/")  # shows, and so clears, the success banner
    page_before = without_csrf_token(client.get(f"/assessments/{before['public_id']}/"))

    data = shipped_set_data()
    data["version"] = 2
    data["bands"] = [{**band, "min_score": band["min_score"] * 2} for band in data["bands"]]
    data["sections"][0]["indicators"][0]["text"] = "Reworded in version 2"
    call_command("load_indicator_set", write_json(data))

    assert IndicatorSet.objects.get(is_current=True).version == 2
    assert RiskAssessment.objects.values().get() == before
    assert without_csrf_token(client.get(f"/assessments/{before['public_id']}/")) == page_before


def write_json(data, name="set.json"):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / name
    path.write_text(json.dumps(data))
    return str(path)


def test_a_bad_indicator_set_file_is_refused_whole_with_every_error_named(client):
    data = shipped_set_data()
    data["version"] = "two"
    data["sections"][1]["indicators"][0]["code"] = "V01"
    del data["points"]["moderate"]
    with pytest.raises(CommandError) as error:
        call_command("load_indicator_set", write_json(data))
    message = str(error.value)
    assert "version: expected a whole number" in message
    assert "sections[2].indicators[1].code: V01 is used twice" in message
    assert "points.moderate: expected a whole number of points" in message
    assert IndicatorSet.objects.count() == 1


def test_an_administrator_uploads_a_yaml_set(client):
    import yaml

    sign_in(client, member(Role.ADMINISTRATOR))
    data = {**shipped_set_data(), "name": "Local toolkit", "version": 1}
    upload = SimpleUploadedFile("toolkit.yaml", yaml.safe_dump(data).encode())
    response = client.post("/administration/indicator-sets/new/", {"file": upload})
    assert response.status_code == 302
    assert IndicatorSet.objects.get(is_current=True).name == "Local toolkit"
    again = client.post(
        "/administration/indicator-sets/new/",
        {"file": SimpleUploadedFile("toolkit.yaml", yaml.safe_dump(data).encode())},
    )
    assert "Local toolkit version 1 is already loaded" in again.content.decode()
    wrong = client.post(
        "/administration/indicator-sets/new/", {"file": SimpleUploadedFile("toolkit.txt", b"x")}
    )
    assert "The file must be a .json, .yaml or .yml file" in wrong.content.decode()


def test_supervisors_see_overdue_reassessments(client, case, django_assert_max_num_queries):
    RiskAssessment.objects.create(
        case=case,
        indicator_set=IndicatorSet.objects.get(),
        assessed_on=date(2020, 1, 1),
        status="completed",
        next_due=date(2020, 4, 1),
    )
    on_time = CaseFactory(owner_agency=case.owner_agency)
    RiskAssessment.objects.create(
        case=on_time,
        indicator_set=IndicatorSet.objects.get(),
        assessed_on=date.today(),
        status="completed",
        next_due=date(date.today().year + 1, 1, 1),
    )
    sign_in(client, member(Role.SUPERVISOR, case.owner_agency))
    with django_assert_max_num_queries(20):
        page = client.get("/assessments/overdue/").content.decode()
    assert str(case.public_id) in page
    assert str(on_time.public_id) not in page


def test_the_assessor_cannot_sign_off_their_own_lowered_category(client, case):
    supervisor = member(Role.SUPERVISOR, case.owner_agency)
    sign_in(client, supervisor)
    client.post(
        f"/cases/{case.public_id}/assessments/new/",
        {
            **answers(S01="recent", S02="recent", M01="present", V01="not_known"),
            "judgement": "lower",
            "judged_category": "2",
            "judgement_reason": "Now placed out of area with family",
        },
    )
    assessment = RiskAssessment.objects.get()
    response = client.post(
        f"/assessments/{assessment.public_id}/sign-off/",
        {"decision": "approve", "reason": "Agreed"},
        follow=True,
    )
    assert "another supervisor must sign it off" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == "awaiting_sign_off"
    page = response.content.decode()
    assert "In the past 6 months" in page
    assert "Not known" in page


def test_a_draft_started_on_one_version_is_previewed_with_that_version(client, case, worker):
    draft = answers(S01="recent", V01="present", V02="present", M01="present")
    del draft["complete"]
    client.post(f"/cases/{case.public_id}/assessments/new/", draft)
    assessment = RiskAssessment.objects.get()
    version_one = assessment.indicator_set
    data = shipped_set_data()
    data["version"] = 2
    data["bands"] = [{**band, "min_score": band["min_score"] * 2} for band in data["bands"]]
    call_command("load_indicator_set", write_json(data))

    form = client.get(f"/assessments/{assessment.public_id}/edit/").content.decode()
    assert f'name="indicator_set" value="{version_one.public_id}"' in form
    preview = client.post(
        f"/cases/{case.public_id}/assessments/preview/",
        {**draft, "indicator_set": str(version_one.public_id)},
    ).content.decode()
    # Score 8: category 2 in version 1; version 2's doubled bands would make it category 1.
    assert 'data-testid="scored-category">2' in preview


def test_a_recommended_referral_links_to_the_referral_form(client, case, worker):
    client.post(
        f"/cases/{case.public_id}/assessments/new/",
        answers(S01="recent", S02="recent", M01="present"),
    )
    assessment = RiskAssessment.objects.get()
    assert assessment.final_category == 3
    page = client.get(f"/assessments/{assessment.public_id}/").content.decode()
    assert f'href="/cases/{case.public_id}/referrals/new/" data-testid="refer-link"' in page


def test_each_answer_names_who_gave_it_and_keeps_its_history(client, case, worker):
    data = {**answers(M01="present", S01="neither"), "save_draft": "1"}
    del data["complete"]
    client.post(f"/cases/{case.public_id}/assessments/new/", data)
    assessment = RiskAssessment.objects.get()
    colleague = member(Role.FRONTLINE, case.owner_agency)
    sign_in(client, colleague)

    client.post(
        f"/assessments/{assessment.public_id}/edit/",
        {**answers(M01="present", S01="recent"), "e_S01": "Disclosed to school nurse"},
    )

    responses = {r.indicator.code: r for r in assessment.responses.select_related("indicator")}
    assert responses["M01"].recorded_by == worker  # unchanged: still the first assessor's
    assert responses["S01"].recorded_by == colleague
    s01_history = responses["S01"].history.order_by("history_id")
    assert [(h.presence, h.history_user) for h in s01_history] == [
        ("neither", worker),
        ("recent", colleague),
    ]
    page = client.get(f"/assessments/{assessment.public_id}/").content.decode()
    assert escape(colleague.full_name) in page
