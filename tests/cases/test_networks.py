import json
import random

import networkx as nx
import pytest

from agencies.models import Role
from cases import graph as link_graph
from cases import services
from cases.models import Network, Person
from tests.conftest import sign_in
from tests.factories import AgencyFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db


def person(agency, by, kind, name):
    return services.person_create(
        data=services.PersonData(kind=kind, first_name=name, last_name="Testperson"),
        owner_agency=agency, by=by,
    )  # fmt: skip


def test_suggested_networks_are_the_connected_components_with_two_or_more_suspects():
    """A generated graph of people linked directly and through shared vehicles gives exactly
    the components networkx finds in the same generated graph."""
    rng = random.Random(7)
    agency = AgencyFactory()
    analyst = member(Role.ANALYST, agency)
    people = [
        person(agency, analyst, "suspect" if i % 3 else "child", f"P{i:02d}") for i in range(30)
    ]
    expected = nx.Graph()
    expected.add_nodes_from(range(30))
    for _ in range(22):
        a, b = rng.sample(range(30), 2)
        if rng.random() < 0.5:
            services.association_create(
                from_person=people[a],
                to_person=people[b],
                relationship="associate",
                owner_agency=agency,
                by=analyst,
            )
        else:
            plate = f"V{a:02d}{b:02d}"
            for i in (a, b):
                services.person_detail_add(person=people[i], kind="vehicle", value=plate,
                                           description="", by=analyst)  # fmt: skip
        expected.add_edge(a, b)

    suggestions = link_graph.suggested_networks(link_graph.link_graph(analyst))

    want = {
        frozenset(people[i].pk for i in component)
        for component in nx.connected_components(expected)
        if sum(people[i].kind == "suspect" for i in component) >= 2
    }
    got = {frozenset(p.pk for p in s.people) for s in suggestions}
    assert got == want
    assert want  # the generated graph has such components


@pytest.fixture
def world():
    partnership = PartnershipFactory()
    police, social_care = (AgencyFactory(partnerships=[partnership]) for _ in range(2))
    analyst = member(Role.ANALYST, police)
    child = person(police, analyst, "child", "Ruby")
    suspects = [person(police, analyst, "suspect", n) for n in ("Abel", "Boris", "Cyril")]
    for s in suspects:
        services.person_detail_add(person=s, kind="vehicle", value="KX11 ABC", description="",
                                   by=analyst)  # fmt: skip
    services.association_create(
        from_person=child,
        to_person=suspects[0],
        relationship="perceived_boyfriend",
        owner_agency=police,
        by=analyst,
    )
    return {"police": police, "social_care": social_care, "analyst": analyst, "child": child,
            "suspects": suspects}  # fmt: skip


def test_an_analyst_confirms_a_suggested_network_and_marks_a_core_member(client, world):
    sign_in(client, world["analyst"])
    page = client.get("/networks/suggested/").content.decode()
    assert "3 suspects and 1 other people" in page
    members = [str(p.public_id) for p in [world["child"], *world["suspects"]]]
    response = client.post("/networks/suggested/", {"members": members, "name": "KX11 group"})
    network = Network.objects.get()
    assert response["Location"] == f"/networks/{network.public_id}/"
    assert network.members.get(person=world["child"]).role == "victim"
    abel = network.members.get(person=world["suspects"][0])
    client.post(f"/networks/{network.public_id}/members/{abel.public_id}/role/", {"role": "core"})
    abel.refresh_from_db()
    assert abel.role == "core"

    page = client.get(f"/networks/{network.public_id}/").content.decode()
    data = json.loads(page.split('<script id="graph-data" type="application/json">')[1]
                      .split("</script>")[0])  # fmt: skip
    labels = {n["data"]["label"] for n in data["nodes"]}
    assert {"Ruby Testperson", "Abel Testperson", "KX11 ABC"} <= labels
    assert "Core member" in page
    assert '<td class="govuk-table__cell">KX11 ABC</td>' in page


def test_another_agency_sees_the_shared_child_and_the_suspects_only_as_restricted(client, world):
    services.case_share(
        case=services.case_open(child=world["child"], owner_agency=world["police"],
                                by=world["analyst"]),
        agency=world["social_care"], reason="Referral accepted", by=world["analyst"],
    )  # fmt: skip
    sign_in(client, member(Role.FRONTLINE, world["social_care"]))
    page = client.get(f"/people/{world['child'].public_id}/graph/").content.decode()
    assert "Ruby Testperson" in page
    assert f"Restricted: held by {world['police'].name}" in page
    for name in ("Abel", "Boris", "Cyril", "KX11"):
        assert name not in page  # nor anything recorded about the restricted suspects
    # The police's link to the suspect exists for them, but what it is stays with the police.
    assert "perceived boyfriend" not in page
    assert "restricted link" in page


def test_linking_two_people_through_the_form(client, world):
    sign_in(client, world["analyst"])
    url = f"/people/{world['suspects'][1].public_id}/links/new/"
    page = client.post(url, {"name": "Cyril Testperson"}).content.decode()
    assert "Cyril Testperson" in page
    client.post(url, {"name": "Cyril Testperson", "other": str(world["suspects"][2].public_id),
                      "relationship": "associate", "confidence": "medium",
                      "source": "Surveillance log"})  # fmt: skip
    link = world["suspects"][1].links_out.get()
    assert (link.to_person, link.confidence, link.source) == (
        world["suspects"][2],
        "medium",
        "Surveillance log",
    )
    assert Person.objects.count() == 4


def test_the_analyst_changes_a_networks_status_and_notes(client, world):
    network = services.network_create(owner_agency=world["police"], name="KX11",
                                      members=world["suspects"], by=world["analyst"])  # fmt: skip
    sign_in(client, world["analyst"])
    url = f"/networks/{network.public_id}/edit/"
    bad = client.post(url, {"name": "", "status": "dormant"})
    assert "Enter the network&#x27;s name" in bad.content.decode()
    client.post(url, {"name": "KX11 group", "status": "disrupted", "notes": "Arrests made"})
    network.refresh_from_db()
    assert (network.name, network.status, network.notes) == (
        "KX11 group",
        "disrupted",
        "Arrests made",
    )
    assert network.history.first().history_user == world["analyst"]
