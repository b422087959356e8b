"""Two people working on the same record at once never silently overwrite each other: the
second save from an older version is refused with both versions shown and what was typed kept;
referral steps and merges sent at the same moment take effect once."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from agencies.models import Role
from cases import services as case_services
from cases.codes import LivingSituation
from cases.models import Case, Person, PersonAlias
from indicators.models import IndicatorSet, RiskAssessment
from referrals.models import Referral
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, PartnershipFactory, PersonFactory, member
from tests.live_http import LiveSession, form_of, run_together_behind_a_row_lock

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    return sign_in(Client(), user)


def edit_form(client: Client, path: str) -> dict[str, str]:
    response = client.get(path)
    assert response.status_code == 200
    return form_of(response.content.decode())


CONFLICT_TABLE = re.compile(
    r'<table class="govuk-table" data-testid="edit-conflict">(.*?)</table>', re.S
)
CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)


def conflict_rows(html: str) -> list[list[str]]:
    """The rows of the conflict table (question, saved now, your answer), without its head."""
    table = CONFLICT_TABLE.search(html)
    assert table, "no conflict table on the page"
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', table.group(1), re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in CELL.findall(row)] for row in rows[1:]
    ]


@pytest.fixture
def two_workers():
    agency = AgencyFactory()
    case = CaseFactory(owner_agency=agency, living_situation="with_family")
    first = member(Role.FRONTLINE, agency)
    first.full_name = "Asha Patel"
    first.save()
    return case, signed_in(first), signed_in(member(Role.FRONTLINE, agency))


def test_a_case_saved_from_an_older_version_is_refused_showing_both_versions(two_workers):
    """The second person's save is refused, nothing of theirs is written, the page names who
    saved first and shows both answers, and the form still holds what they typed. Saving that
    form again is a deliberate choice and is saved."""
    case, first, second = two_workers
    path = f"/cases/{case.public_id}/edit/"
    theirs, mine = edit_form(first, path), edit_form(second, path)

    assert first.post(path, theirs | {"living_situation": "looked_after"}).status_code == 302
    response = second.post(path, mine | {"living_situation": "independent",
                                         "placing_authority": "Kirklees"})  # fmt: skip

    page = response.content.decode()
    assert response.status_code == 200
    assert "Asha Patel saved this record at" in page
    rows = {row[0]: row[1:] for row in conflict_rows(page)}
    assert rows["Living situation"] == [
        dict(LivingSituation.choices)["looked_after"],
        dict(LivingSituation.choices)["independent"],
    ]
    assert rows["Placing authority (if looked after)"] == ["Not recorded", "Kirklees"]
    case.refresh_from_db()
    assert (case.living_situation, case.placing_authority) == ("looked_after", "")
    kept = form_of(page)
    assert (kept["living_situation"], kept["placing_authority"]) == ("independent", "Kirklees")
    assert kept["version"] == str(case.version)

    assert second.post(path, kept).status_code == 302
    case.refresh_from_db()
    assert (case.living_situation, case.placing_authority) == ("independent", "Kirklees")
    assert case.history.filter(living_situation="looked_after").exists()  # nothing is lost


def test_a_change_to_fields_not_on_the_form_does_not_refuse_the_edit(two_workers):
    """An assessment that sets the case's risk category meanwhile changes no field of the
    details form, so the details are saved on top of it and both changes stand."""
    case, first, _ = two_workers
    path = f"/cases/{case.public_id}/edit/"
    fields = edit_form(first, path)
    case_services.case_update(case=case, changes={"risk_category": 3}, by=None)

    response = first.post(path, fields | {"school_engagement": "excluded"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.risk_category, case.school_engagement) == (3, "excluded")


def test_a_person_saved_from_an_older_version_is_refused_and_keeps_what_was_typed():
    agency = AgencyFactory()
    person = PersonFactory(owner_agency=agency, kind=Person.Kind.SUSPECT, known_as="")
    first, second = (signed_in(member(Role.FRONTLINE, agency)) for _ in range(2))
    path = f"/people/{person.public_id}/edit/"
    theirs, mine = edit_form(first, path), edit_form(second, path)

    assert first.post(path, theirs | {"known_as": "Smokey"}).status_code == 302
    response = second.post(path, mine | {"known_as": "Tiny"})

    assert response.status_code == 200
    assert ["Known as", "Smokey", "Tiny"] in conflict_rows(response.content.decode())
    assert form_of(response.content.decode())["known_as"] == "Tiny"
    person.refresh_from_db()
    assert person.known_as == "Smokey"


def test_an_assessment_draft_saved_by_someone_else_is_not_overwritten():
    """Answers of a draft assessment saved by one assessor are not replaced by a second
    assessor's older form; the differing answer is shown with both values."""
    agency = AgencyFactory()
    case = CaseFactory(owner_agency=agency)
    first, second = (signed_in(member(Role.FRONTLINE, agency)) for _ in range(2))
    new = edit_form(first, f"/cases/{case.public_id}/assessments/new/")
    new = {k: v for k, v in new.items() if k != "complete"} | {"save_draft": "1"}
    assert first.post(f"/cases/{case.public_id}/assessments/new/", new).status_code == 302
    assessment = RiskAssessment.objects.get(case=case)
    path = f"/assessments/{assessment.public_id}/edit/"
    theirs, mine = edit_form(first, path), edit_form(second, path)
    code = IndicatorSet.objects.get(is_current=True).indicators.order_by("code").first().code

    draft = {"save_draft": "1"}
    assert first.post(path, theirs | draft | {f"r_{code}": "present"}).status_code == 302
    response = second.post(path, mine | draft | {f"r_{code}": "not_present"})

    assert response.status_code == 200, response.content.decode()[:3000]
    page = response.content.decode()
    assert "saved this record at" in page
    assert any(row[1] != row[2] for row in conflict_rows(page))
    assert assessment.responses.get(indicator__code=code).presence == "present"


def test_two_saves_at_the_same_moment_one_is_saved_and_the_other_shown_the_conflict(
    live_server, transactional_db
):
    """Real parallel requests, both queued on the case's row lock before either runs: one
    save takes effect, the other is refused with the conflict; one change in the history."""
    agency = AgencyFactory()
    case = CaseFactory(owner_agency=agency, living_situation="with_family")
    people = [LiveSession(live_server, member(Role.FRONTLINE, agency)) for _ in range(2)]
    path = f"/cases/{case.public_id}/edit/"
    forms = [person.form(path) for person in people]
    answers = ["looked_after", "independent"]

    results = run_together_behind_a_row_lock(
        Case._meta.db_table,
        case.pk,
        [
            lambda i=i: people[i].request("POST", path, forms[i] | {"living_situation": answers[i]})
            for i in range(2)
        ],
    )

    statuses = sorted(status for status, _, _ in results)
    assert statuses == [200, 302]
    refused = next(content for status, content, _ in results if status == 200)
    assert "saved this record at" in refused
    case.refresh_from_db()
    assert case.living_situation in answers
    assert case.version == 2
    assert case.history.exclude(living_situation="with_family").count() == 1


def test_two_accepts_of_a_referral_at_the_same_moment_accept_it_once(live_server, transactional_db):
    partnership = PartnershipFactory()
    project, social_care = (AgencyFactory(partnerships=[partnership]) for _ in range(2))
    case = CaseFactory(owner_agency=project)
    referral = Referral.objects.create(
        case=case, from_agency=project, to_agency=social_care, urgency="urgent",
        reason="Seen with older men", asked_for="Assessment", status="acknowledged",
    )  # fmt: skip
    leads = [LiveSession(live_server, member(Role.CSE_LEAD, social_care)) for _ in range(2)]
    path = f"/referrals/{referral.public_id}/accept/"
    forms = [lead.form(f"/referrals/{referral.public_id}/") for lead in leads]

    results = run_together_behind_a_row_lock(
        Referral._meta.db_table,
        referral.pk,
        [lambda i=i: leads[i].request("POST", path, forms[i]) for i in range(2)],
    )

    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert referral.history.filter(status="accepted").count() == 1
    assert [status for status, _, _ in results].count(302) == 2  # both return to the referral
    pages = [leads[i].request("GET", location)[1] for i, (_, _, location) in enumerate(results)]
    assert sum("already been accepted" in page for page in pages) == 1


def test_two_supervisors_deciding_one_sign_off_at_once_decide_it_once(
    live_server, transactional_db
):
    """One approves and one sends back at the same moment: the first decision stands, with
    one history row, and the second supervisor is told it was no longer waiting."""
    agency = AgencyFactory()
    case = CaseFactory(owner_agency=agency)
    assessment = RiskAssessment.objects.create(
        case=case, indicator_set=IndicatorSet.objects.get(is_current=True),
        assessed_on=date.today(), status="awaiting_sign_off",
    )  # fmt: skip
    supervisors = [LiveSession(live_server, member(Role.SUPERVISOR, agency)) for _ in range(2)]
    path = f"/assessments/{assessment.public_id}/sign-off/"
    forms = [s.form(f"/assessments/{assessment.public_id}/") for s in supervisors]
    decisions = [{"decision": "approve", "reason": "Agreed"}, {"decision": "return",
                 "reason": "Needs the school's view"}]  # fmt: skip

    results = run_together_behind_a_row_lock(
        RiskAssessment._meta.db_table,
        assessment.pk,
        [lambda i=i: supervisors[i].request("POST", path, forms[i] | decisions[i])
         for i in range(2)],
    )  # fmt: skip

    assessment.refresh_from_db()
    assert assessment.status in ("completed", "draft")
    # Only the decision that stands is in the history (approving saves twice: the decision,
    # then the category applied).
    decided = set(assessment.history.values_list("status", flat=True)) - {"awaiting_sign_off"}
    assert decided == {assessment.status}
    assert [status for status, _, _ in results] == [302, 302]
    pages = [supervisors[i].request("GET", loc)[1] for i, (_, _, loc) in enumerate(results)]
    assert sum("not waiting for a sign-off" in page for page in pages) == 1


def test_the_same_merge_sent_twice_at_once_merges_once(live_server, transactional_db):
    agency = AgencyFactory()
    worker = member(Role.FRONTLINE, agency)
    survivor, duplicate = (
        case_services.person_create(
            data=case_services.PersonData(
                kind="child", first_name="Jade", last_name="Smith", known_as=known_as,
                date_of_birth=date(2011, 4, 27),
            ),
            owner_agency=agency,
            by=worker,
        )
        for known_as in ("", "JJ")
    )  # fmt: skip
    supervisors = [LiveSession(live_server, member(Role.SUPERVISOR, agency)) for _ in range(2)]
    path = f"/people/{survivor.public_id}/merge/"
    forms = [s.form(path) for s in supervisors]
    assert all(f"{duplicate.public_id}" in s.request("GET", path)[1] for s in supervisors)
    data = {"duplicate": str(duplicate.public_id), "reason": "The same child, recorded twice"}

    results = run_together_behind_a_row_lock(
        Person._meta.db_table,
        survivor.pk,
        [lambda i=i: supervisors[i].request("POST", path, forms[i] | data) for i in range(2)],
    )

    statuses = sorted(status for status, _, _ in results)
    assert statuses == [200, 302]
    refused = next(content for status, content, _ in results if status == 200)
    assert "already been merged" in refused
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    assert PersonAlias.objects.filter(person=survivor, name="JJ").count() == 1


def test_a_save_that_lands_while_an_edit_waits_is_kept_when_it_changed_other_fields(
    live_server, transactional_db
):
    """A colleague's save of a field that is not on the form (the risk category) commits after
    the edit read the case and before it locked it: the edit is saved on top of the current
    row, and the colleague's change stands."""
    agency = AgencyFactory()
    case = CaseFactory(owner_agency=agency, risk_category=2, school_engagement="engaged")
    person = LiveSession(live_server, member(Role.FRONTLINE, agency))
    path = f"/cases/{case.public_id}/edit/"
    form = person.form(path)

    [(status, _, _)] = run_together_behind_a_row_lock(
        Case._meta.db_table,
        case.pk,
        [lambda: person.request("POST", path, form | {"school_engagement": "excluded"})],
        change="UPDATE cases_case SET risk_category = 4, version = version + 1 WHERE id = %s",
    )

    assert status == 302
    case.refresh_from_db()
    assert (case.risk_category, case.school_engagement) == (4, "excluded")


def test_a_concern_logged_while_an_assessment_raises_the_category_never_lowers_it(
    live_server, transactional_db
):
    """The concern's quick screening (category 3) is compared with the category saved when it
    is applied, not when the page read the case: an assessment that set category 4 meanwhile
    stands."""
    agency = AgencyFactory()
    case = CaseFactory(owner_agency=agency, risk_category=2)
    case.child.date_of_birth = date.today().replace(year=date.today().year - 15, day=1)
    case.child.save()
    worker = LiveSession(live_server, member(Role.FRONTLINE, agency))
    path = f"/cases/{case.public_id}/concerns/new/"
    fields = worker.form(path) | {
        "concern-occurred_on": date.today().isoformat(),
        "concern-narrative": "Seen getting into a car with two older men.",
        "concern-indicators": ["S03", "S02", "M01"],
        "submit_concern": "1",
    }

    [(status, content, _)] = run_together_behind_a_row_lock(
        Case._meta.db_table,
        case.pk,
        [lambda: worker.request("POST", path, fields)],
        change="UPDATE cases_case SET risk_category = 4, version = version + 1 WHERE id = %s",
    )

    assert status == 302, content[:2000]
    case.refresh_from_db()
    assert case.risk_category == 4
    assert case.concerns.get().provisional_category == 3
