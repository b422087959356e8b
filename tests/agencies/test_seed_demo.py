import pytest
from django.core.management import CommandError, call_command

from agencies.demo import DEMO_PASSWORD
from agencies.models import Agency, Membership, Role, User
from cases.models import Case, Concern
from meetings.models import AgendaItem
from tests.factories import enrol_totp, totp_code

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_five_agency_types_with_one_user_per_role_and_prints_logins(
    settings, capsys
):
    settings.DEBUG = True
    call_command("seed_demo")

    agencies = Agency.objects.filter(code__startswith="demo-")
    assert set(agencies.values_list("type", flat=True)) >= {
        "police",
        "childrens_social_care",
        "health",
        "education",
        "voluntary_project",
    }
    for agency in agencies:
        roles = set(Membership.objects.filter(agency=agency).values_list("role", flat=True))
        assert roles == set(Role.values)
        # Only roles that open records join the agency's group (grants go to the group).
        in_group = set(agency.group.user_set.values_list("memberships__role", flat=True))
        assert in_group == {"frontline", "supervisor", "cse_lead", "analyst", "safeguarding_lead"}
    printed = capsys.readouterr().out
    assert "frontline@police.demo.example" in printed
    assert "Password: " in printed


def test_seed_demo_run_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    def counts():
        return (
            Agency.objects.count(),
            User.objects.count(),
            Membership.objects.count(),
            Case.objects.count(),
            Concern.objects.count(),
            AgendaItem.objects.count(),
        )

    first = counts()
    assert first[3] == 4, "three demo children and one restricted child"
    assert first[5] == 3, "the demo meeting has the three demo children on its agenda"
    call_command("seed_demo")
    assert counts() == first


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG only"):
        call_command("seed_demo")
    assert not User.objects.exists()


def demo_sign_in(client, email: str) -> None:
    user = User.objects.get(email=email)
    device = enrol_totp(user)
    client.post("/sign-in/", {"email": email, "password": DEMO_PASSWORD})
    assert client.post("/two-factor/verify/", {"code": totp_code(device)}).status_code == 302


def test_seed_demo_makes_a_restricted_record_that_other_police_logins_see_only_as_restricted(
    settings, client
):
    settings.DEBUG = True
    call_command("seed_demo")
    restricted = Case.objects.get(reference="DEMO-4")
    demo_sign_in(client, "supervisor@police.demo.example")
    listing = client.get("/cases/").content.decode()
    assert f"/restricted/cases/{restricted.public_id}/" in listing
    assert "Marsh" not in listing
    demo_sign_in(client, "frontline@police.demo.example")
    assert "Marsh" in client.get(f"/cases/{restricted.public_id}/").content.decode()
