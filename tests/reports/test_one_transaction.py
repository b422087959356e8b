"""Asking for a return with a monthly schedule, and uploading a template, each write in one
transaction: a failure at the last write leaves no job, no schedule, no import and no file."""

import io
import zipfile

import pytest

from agencies.models import Role
from reports.models import ExportJob, ReturnSchedule, TemplateImport
from tests.conftest import sign_in
from tests.factories import member
from tests.injected_failures import InjectedFailure, fail_after, table_fingerprints, tables_changed
from tests.reports import test_returns
from tests.reports.test_returns import ask

pytestmark = pytest.mark.django_db
partnership_world = test_returns.partnership_world  # the fixture


def test_a_return_whose_monthly_schedule_fails_is_not_asked_for_either(
    client,
    partnership_world,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    partnership, agencies = partnership_world
    sign_in(client, member(Role.SAFEGUARDING_LEAD, agencies[0]))
    tables = table_fingerprints()
    schedules = fail_after(monkeypatch, "reports.exports.return_schedule_create")

    with django_capture_on_commit_callbacks() as enqueued, pytest.raises(InjectedFailure):
        ask(client, partnership, monthly="on")

    assert len(schedules) == 1  # the job had been recorded by then
    assert not ExportJob.objects.exists()
    assert not ReturnSchedule.objects.exists()
    assert tables_changed(tables) == []
    assert enqueued == []  # no worker is handed a job that was never kept


def test_an_upload_whose_record_fails_keeps_neither_the_record_nor_the_file(
    client,
    partnership_world,
    monkeypatch,
    settings,
    django_capture_on_commit_callbacks,
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as csvs:
        csvs.writestr("children.csv", "child_ref,agency_code,first_name\nC1,POL,Jade\n")
    _, agencies = partnership_world
    sign_in(client, member(Role.SAFEGUARDING_LEAD, agencies[0]))
    media = settings.STORAGES["default"]["OPTIONS"]["location"]
    tables = table_fingerprints()
    saved = fail_after(monkeypatch, "reports.models.TemplateImport.save")

    with django_capture_on_commit_callbacks() as enqueued, pytest.raises(InjectedFailure):
        client.post(
            "/template/import/",
            {"file": SimpleUploadedFile("children.zip", archive.getvalue())},
        )

    assert len(saved) == 1
    assert not TemplateImport.objects.exists()
    assert tables_changed(tables) == []
    assert enqueued == []
    assert [p for p in media.rglob("*") if p.is_file()] == []  # the upload is personal data
