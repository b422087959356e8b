"""No page of the service may be kept by a browser or a shared cache (OWASP ASVS 5.0 V14.3.2):
every answer to a signed-in user says `Cache-Control: no-store`, whatever the page, and so does
every page of a person not signed in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from agencies.models import Role
from reports.models import ExportJob
from tests.agencies.test_url_matrix import (
    ROLE_SCOPED_URLS,
    SIGNED_IN_URLS,
    URL_RULES,
    RecordScoped,
)
from tests.conftest import sign_in
from tests.factories import MembershipFactory
from tests.worlds import record_world

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_every_page_a_signed_in_user_opens_says_no_store(client):
    """Record pages, search, history, chronology and its print, the dashboard and its CSVs and
    PDF, the access log, task lists and downloads, as a CSE lead of the holding agency (pages
    their role may not open answer 404, which must not be cached either)."""
    from indicators.models import IndicatorSet

    world = record_world()
    lead = MembershipFactory(role=Role.CSE_LEAD, agency=world.owner).user
    sign_in(client, lead)
    current = IndicatorSet.objects.get(is_current=True).public_id
    paths = [
        rule.path.format(**world.ids)
        for rule in URL_RULES.values()
        if isinstance(rule, RecordScoped) and rule.method == "get"
    ]
    paths += list(ROLE_SCOPED_URLS.values())
    paths += [path.format(current_set=current) for path in SIGNED_IN_URLS.values()]
    job = ExportJob.objects.create(
        kind="ceop_return_json",
        requested_by=lead,
        parameters={"start": "2025-01-01", "end": "2025-12-31", "agency_codes": []},
        status="done",
        filename="ceop-return.json",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    job.file.save(f"{job.public_id}.json", ContentFile(b"{}"))
    paths.append(f"/returns/{job.public_id}/download/")

    answered = {}
    for path in paths:
        response = client.get(path)
        answered[path] = (response.status_code, response.get("Cache-Control", ""))
    cached = {path: answer for path, answer in answered.items() if "no-store" not in answer[1]}
    assert cached == {}
    statuses = {status for status, _ in answered.values()}
    assert 200 in statuses  # the pages were really opened, not only refused
    assert answered[f"/returns/{job.public_id}/download/"][0] == 200
    assert answered["/dashboard/problem-profile.pdf"][0] == 200


def test_a_view_that_asks_to_be_cached_is_overridden_for_a_signed_in_user(client, settings):
    """The blank data template is the same for everyone, but a signed-in answer is never kept."""
    sign_in(client, MembershipFactory().user)
    response = client.get("/template/partnership-data-template.xlsx")
    assert response.status_code == 200
    assert no_store(response)
    assert "private" in response["Cache-Control"]


def test_pages_for_people_not_signed_in_are_not_cached_either(client):
    for path in ("/sign-in/", "/password/forgotten/", "/accessibility/", "/no-such-page/"):
        assert no_store(client.get(path)), path
