import re

import pytest

from agencies.models import Role
from core.models import Task
from tests.conftest import sign_in
from tests.factories import MembershipFactory, member

pytestmark = pytest.mark.django_db


def test_the_layout_names_the_service_and_carries_no_gov_uk_branding(client):
    page = client.get("/sign-in/").content.decode()
    assert 'class="govuk-skip-link"' in page
    assert "govuk-generic-header" in page
    assert "CSE partnership record" in page
    assert "govuk-phase-banner" in page
    assert "govuk-footer__crown" not in page
    assert "GOV.UK" not in page


def test_pages_allow_no_inline_script_and_load_javascript_as_a_module(client):
    response = client.get("/sign-in/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    page = response.content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert '<script type="module" src="/static/dist/application.mjs">' in page


def test_signed_in_pages_show_the_navigation_and_who_is_signed_in(client):
    membership = MembershipFactory(agency__name="Eastfield Schools", role="cse_lead")
    sign_in(client, membership.user)
    page = client.get("/").content.decode()
    assert 'aria-label="Menu"' in page
    assert "CSE lead, Eastfield Schools" in page
    assert "Sign out" in page


def test_an_unknown_address_answers_with_the_service_404_page(client):
    sign_in(client, MembershipFactory().user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_public_pages_need_no_sign_in(client):
    for url in ("/accessibility/", "/privacy/"):
        assert client.get(url).status_code == 200


def test_the_task_list_pages_through_tasks_with_the_same_queries(
    client, django_assert_max_num_queries
):
    lead = member(Role.CSE_LEAD)
    agency = lead.memberships.get().agency

    def add_tasks(count: int) -> None:
        for n in range(count):
            Task.objects.create(
                kind=Task.Kind.POSSIBLE_MATCH, agency=agency, role=Role.CSE_LEAD, title=f"T{n}"
            )

    add_tasks(2)
    sign_in(client, lead)
    with django_assert_max_num_queries(30) as few:
        assert "2 open tasks" in client.get("/tasks/").content.decode()
    add_tasks(60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = client.get("/tasks/").content.decode()
    assert "62 open tasks" in first
    assert "Page 1 of 2" in first
    second = client.get("/tasks/?page=2").content.decode()
    assert len(re.findall(r'href="/tasks/[0-9a-f-]{36}/"', second)) == 12
