import json
import random
import re

import networkx as nx
import pytest
from django.core.management import call_command

from agencies.models import Role
from cases import graph as link_graph
from cases import services
from cases.models import (
    ConcernDetail,
    ConcernLocation,
    ConcernPerson,
    Location,
    Network,
    NetworkMember,
    Person,
    SuggestionRun,
)
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, ConcernFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db


def person(agency, by, kind, name):
    return services.person_create(
        data=services.PersonData(kind=kind, first_name=name, last_name="Testperson"),
        owner_agency=agency, by=by,
    )  # fmt: skip


def link(kind: str, a, b, n: int, by) -> None:
    """Join two people by one kind of link, each through an entity of its own."""
    if kind == "association":
        services.association_create(from_person=a, to_person=b, relationship="associate",
                                    owner_agency=a.owner_agency, by=by)  # fmt: skip
    elif kind in ("vehicle", "phone"):
        value = f"KX{n:02d} ABC" if kind == "vehicle" else f"07700 9{n:05d}"
        for one in (a, b):
            services.person_detail_add(person=one, kind=kind, value=value, description="",
                                       by=by)  # fmt: skip
    else:  # a concern about a's case naming b, at a place or with a phone seen
        case = a.cases.first() or CaseFactory(owner_agency=a.owner_agency, child=a)
        concern = ConcernFactory(case=case)
        ConcernPerson.objects.create(concern=concern, person=b, role="suspect")
        if kind == "concern_place":
            place = Location.objects.create(owner_agency=a.owner_agency, type="park")
            ConcernLocation.objects.create(concern=concern, location=place)
        else:
            ConcernDetail.objects.create(concern=concern, type="phone", value=f"n{n}",
                                         normalised=f"0770{n:07d}")  # fmt: skip


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_suggested_networks_are_the_connected_components_with_two_or_more_suspects(seed):
    """A generated graph of people linked directly and through shared vehicles, phones and
    concerns' places and phones, across three agencies, gives exactly the components networkx
    finds in the same generated graph restricted to the people the analyst may see."""
    rng = random.Random(seed)
    partnership = PartnershipFactory()
    own, sharing, other = (AgencyFactory(partnerships=[partnership]) for _ in range(3))
    analyst = member(Role.ANALYST, own)
    holder = member(Role.CSE_LEAD, sharing)
    agencies = [own] * 26 + [sharing] * 8 + [other] * 6
    people = [
        person(agency, analyst, "child" if i % 3 == 0 else "suspect", f"P{i:02d}")
        for i, agency in enumerate(agencies)
    ]
    for shared in people[26:30]:  # half of the second agency's people are shared
        services.person_share(
            person=shared, agency=own, reason="Joint work", lawful_basis="safeguarding", by=holder
        )
    may_see = set(range(30))
    expected = nx.Graph()
    expected.add_nodes_from(may_see)
    kinds = ["association", "vehicle", "phone", "concern_place", "concern_phone"]
    for n in range(40):
        a, b = rng.sample(range(len(people)), 2)
        kind = rng.choice(kinds)
        if kind.startswith("concern"):
            a, b = sorted((a, b), key=lambda i: people[i].kind != "child")
            # The concern is on the child's case: one the analyst's agency holds.
            if people[a].kind != "child" or agencies[a] != own:
                continue
        link(kind, people[a], people[b], n, analyst)
        if {a, b} <= may_see:
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
    hidden = {people[i].pk for i in range(30, 40)}
    assert not hidden & {p.pk for s in suggestions for p in s.people}


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
        agency=world["social_care"], reason="Referral accepted", lawful_basis="safeguarding",
        by=world["analyst"],
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


def test_an_analyst_adds_a_member_by_hand_and_records_that_another_left(client, world):
    abel, boris = world["suspects"][:2]
    network = services.network_create(owner_agency=world["police"], name="KX11",
                                      members=[abel], by=world["analyst"])  # fmt: skip
    outsider = person(world["police"], world["analyst"], "suspect", "Unlinked")
    sign_in(client, world["analyst"])
    url = f"/networks/{network.public_id}/members/new/"

    form = client.get(url).content.decode()
    assert "Boris Testperson" in form  # shares the vehicle with Abel
    assert "Ruby Testperson" in form  # linked to Abel
    assert "Unlinked" not in form
    refused = client.post(url, {"person": str(outsider.public_id), "role": "core"})
    assert "Select a person from the list" in refused.content.decode()
    client.post(url, {"person": str(boris.public_id), "role": "peripheral",
                      "joined_on": "2025-02-01"})  # fmt: skip
    added = network.members.get(person=boris)
    assert (added.role, str(added.joined_on)) == ("peripheral", "2025-02-01")

    edit = f"/networks/{network.public_id}/members/{added.public_id}/edit/"
    bad = client.post(
        edit, {"role": "peripheral", "joined_on": "2025-02-01", "left_on": "2025-01-01"}
    )
    assert "The date they left must be on or after the date they joined" in bad.content.decode()
    client.post(edit, {"role": "peripheral", "joined_on": "2025-02-01", "left_on": "2025-06-30",
                       "reason": "Moved away, per intelligence report"})  # fmt: skip
    added.refresh_from_db()
    assert str(added.left_on) == "2025-06-30"
    page = client.get(f"/networks/{network.public_id}/").content.decode()
    assert "Former member" in page
    assert NetworkMember.objects.filter(network=network).count() == 2  # nothing deleted
    history = client.get(f"/networks/{network.public_id}/history/").content.decode()
    assert "Moved away, per intelligence report" in history


def test_a_user_of_another_agency_cannot_add_members(client, world):
    network = services.network_create(
        owner_agency=world["police"], name="KX11", members=world["suspects"][:1],
        by=world["analyst"],
    )  # fmt: skip
    sign_in(client, member(Role.ANALYST, world["social_care"]))
    response = client.post(
        f"/networks/{network.public_id}/members/new/",
        {"person": str(world["suspects"][1].public_id), "role": "core"},
    )
    assert response.status_code == 404
    assert network.members.count() == 1


def test_the_graph_benchmark_prints_its_figures_and_leaves_no_data(capsys):
    before = Person.objects.count()
    call_command("bench_graph", nodes=90, repeat=1, browser="/nonexistent")
    out = capsys.readouterr().out
    assert re.search(r"graph nodes\s+90\n", out)
    assert "build the graph (median ms)" in out
    assert re.search(r"draw in Chromium \(ms\)\s+not measured", out)
    assert Person.objects.count() == before


def test_a_large_graph_is_searched_by_the_worker_while_the_page_shows_progress(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.NETWORK_SUGGESTIONS_INLINE_LIMIT = 2  # the analyst may see 4 people
    sign_in(client, world["analyst"])

    with django_capture_on_commit_callbacks() as enqueued:
        page = client.get("/networks/suggested/").content.decode()
    assert 'data-testid="suggestion-progress"' in page
    assert "Waiting to start" in page
    polled = client.get("/networks/suggested/?progress=1", HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in polled

    for callback in enqueued:  # the worker's turn (tasks run in this process in tests)
        callback()
    run = SuggestionRun.objects.get()
    assert (run.status, run.graph_nodes) == ("done", 5)
    assert client.get("/networks/suggested/?progress=1")["HX-Refresh"] == "true"
    page = client.get("/networks/suggested/").content.decode()
    assert page.count('data-testid="suggestion"') == 1
    assert "Abel Testperson" in page


def test_a_person_unshared_after_the_search_is_not_offered(client, world):
    holder = member(Role.CSE_LEAD, world["social_care"])
    outside = person(world["social_care"], holder, "suspect", "Outsider")
    services.person_detail_add(person=outside, kind="vehicle", value="KX11 ABC", description="",
                               by=holder)  # fmt: skip
    services.person_share(
        person=outside,
        agency=world["police"],
        reason="Joint",
        lawful_basis="safeguarding",
        by=holder,
    )
    sign_in(client, world["analyst"])
    assert "Outsider Testperson" in client.get("/networks/suggested/").content.decode()

    services.person_unshare(person=outside, agency=world["police"], reason="Done", by=holder)

    page = client.get("/networks/suggested/").content.decode()
    assert "Outsider Testperson" not in page
    assert "Abel Testperson" in page
    assert SuggestionRun.objects.count() == 1  # the same run, shown through the access rule


def test_looking_again_finds_links_recorded_since(client, world):
    sign_in(client, world["analyst"])
    client.get("/networks/suggested/")
    newcomer = person(world["police"], world["analyst"], "suspect", "Newcomer")
    services.person_detail_add(person=newcomer, kind="vehicle", value="KX11 ABC",
                               description="", by=world["analyst"])  # fmt: skip
    assert "Newcomer" not in client.get("/networks/suggested/").content.decode()

    client.post("/networks/suggested/", {"again": "1"})

    assert "Newcomer Testperson" in client.get("/networks/suggested/").content.decode()
