"""Asking for the CEOP-style return: produced in the background with progress, downloaded only
by the person who asked, logged, and deleted after its time."""

import contextlib
import json
import os
from datetime import date, timedelta

import pytest
from django.utils import timezone

from agencies.models import AccessLogEntry, Role
from config.celery import app as celery_app
from reports.ceop import ceop_return
from reports.exports import exports_expire, jobs_waiting_resend
from reports.models import ExportJob
from tests.conftest import sign_in, table_locked, wait_for
from tests.factories import AgencyFactory, CaseFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db
LAST_YEAR = date.today().year - 1


@pytest.fixture
def partnership_world():
    partnership = PartnershipFactory()
    agencies = [AgencyFactory(partnerships=[partnership]) for _ in range(2)]
    for agency in agencies:
        CaseFactory(owner_agency=agency, first_contact_date=date(LAST_YEAR, 5, 1))
    return partnership, agencies


def ask(client, partnership, kind="ceop_return_json", **extra):
    return client.post(
        "/returns/",
        {
            "partnership": partnership.code,
            "start": f"{LAST_YEAR}-01-01",
            "end": f"{LAST_YEAR}-12-31",
            "format": kind,
            **extra,
        },
    )


def test_a_safeguarding_lead_asks_follows_and_downloads_the_return(
    client, partnership_world, django_capture_on_commit_callbacks
):
    partnership, agencies = partnership_world
    lead = member(Role.SAFEGUARDING_LEAD, agencies[0])
    sign_in(client, lead)

    with django_capture_on_commit_callbacks() as enqueued:
        assert ask(client, partnership).status_code == 302
    job = ExportJob.objects.get()
    assert job.parameters["agency_codes"] == sorted(a.code for a in agencies)
    waiting = client.get("/returns/jobs/").content.decode()
    assert "Waiting to start" in waiting
    assert 'hx-trigger="every 2s"' in waiting

    for callback in enqueued:  # the worker's turn
        callback()
    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 100)
    table = client.get("/returns/jobs/").content.decode()
    assert f"/returns/{job.public_id}/download/" in table
    assert 'hx-trigger="every 2s"' not in table

    response = client.get(f"/returns/{job.public_id}/download/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        f"ceop-return-{LAST_YEAR}-01-01-to-{LAST_YEAR}-12-31.json"
        in response["Content-Disposition"]
    )
    data = json.loads(b"".join(response.streaming_content))
    assert data == ceop_return(
        start=date(LAST_YEAR, 1, 1),
        end=date(LAST_YEAR, 12, 31),
        agency_codes=[a.code for a in agencies],
        agency_ids=[a.pk for a in agencies],
    )
    assert data["victims"]["total"] == 2
    entry = AccessLogEntry.objects.get(action="export", user=lead)
    assert entry.detail["job"] == str(job.public_id)
    assert entry.detail["agencies"] == sorted(a.code for a in agencies)


def test_a_cse_lead_may_ask_only_for_their_own_agency(client, partnership_world):
    partnership, agencies = partnership_world
    sign_in(client, member(Role.CSE_LEAD, agencies[0]))

    page = client.get("/returns/").content.decode()
    assert agencies[0].name in page
    assert agencies[1].name not in page
    refused = ask(client, partnership, agencies=[agencies[1].code])
    assert "Select only agencies" in refused.content.decode()
    assert not ExportJob.objects.exists()

    ask(client, partnership)
    assert ExportJob.objects.get().parameters["agency_codes"] == [agencies[0].code]


def test_a_bad_period_is_refused_with_what_was_typed_kept(client, partnership_world):
    partnership, agencies = partnership_world
    sign_in(client, member(Role.SAFEGUARDING_LEAD, agencies[0]))
    response = ask(client, partnership, start=f"{LAST_YEAR}-12-31", end=f"{LAST_YEAR}-01-01")
    page = response.content.decode()
    assert "The period end must be the same as or after the start" in page
    assert f'value="{LAST_YEAR}-12-31"' in page
    assert not ExportJob.objects.exists()


def test_an_export_past_its_time_is_deleted_and_no_longer_downloads(
    client, partnership_world, django_capture_on_commit_callbacks
):
    partnership, agencies = partnership_world
    lead = member(Role.SAFEGUARDING_LEAD, agencies[0])
    sign_in(client, lead)
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, partnership, kind="ceop_return_xlsx")
    job = ExportJob.objects.get()
    stored = job.file.path

    assert exports_expire(now=timezone.now() + timedelta(hours=73)) == 1

    job.refresh_from_db()
    assert job.status == "expired"
    assert not job.file
    assert not os.path.exists(stored)
    assert client.get(f"/returns/{job.public_id}/download/").status_code == 404
    assert "Deleted after its time limit" in client.get("/returns/").content.decode()


@pytest.mark.worker
def test_a_real_worker_produces_the_return_the_web_then_serves(
    celery_worker_process, client, partnership_world
):
    partnership, agencies = partnership_world
    sign_in(client, member(Role.SAFEGUARDING_LEAD, agencies[0]))
    ask(client, partnership, kind="ceop_return_xlsx")

    assert wait_for(lambda: ExportJob.objects.filter(status="done").exists(), timeout=60)
    job = ExportJob.objects.get()
    response = client.get(f"/returns/{job.public_id}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"  # a zip: the xlsx workbook


def test_a_monthly_return_is_produced_once_for_last_month_and_announced(
    client, partnership_world, django_capture_on_commit_callbacks, mailoutbox
):
    from reports.exports import returns_scheduled_produce
    from reports.models import ReturnSchedule

    partnership, agencies = partnership_world
    lead = member(Role.SAFEGUARDING_LEAD, agencies[0])
    sign_in(client, lead)
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, partnership, monthly="on")
    schedule = ReturnSchedule.objects.get()
    assert schedule.parameters["agency_codes"] == sorted(a.code for a in agencies)
    assert "Monthly returns" in client.get("/returns/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert returns_scheduled_produce(today=date(2026, 3, 5)) == 1
        assert returns_scheduled_produce(today=date(2026, 3, 6)) == 0  # once a month

    job = ExportJob.objects.order_by("-created_at").first()
    assert (job.parameters["start"], job.parameters["end"]) == ("2026-02-01", "2026-02-28")
    assert job.status == "done"
    assert [m.to for m in mailoutbox] == [[lead.email]]
    assert "February 2026" in mailoutbox[0].body
    schedule.refresh_from_db()
    assert schedule.last_month == date(2026, 2, 1)


def test_a_schedule_stops_when_its_owner_may_no_longer_run_it(partnership_world):
    from reports.exports import returns_scheduled_produce
    from reports.models import ReturnSchedule

    _, agencies = partnership_world
    lead = member(Role.SAFEGUARDING_LEAD, agencies[0])
    schedule = ReturnSchedule.objects.create(
        requested_by=lead, kind="ceop_return_json",
        parameters={"agency_ids": [a.pk for a in agencies],
                    "agency_codes": [a.code for a in agencies]},
    )  # fmt: skip
    lead.memberships.update(is_active=False)

    assert returns_scheduled_produce(today=date(2026, 3, 5)) == 0

    schedule.refresh_from_db()
    assert not schedule.is_active
    assert not ExportJob.objects.exists()


@contextlib.contextmanager
def broker_unreachable():
    """The web process publishes to a port nothing listens on (a real connection failure),
    then to the configured broker again. `broker_write_url` is what publishing uses, and unlike
    `broker_url` it is not overridden by the CELERY_BROKER_URL environment variable."""
    configured = celery_app.conf.broker_write_url

    def reconnect(url: str | None) -> None:
        celery_app.conf.broker_write_url = url
        # Connections and producers are pooled from the URL at first use: start again.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    reconnect("redis://127.0.0.1:9/0")
    try:
        yield
    finally:
        reconnect(configured)


def test_a_return_asked_for_while_the_broker_is_down_waits_and_then_runs_once(
    celery_worker_process, client, partnership_world
):
    """With no broker reachable the page still answers and the job waits, saying so; nothing
    is lost. When the broker is back, the scheduled resend delivers it to a real worker, and a
    second resend does not run it again."""
    partnership, agencies = partnership_world
    sign_in(client, member(Role.SAFEGUARDING_LEAD, agencies[0]))

    with broker_unreachable():
        response = ask(client, partnership)
        assert response.status_code == 302
        assert "Waiting to start" in client.get("/returns/jobs/").content.decode()
    job = ExportJob.objects.get()
    assert not wait_for(lambda: ExportJob.objects.get().status != "queued", timeout=3)

    assert jobs_waiting_resend() == (0, 0)  # just asked for: it may still be on its way
    later = timezone.now() + timedelta(minutes=11)
    assert jobs_waiting_resend(now=later) == (1, 0)

    assert wait_for(lambda: ExportJob.objects.get().status == "done", timeout=60)
    assert jobs_waiting_resend(now=later + timedelta(minutes=11)) == (0, 0)
    job.refresh_from_db()
    assert job.progress == 100
    response = client.get(f"/returns/{job.public_id}/download/")
    assert json.loads(b"".join(response.streaming_content))["victims"]["total"] == 2


def test_a_return_whose_worker_is_killed_is_marked_failed_and_never_served(
    celery_worker_process, client, partnership_world
):
    """The worker is killed (SIGKILL) while it counts: no file was written. Past the task's
    time limit the scheduled check marks the job failed with a message the person sees, and
    nothing is offered for download."""
    import signal

    from cases.models import Network
    from reports.exports import jobs_stalled_fail

    partnership, agencies = partnership_world
    sign_in(client, member(Role.SAFEGUARDING_LEAD, agencies[0]))
    with table_locked(Network):
        ask(client, partnership)
        assert wait_for(lambda: ExportJob.objects.get().status == "running", timeout=60)
        celery_worker_process.send_signal(signal.SIGKILL)
        celery_worker_process.wait(timeout=20)

    assert jobs_stalled_fail() == (0, 0)
    assert jobs_stalled_fail(now=timezone.now() + timedelta(hours=1)) == (1, 0)

    job = ExportJob.objects.get()
    assert (job.status, bool(job.file)) == ("failed", False)
    table = client.get("/returns/jobs/").content.decode()
    assert "The background service stopped while producing this" in table
    assert f"/returns/{job.public_id}/download/" not in table
    assert client.get(f"/returns/{job.public_id}/download/").status_code == 404
