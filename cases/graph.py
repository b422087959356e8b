"""The link graph: people joined by associations and by shared vehicles, phones, addresses and
places, as far as the viewer may see.

Nodes the viewer may see carry their details. A person held by an agency that has not shared
them appears only as "restricted" (held by ...), and is never expanded: nothing recorded about
them is used to find further links. Built with networkx; suggested networks are the connected
components that hold two or more suspects.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
from django.db.models import Q

from agencies.access import visible
from agencies.models import Agency
from cases.models import (
    Association,
    Concern,
    ConcernDetail,
    ConcernLocation,
    ConcernPerson,
    Person,
    PersonContact,
    PersonLocation,
)

ENTITY_LABELS = {"vehicle": "Vehicle", "phone": "Phone", "address": "Address", "location": "Place"}


RESTRICTED_LINK = "restricted link"


def person_key(pk: int) -> str:
    return f"person:{pk}"


def link_graph(user, around: set[int] | None = None) -> nx.Graph:
    """The whole graph the user may see (one query per kind of link).

    With `around` (person ids), only the part needed for `subgraph_around(graph, around)` at
    radius 1: the people given and those linked to them directly, with every link of theirs.
    Every node and edge within one step of `around` is the same as in the whole graph, at a
    cost that does not grow with everything else the user may see."""
    graph = nx.Graph()
    people = visible(
        user, Person.objects.filter(archived_at__isnull=True, merged_into__isnull=True)
    )
    if around is not None:
        partners = Association.objects.filter(
            Q(from_person_id__in=around) | Q(to_person_id__in=around)
        ).values_list("from_person_id", "to_person_id")
        people = people.filter(pk__in=set(around).union(*partners))
    visible_ids = set(people.values_list("id", flat=True))
    for pk in visible_ids:
        graph.add_node(person_key(pk), kind="person", restricted=False, pk=pk)

    def add_person(pk: int) -> str:
        key = person_key(pk)
        if key not in graph:
            graph.add_node(key, kind="person", restricted=pk not in visible_ids, pk=pk)
        return key

    # A link another agency recorded and has not shared shows that it exists (as the design's
    # restricted entries do), never what it is.
    touching = Association.objects.filter(
        Q(from_person_id__in=visible_ids) | Q(to_person_id__in=visible_ids)
    )
    seen_links = set(visible(user, touching).values_list("id", flat=True))
    for pk, a, b, relationship in touching.values_list(
        "id", "from_person_id", "to_person_id", "relationship"
    ):
        label = relationship.replace("_", " ") if pk in seen_links else RESTRICTED_LINK
        graph.add_edge(add_person(a), add_person(b), label=label)

    contacts = PersonContact.objects.filter(
        person_id__in=visible_ids, type__in=["phone", "vehicle", "address"]
    ).values_list("person_id", "type", "normalised", "value")
    for pk, kind, normalised, value in contacts:
        entity = f"{kind}:{normalised}"
        graph.add_node(entity, kind=kind, restricted=False, label=value)
        graph.add_edge(person_key(pk), entity, label="")
    # Others recorded with the same phone, vehicle or address appear, restricted if unseen.
    seen_entities = {(kind, normalised) for _, kind, normalised, _ in contacts}
    if seen_entities:
        condition = Q(pk__in=[])
        for kind, normalised in seen_entities:
            condition |= Q(type=kind, normalised=normalised)
        sharing = (
            PersonContact.objects.filter(condition)
            .exclude(person_id__in=visible_ids)
            .filter(person__archived_at__isnull=True)
            .values_list("person_id", "type", "normalised")
        )
        for pk, kind, normalised in sharing:
            graph.add_edge(add_person(pk), f"{kind}:{normalised}", label="")

    from cases.selectors import concerns_visible

    concerns = concerns_visible(user=user)
    if around is not None:
        # Two indexed lookups joined in SQL (one OR of both made PostgreSQL read every
        # concern), so that the thousands of concern ids never travel as parameters.
        about = concerns.filter(case__child_id__in=visible_ids).values("id")
        naming = concerns.filter(
            pk__in=ConcernPerson.objects.filter(person_id__in=visible_ids).values("concern")
        ).values("id")
        concerns = Concern.objects.filter(
            pk__in=about.order_by().union(naming.order_by(), all=True)
        )
    involved: dict[int, set[int]] = {}
    for concern_id, child_id in concerns.values_list("id", "case__child_id"):
        involved.setdefault(concern_id, set()).add(child_id)
    for concern_id, pk in ConcernPerson.objects.filter(concern__in=concerns).values_list(
        "concern_id", "person_id"
    ):
        involved.setdefault(concern_id, set()).add(pk)
    entities = [
        (c, f"{kind}:{normalised}", kind, value)
        for c, kind, normalised, value in ConcernDetail.objects.filter(
            concern__in=concerns
        ).values_list("concern_id", "type", "normalised", "value")
    ] + [
        (c, f"location:{location_id}", "location", f"{kind.replace('_', ' ')} {district}".strip())
        for c, location_id, kind, district in ConcernLocation.objects.filter(
            concern__in=concerns
        ).values_list("concern_id", "location_id", "location__type", "location__postcode_district")
    ]
    for concern_id, entity, kind, label in entities:
        graph.add_node(entity, kind=kind, restricted=False, label=label)
        for pk in involved.get(concern_id, ()):
            graph.add_edge(add_person(pk), entity, label="")
    places = PersonLocation.objects.filter(person_id__in=visible_ids).values_list(
        "person_id", "location_id", "location__type", "location__postcode_district", "role"
    )
    for pk, location_id, kind, district, role in places:
        entity = f"location:{location_id}"
        label = f"{kind.replace('_', ' ')} {district}".strip()
        graph.add_node(entity, kind="location", restricted=False, label=label)
        graph.add_edge(person_key(pk), entity, label=role.replace("_", " "))
    _describe_people(graph)
    return graph


def _describe_people(graph: nx.Graph) -> None:
    pks = [data["pk"] for _, data in graph.nodes(data=True) if data["kind"] == "person"]
    rows = Person.objects.filter(pk__in=pks).only(
        "id", "kind", "first_name", "last_name", "known_as", "initials", "public_id",
        "owner_agency_id",
    )  # fmt: skip
    people = {p.pk: p for p in rows}
    agencies = Agency.objects.in_bulk({p.owner_agency_id for p in people.values()})
    for _, data in graph.nodes(data=True):
        if data["kind"] != "person":
            continue
        person = people[data["pk"]]
        data["role"] = person.kind
        data["held_by"] = agencies[person.owner_agency_id].name
        if data["restricted"]:
            data["label"] = f"Restricted: held by {data['held_by']}"
        else:
            data["label"] = str(person)
            data["public_id"] = str(person.public_id)


@dataclass(frozen=True)
class Suggestion:
    people: list[Person]
    suspects: int
    children: int
    central: Person | None
    links: int


def suggested_networks(graph: nx.Graph) -> list[Suggestion]:
    """Connected groups of people the viewer may see, joined directly or through shared
    vehicles, phones, addresses and places, that hold two or more suspects."""
    open_graph = graph.subgraph(n for n, d in graph.nodes(data=True) if not d["restricted"])
    suggestions = []
    for component in nx.connected_components(open_graph):
        sub = open_graph.subgraph(component)
        persons = [n for n in component if sub.nodes[n]["kind"] == "person"]
        suspects = [n for n in persons if sub.nodes[n].get("role") == "suspect"]
        if len(suspects) < 2:
            continue
        centrality = nx.degree_centrality(sub) if len(sub) > 1 else {}
        central = max(persons, key=lambda n: (centrality.get(n, 0), n))
        suggestions.append((persons, len(suspects), central, sub.number_of_edges()))
    pks = {int(n.split(":")[1]) for persons, *_ in suggestions for n in persons}
    people = Person.objects.in_bulk(pks)
    result = [
        Suggestion(
            people=sorted((people[int(n.split(":")[1])] for n in persons), key=str),
            suspects=suspects,
            children=len(persons) - suspects,
            central=people[int(central.split(":")[1])],
            links=links,
        )
        for persons, suspects, central, links in suggestions
    ]
    return sorted(result, key=lambda s: (-s.suspects, -len(s.people)))


def subgraph_around(graph: nx.Graph, person_pks: set[int], radius: int = 1) -> nx.Graph:
    """The given people, and what lies within `radius` steps of them."""
    keep: set[str] = set()
    for pk in person_pks:
        key = person_key(pk)
        if key in graph:
            keep |= set(nx.ego_graph(graph, key, radius=radius))
    return graph.subgraph(keep)


def cytoscape_elements(graph: nx.Graph, roles: dict[int, str] | None = None) -> dict:
    """The graph as cytoscape.js elements (rendered with json_script into a data block)."""
    roles = roles or {}
    nodes = []
    for key, data in graph.nodes(data=True):
        kind = data["kind"]
        nodes.append(
            {
                "data": {
                    "id": key,
                    "label": data.get("label", ""),
                    "kind": "restricted" if data.get("restricted") else kind,
                    "role": roles.get(data.get("pk"), data.get("role", kind)),
                }
            }
        )
    edges = [
        {"data": {"id": f"e{i}", "source": a, "target": b, "label": data.get("label", "")}}
        for i, (a, b, data) in enumerate(graph.edges(data=True))
    ]
    return {"nodes": nodes, "edges": edges}


def table_rows(graph: nx.Graph, roles: dict[int, str] | None = None) -> tuple[list, list]:
    """The same graph as two tables: nodes, and links between them."""
    roles = roles or {}
    nodes = sorted(
        (
            {
                "label": data.get("label", ""),
                "kind": "Restricted person"
                if data.get("restricted")
                else ENTITY_LABELS.get(data["kind"], (data.get("role") or "").capitalize()),
                "role": roles.get(data.get("pk"), ""),
                "held_by": data.get("held_by", ""),
                "public_id": data.get("public_id", ""),
                "links": graph.degree(key),
            }
            for key, data in graph.nodes(data=True)
        ),
        key=lambda row: (-row["links"], row["label"]),
    )
    edges = sorted(
        (graph.nodes[a].get("label", ""), graph.nodes[b].get("label", ""), data.get("label", ""))
        for a, b, data in graph.edges(data=True)
    )
    return nodes, edges
