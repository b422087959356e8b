"""Suggested networks found by a real Celery worker process (on Redis in CI)."""

import pytest

from agencies.models import Role
from cases import services
from cases.models import SuggestionRun
from tests.conftest import sign_in, wait_for
from tests.factories import AgencyFactory, member

pytestmark = pytest.mark.worker


def test_the_worker_finds_the_groups_and_the_page_then_shows_them(
    celery_worker_process, client, settings
):
    settings.NETWORK_SUGGESTIONS_INLINE_LIMIT = 0
    agency = AgencyFactory()
    analyst = member(Role.ANALYST, agency)
    for name in ("Abel", "Boris"):
        suspect = services.person_create(
            data=services.PersonData(kind="suspect", first_name=name, last_name="Worker"),
            owner_agency=agency,
            by=analyst,
        )
        services.person_detail_add(person=suspect, kind="phone", value="07700 900123",
                                   description="", by=analyst)  # fmt: skip
    sign_in(client, analyst)

    assert "Waiting to start" in client.get("/networks/suggested/").content.decode()

    assert wait_for(lambda: SuggestionRun.objects.filter(status="done").exists(), timeout=60)
    page = client.get("/networks/suggested/").content.decode()
    assert "Abel Worker" in page
    assert "Boris Worker" in page
