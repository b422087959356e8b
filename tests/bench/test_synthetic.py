"""generate_synthetic: the numbers asked for, every referral state, history naming the seed,
the same data from the same seed, and a data set the service can be used on."""

import hashlib
import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django_otp.oath import TOTP

from agencies.models import Agency, Partnership, User
from bench.synthetic import SYNTHETIC_PASSWORD, SYNTHETIC_TOTP_KEY, Scale, synthetic_generate
from cases.models import Case, Concern, Person, PersonAlias, PersonMatchKey
from indicators.models import RiskAssessment
from referrals.models import Referral

pytestmark = pytest.mark.django_db

TINY = Scale(partnerships=2, agencies=6, children=200, suspects=60, concerns=1_000,
             missing_episodes=150, referrals=300, associations=150, locations=40,
             assessments=20, shared_cases=30)  # fmt: skip


def digest() -> str:
    """The content of the generated records, ignoring database ids."""
    rows = [
        *Person.objects.order_by("first_name", "last_name", "date_of_birth", "sex", "public_id")
        .values_list("kind", "first_name", "last_name", "date_of_birth", "sex", "public_id"),
        *Concern.objects.order_by("public_id")
        .values_list("public_id", "occurred_on", "indicator_codes", "case__reference"),
        *Referral.objects.order_by("public_id")
        .values_list("public_id", "status", "from_agency__code", "to_agency__code"),
    ]  # fmt: skip
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_the_data_set_has_the_numbers_asked_for_every_referral_state_and_history(capsys):
    call_command("generate_synthetic", "--scale", "0.001", "--seed", "7")

    out = capsys.readouterr().out
    assert "Concerns: 3,000 rows" in out
    assert Partnership.objects.filter(code__startswith="syn-p").count() == 1
    assert Agency.objects.filter(code__startswith="syn-a").count() == 2
    assert Person.objects.filter(kind="child").count() == 300
    assert Case.objects.count() == 300
    assert Person.objects.filter(kind="suspect").count() == 100
    assert PersonAlias.objects.exists()
    assert Concern.objects.count() == 3_000
    assert not Concern.objects.exclude(case_agency=F("case__owner_agency")).exists()
    assert {status for status, _ in Referral.Status.choices} == set(
        Referral.objects.values_list("status", flat=True).distinct()
    )
    assert not Referral.objects.filter(status="draft", sent_at__isnull=False).exists()
    assert not Concern.objects.filter(occurred_on__gt=date.today()).exists()
    assert RiskAssessment.objects.filter(responses__isnull=False).exists()
    history = Concern.history.filter(history_type="+")
    assert history.count() == 3_000
    assert history.first().history_change_reason == "Synthetic data (seed 7)"
    assert PersonMatchKey.objects.filter(key__startswith="n:").exists()
    with pytest.raises(CommandError, match="already holds synthetic data"):
        call_command("generate_synthetic", "--scale", "0.001")


def test_the_same_seed_gives_the_same_records_and_another_seed_does_not():
    digests = []
    for seed in (11, 11, 12):
        with transaction.atomic():
            synthetic_generate(scale=TINY, seed=seed, progress=lambda line: None)
            digests.append(digest())
            transaction.set_rollback(True)

    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_a_synthetic_user_signs_in_with_both_factors_and_sees_their_agency_s_cases(client):
    synthetic_generate(scale=TINY, seed=3, progress=lambda line: None)
    user = User.objects.get(email="syn-a0001-frontline-1@synthetic.invalid")

    client.post("/sign-in/", {"email": user.email, "password": SYNTHETIC_PASSWORD})
    token = TOTP(bytes.fromhex(SYNTHETIC_TOTP_KEY)).token()
    verified = client.post("/two-factor/verify/", {"code": f"{token:06d}"})
    page = client.get("/cases/")

    assert verified.status_code == 302
    assert page.status_code == 200
    agency = Agency.objects.get(code="syn-a0001")
    held = Case.objects.filter(owner_agency=agency)
    shared = Case.objects.filter(grants__group=agency.group)
    listed = re.findall(r'href="/cases/([0-9a-f-]{36})/"', page.content.decode())
    assert listed
    assert set(listed) <= {str(case.public_id) for case in held.union(shared)}
    held = held.first()
    found = client.post("/people/search/", {"name": held.child.last_name}).content.decode()
    assert re.search(r"[1-9]\d* (person|people) found", found)


def test_each_partnership_has_one_lscb_chair_who_sees_its_dashboard_and_no_record(client):
    """One LSCB chair per partnership, a member of its first agency: the chair signs in with
    both factors, sees the partnership's dashboard, and opens no case."""
    from agencies.models import Membership, Role

    synthetic_generate(scale=TINY, seed=4, progress=lambda line: None)
    chairs = Membership.objects.filter(role=Role.LSCB_CHAIR).select_related("user", "agency")
    assert sorted((m.user.email, m.agency.code) for m in chairs) == [
        ("syn-a0001-lscb_chair-1@synthetic.invalid", "syn-a0001"),
        ("syn-a0002-lscb_chair-1@synthetic.invalid", "syn-a0002"),
    ]
    assert Agency.objects.get(code="syn-a0002").partnerships.get().code == "syn-p002"

    client.post("/sign-in/", {"email": chairs[0].user.email, "password": SYNTHETIC_PASSWORD})
    token = TOTP(bytes.fromhex(SYNTHETIC_TOTP_KEY)).token()
    assert client.post("/two-factor/verify/", {"code": f"{token:06d}"}).status_code == 302

    assert client.get("/dashboard/").status_code == 200
    assert client.get("/cases/").status_code in (403, 404)


def test_the_graph_built_around_a_network_is_the_whole_graph_s_neighbourhood_of_it():
    """The network page builds only the part of the link graph around its members; on a
    generated data set (shares, restricted people, places, concerns) it equals the whole graph
    cut to the same neighbourhood, node for node and edge for edge."""
    from cases import graph as link_graph
    from cases.models import Network

    synthetic_generate(scale=TINY, seed=9, progress=lambda line: None)
    user = User.objects.get(email="syn-a0001-cse_lead-1@synthetic.invalid")
    whole = link_graph.link_graph(user)
    networks = Network.objects.filter(owner_agency__code="syn-a0001")
    assert networks.exists()
    for network in networks:
        members = set(network.members.values_list("person_id", flat=True))
        expected = link_graph.subgraph_around(whole, members)
        scoped = link_graph.subgraph_around(link_graph.link_graph(user, around=members), members)
        assert dict(scoped.nodes(data=True)) == dict(expected.nodes(data=True))
        assert {frozenset(edge) for edge in scoped.edges} == {
            frozenset(edge) for edge in expected.edges
        }
        assert len(expected) > len(members)  # the members have links to compare
