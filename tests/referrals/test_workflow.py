import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from agencies.models import AccessLogEntry, Role
from cases.models import Case
from core.models import Task
from referrals import services
from referrals.deadlines import add_working_days
from referrals.models import Escalation, Referral
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    partnership = PartnershipFactory()
    project, social_care, school = (AgencyFactory(partnerships=[partnership]) for _ in range(3))
    case = CaseFactory(owner_agency=project)
    return {
        "case": case,
        "project": project,
        "social_care": social_care,
        "school": school,
        "worker": member(Role.FRONTLINE, project),
        "lead": member(Role.CSE_LEAD, social_care),
        "social_worker": member(Role.FRONTLINE, social_care),
    }


REFERRAL = {
    "urgency": "urgent",
    "reason": "Seen getting into cars with older men after school.",
    "asked_for": "A child and family assessment and a strategy discussion.",
    "already_done": "Talked with the child; informed the school.",
    "child_family_aware": "yes",
    "lawful_basis": "consent",
    "consent_by": "The child's mother",
    "basis_reason": "",
    "send": "1",
}


def send_referral(client, world) -> Referral:
    sign_in(client, world["worker"])
    data = {**REFERRAL, "to_agency": str(world["social_care"].public_id)}
    response = client.post(f"/cases/{world['case'].public_id}/referrals/new/", data)
    assert response.status_code == 302
    return Referral.objects.get()


def test_sending_sets_deadlines_and_tells_the_receiving_cse_lead(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = send_referral(client, world)
    assert referral.status == "sent"
    assert referral.acknowledge_due - referral.sent_at == timedelta(hours=24)
    assert referral.decision_due == add_working_days(referral.sent_at, 5)
    task = Task.objects.get(kind="referral_received")
    assert (task.agency, task.role) == (world["social_care"], "cse_lead")
    (email,) = mail.outbox
    assert email.to == [world["lead"].email]
    assert world["case"].child.first_name not in email.body
    assert AccessLogEntry.objects.filter(action="referral", detail__step="send").exists()


def test_missing_fields_are_named_and_nothing_is_sent(client, world):
    sign_in(client, world["worker"])
    page = client.post(f"/cases/{world['case'].public_id}/referrals/new/", {"send": "1"})
    text = page.content.decode()
    for message in ("Select the agency to refer to", "Select how urgent the referral is",
                    "Enter why you are referring the child",
                    "Enter what you are asking the agency to do",
                    "Choose the lawful basis for sharing"):  # fmt: skip
        assert message in text
    assert not Referral.objects.exists()


def test_accepting_shares_the_case_with_the_receiving_agency(client, world):
    referral = send_referral(client, world)
    lead_client = sign_in(Client(), world["lead"])
    social_worker = sign_in(Client(), world["social_worker"])
    case_url = f"/cases/{world['case'].public_id}/"
    assert social_worker.get(case_url).status_code == 404
    # Before accepting, the receiving agency sees the referral but not the case.
    page = lead_client.get(f"/referrals/{referral.public_id}/").content.decode()
    assert "Acknowledge" in page

    lead_client.post(f"/referrals/{referral.public_id}/acknowledge/")
    lead_client.post(f"/referrals/{referral.public_id}/accept/")
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert social_worker.get(case_url).status_code == 200
    assert social_worker.get(f"{case_url}chronology/").status_code == 200
    school = sign_in(Client(), member(Role.FRONTLINE, world["school"]))
    assert school.get(case_url).status_code == 404
    assert list(referral.history.order_by("history_id").values_list("status", flat=True)) == [
        "draft", "sent", "acknowledged", "accepted"]  # fmt: skip


def test_a_step_out_of_order_or_twice_is_refused_and_changes_nothing(client, world):
    referral = send_referral(client, world)
    lead = sign_in(Client(), world["lead"])
    response = lead.post(f"/referrals/{referral.public_id}/accept/", follow=True)
    assert "This referral has not been acknowledged" not in response.content.decode()
    assert "nothing was changed" in response.content.decode()
    lead.post(f"/referrals/{referral.public_id}/acknowledge/")
    again = lead.post(f"/referrals/{referral.public_id}/acknowledge/", follow=True)
    assert "This referral has already been acknowledged: nothing was changed" in (
        again.content.decode())  # fmt: skip
    assert referral.history.filter(status="acknowledged").count() == 1


def test_a_decline_needs_a_reason(client, world):
    referral = send_referral(client, world)
    lead = sign_in(Client(), world["lead"])
    lead.post(f"/referrals/{referral.public_id}/acknowledge/")
    lead.post(f"/referrals/{referral.public_id}/decline/", {"reason": ""})
    referral.refresh_from_db()
    assert referral.status == "acknowledged"
    lead.post(f"/referrals/{referral.public_id}/decline/", {"reason": "Already open to us"})
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == ("declined", "Already open to us")
    assert world["case"].grants.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_clicks_acknowledge_once():
    partnership = PartnershipFactory()
    a, b = (AgencyFactory(partnerships=[partnership]) for _ in range(2))
    referral = Referral.objects.create(
        case=CaseFactory(owner_agency=a), from_agency=a, to_agency=b, urgency="routine",
        reason="x", asked_for="y", status="sent")  # fmt: skip
    lead = member(Role.CSE_LEAD, b)
    outcomes = []
    barrier = threading.Barrier(2)

    def click():
        barrier.wait()
        try:
            services.referral_acknowledge(referral=referral, by=lead)
            outcomes.append("done")
        except services.TransitionRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "refused"]
    assert referral.history.filter(status="acknowledged").count() == 1


def test_overdue_referrals_are_escalated_once_however_often_the_check_runs(world):
    Referral.objects.create(
        case=world["case"], from_agency=world["project"], to_agency=world["social_care"],
        urgency="immediate", reason="x", asked_for="y", status="sent",
        sent_at=timezone.now() - timedelta(hours=2),
        acknowledge_due=timezone.now() - timedelta(hours=1),
        decision_due=timezone.now() + timedelta(days=3))  # fmt: skip
    assert services.referral_deadlines_escalate() == 1
    assert services.referral_deadlines_escalate() == 0
    assert Escalation.objects.get().kind == "acknowledge"
    roles = sorted(Task.objects.filter(kind="referral_overdue").values_list("role", flat=True))
    assert roles == ["cse_lead", "supervisor"]


def test_the_inbox_counts_each_tab_and_marks_overdue(client, world, django_assert_max_num_queries):
    referral = send_referral(client, world)
    Referral.objects.filter(pk=referral.pk).update(
        acknowledge_due=timezone.now() - timedelta(minutes=1)
    )
    lead = sign_in(Client(), world["lead"])
    with django_assert_max_num_queries(13) as few:
        page = lead.get("/referrals/?tab=new").content.decode()
    assert "Overdue" in page
    assert escape(world["case"].child.last_name) in page
    for _ in range(5):
        Referral.objects.create(
            case=CaseFactory(owner_agency=world["project"]), from_agency=world["project"],
            to_agency=world["social_care"], urgency="routine", reason="x", asked_for="y",
            status="sent", sent_at=timezone.now())  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = lead.get("/referrals/?tab=overdue").content.decode()
    assert 'aria-current="page">Overdue <span class="moj-notification-badge">1</span>' in page


def test_the_receiving_lead_requests_access_to_a_linked_suspect(client, world):
    from cases import services as case_services
    from tests.factories import PersonFactory

    police = AgencyFactory(partnerships=list(world["project"].partnerships.all()))
    suspect = PersonFactory(owner_agency=police, kind="suspect", first_name="Quentin")
    case_services.association_create(from_person=world["case"].child, to_person=suspect,
                                     relationship="exploiter", owner_agency=police,
                                     by=member(Role.FRONTLINE, police))  # fmt: skip
    referral = send_referral(client, world)
    lead = sign_in(Client(), world["lead"])
    lead.post(f"/referrals/{referral.public_id}/acknowledge/")
    lead.post(f"/referrals/{referral.public_id}/accept/")
    page = lead.get(f"/referrals/{referral.public_id}/").content.decode()
    assert f"A person held by {police.name}" in page
    assert "Quentin" not in page
    token = re.search(r'name="linked" value="([0-9a-f]{40})"', page).group(1)
    assert str(suspect.public_id) not in page
    # Another restricted person is linked meanwhile: the token still names the first one.
    other = PersonFactory(owner_agency=police, kind="suspect", first_name="Aaron")
    case_services.association_create(from_person=world["case"].child, to_person=other,
                                     relationship="associate", owner_agency=police,
                                     by=member(Role.FRONTLINE, police))  # fmt: skip
    forged = lead.post(f"/referrals/{referral.public_id}/access-requests/", {"linked": "0"})
    assert forged.status_code == 404
    lead.post(f"/referrals/{referral.public_id}/access-requests/", {"linked": token})
    task = Task.objects.get(kind="access_request")
    assert (task.agency, task.subject["person"]) == (police, str(suspect.public_id))

    police_lead = sign_in(Client(), member(Role.CSE_LEAD, police))
    task_page = police_lead.get(f"/tasks/{task.public_id}/").content.decode()
    assert "Quentin" in task_page
    police_lead.post(
        f"/people/{suspect.public_id}/share/",
        {
            "agency": str(world["social_care"].public_id),
            "lawful_basis": "safeguarding",
            "reason": "Referral",
        },
    )
    assert lead.get(f"/people/{suspect.public_id}/").status_code == 200
    assert Case.objects.count() == 1


class FailingEmailBackend:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


def test_a_failed_email_never_blocks_the_referral_and_is_sent_later(
    client, world, settings, django_capture_on_commit_callbacks
):
    from core.services import task_email_deliver
    from core.tasks import task_emails_resend

    settings.EMAIL_BACKEND = "tests.referrals.test_workflow.FailingEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        referral = send_referral(client, world)
    assert referral.status == "sent"
    task = Task.objects.get(kind="referral_received")
    assert task.emailed_at is None  # still to send

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    task_emails_resend.delay()  # beat's sweep: too soon, the task's own retries come first
    assert len(mail.outbox) == 0
    Task.objects.filter(pk=task.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    task_emails_resend.delay()
    assert len(mail.outbox) == 1
    assert task_email_deliver(task_id=task.pk) is False  # a retry after success sends nothing
    task_emails_resend.delay()
    assert len(mail.outbox) == 1


def test_an_administrator_sets_the_partnerships_deadlines(client, world):
    partnership = world["project"].partnerships.get()
    sign_in(client, member(Role.ADMINISTRATOR, world["project"]))
    url = f"/administration/partnerships/{partnership.public_id}/referral-deadlines/"
    bad = client.post(
        url,
        {
            "immediate_acknowledge_minutes": "0",
            "urgent_acknowledge_minutes": "60",
            "routine_acknowledge_working_days": "2",
            "decision_working_days": "4",
        },
    )
    assert "Enter a whole number of 1 or more" in bad.content.decode()
    client.post(
        url,
        {
            "immediate_acknowledge_minutes": "30",
            "urgent_acknowledge_minutes": "60",
            "routine_acknowledge_working_days": "2",
            "decision_working_days": "4",
        },
    )
    referral = send_referral(Client(), world)
    assert referral.acknowledge_due - referral.sent_at == timedelta(minutes=60)
    assert referral.decision_due == add_working_days(referral.sent_at, 4)


def test_a_draft_referral_is_not_readable_by_the_receiving_agency_until_sent(client, world):
    sign_in(client, world["worker"])
    data = {**REFERRAL, "to_agency": str(world["social_care"].public_id)}
    del data["send"]
    assert client.post(f"/cases/{world['case'].public_id}/referrals/new/", data).status_code == 302
    draft = Referral.objects.get()
    assert draft.status == "draft"
    receiver = Client()
    sign_in(receiver, world["lead"])
    assert receiver.get(f"/referrals/{draft.public_id}/").status_code == 404
    assert escape(world["case"].child.last_name) not in receiver.get("/referrals/").content.decode()

    assert client.post(f"/referrals/{draft.public_id}/send/").status_code == 302
    assert receiver.get(f"/referrals/{draft.public_id}/").status_code == 200
