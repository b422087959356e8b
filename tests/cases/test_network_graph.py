"""The link graph built around a network's members equals the whole graph cut to their
neighbourhood with every kind of link (associations seen and unseen, phones, vehicles and
addresses shared with people of another agency, concerns naming people with the vehicles,
phones and places seen, places of people, an archived person), and the network page shows
its members as the user may see them."""

from __future__ import annotations

import random

import pytest

from agencies.models import Role
from cases import graph as link_graph
from cases import services
from cases.models import (
    ConcernDetail,
    ConcernLocation,
    ConcernPerson,
    Location,
    PersonLocation,
)
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, ConcernFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db


def person(agency, by, kind, name):
    return services.person_create(
        data=services.PersonData(kind=kind, first_name=name, last_name="Graphperson"),
        owner_agency=agency, by=by,
    )  # fmt: skip


@pytest.fixture
def world():
    """Two agencies of a partnership, the second sharing a few of its people with the first;
    people linked at random by every kind of link (seed fixed)."""
    rng = random.Random(5)
    partnership = PartnershipFactory()
    own, other = (AgencyFactory(partnerships=[partnership]) for _ in range(2))
    analyst, holder = member(Role.ANALYST, own), member(Role.CSE_LEAD, other)
    people = [
        person(agency, analyst, "child" if i % 3 == 0 else "suspect", f"P{i:02d}")
        for i, agency in enumerate([own] * 24 + [other] * 12)
    ]
    for shared in people[24:28]:
        services.person_share(
            person=shared, agency=own, reason="Joint work", lawful_basis="safeguarding", by=holder
        )
    places = [Location.objects.create(owner_agency=own, type="park") for _ in range(4)]
    for n in range(70):
        a, b = rng.sample(people, 2)
        kind = rng.choice(["association", "phone", "vehicle", "address", "concern", "place"])
        if kind == "association":
            services.association_create(from_person=a, to_person=b, relationship="associate",
                                        owner_agency=a.owner_agency, by=analyst)  # fmt: skip
        elif kind in ("phone", "vehicle", "address"):
            value = {"phone": f"07700 9{n % 9:05d}", "vehicle": f"KX{n % 7:02d} ABC",
                     "address": f"{n % 5} Mill Street"}[kind]  # fmt: skip
            for one in (a, b):
                services.person_detail_add(person=one, kind=kind, value=value, description="",
                                           by=analyst)  # fmt: skip
        elif kind == "concern":
            case = a.cases.first() or CaseFactory(owner_agency=a.owner_agency, child=a)
            concern = ConcernFactory(case=case)
            ConcernPerson.objects.create(concern=concern, person=b, role="suspect")
            ConcernDetail.objects.create(concern=concern, type="phone", value=f"n{n % 6}",
                                         normalised=f"0770{n % 6:07d}")  # fmt: skip
            ConcernLocation.objects.create(concern=concern, location=rng.choice(places))
        else:
            PersonLocation.objects.get_or_create(person=a, location=rng.choice(places),
                                                 defaults={"role": "exploitation"})  # fmt: skip
    gone = people[5]
    gone.archived_at = gone.modified_at
    gone.save()
    network = services.network_create(
        owner_agency=own, name="Mill Street", members=people[:3] + people[24:26] + people[30:32],
        by=analyst,
    )  # fmt: skip
    return {"analyst": analyst, "people": people, "network": network}


def test_the_graph_around_people_is_the_whole_graphs_neighbourhood_of_them(world):
    analyst, people = world["analyst"], world["people"]
    whole = link_graph.link_graph(analyst)
    assert {d["kind"] for _, d in whole.nodes(data=True)} == {
        "person", "phone", "vehicle", "address", "location"
    }  # fmt: skip
    assert any(d["restricted"] for _, d in whole.nodes(data=True))
    # People the analyst may see: a restricted person is never expanded (cases.graph), so the
    # neighbourhood of one is not built around them.
    seen = [p for p in people[:28] if p.archived_at is None]
    rng = random.Random(9)
    for size in (1, 2, 4, 7, 7, 12):
        around = {p.pk for p in rng.sample(seen, size)}
        expected = link_graph.subgraph_around(whole, around)
        scoped = link_graph.subgraph_around(link_graph.link_graph(analyst, around=around), around)
        assert dict(scoped.nodes(data=True)) == dict(expected.nodes(data=True))
        assert {frozenset(e): d for *e, d in scoped.edges(data=True)} == {
            frozenset(e): d for *e, d in expected.edges(data=True)
        }


def test_the_network_page_links_the_members_the_user_may_see_and_no_other(client, world):
    """Members of the other agency that are not shared, and an archived member, are listed as
    restricted; the others link to their records."""
    people, network = world["people"], world["network"]
    sign_in(client, world["analyst"])
    page = client.get(f"/networks/{network.public_id}/").content.decode()
    members = page.split('<h2 class="govuk-heading-m">Members</h2>')[1].split("</table>")[0]
    for shown in people[:3] + people[24:26]:
        assert f'href="/people/{shown.public_id}/">{shown}</a>' in members
    for hidden in people[30:32]:
        assert str(hidden.public_id) not in page
        assert str(hidden) not in page
    assert members.count("Restricted") == 2
    for row in link_graph.table_rows(link_graph.link_graph(world["analyst"]))[0]:
        if row["public_id"] and row["label"] in page:
            assert f'href="/people/{row["public_id"]}/"' in page
