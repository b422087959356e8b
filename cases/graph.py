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
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
)
from django.db.models.expressions import RawSQL

from agencies.access import EqualsAny, visible
from cases.models import (
    Association,
    Concern,
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
    """The whole graph the user may see, in the same few queries whatever its size.

    With `around` (person ids), only the part needed for `subgraph_around(graph, around)` at
    radius 1: the people given and those linked to them directly, with every link of theirs.
    Every node and edge within one step of `around` is the same as in the whole graph, at a
    cost that does not grow with everything else the user may see."""
    graph = nx.Graph()
    people = visible(
        user, Person.objects.filter(archived_at__isnull=True, merged_into__isnull=True)
    )
    if around is not None:
        # The people given and their partners, as one indexed look-up of the people.
        partners = (
            Association.objects.filter(among("from_person_id", around))
            .values("to_person_id")
            .union(
                Association.objects.filter(among("to_person_id", around)).values("from_person_id"),
                Person.objects.filter(among("pk", around)).values("pk"),
                all=True,
            )
        )
        people = people.filter(pk__in=partners)
    shown = {
        person.pk: person
        for person in people.only(*PERSON_FIELDS)
        .annotate(held_by=F("owner_agency__name"))
        .order_by()
    }
    visible_ids = set(shown)
    for pk in sorted(visible_ids):
        graph.add_node(person_key(pk), kind="person", restricted=False, pk=pk)

    def add_person(pk: int) -> str:
        key = person_key(pk)
        if key not in graph:
            graph.add_node(key, kind="person", restricted=pk not in visible_ids, pk=pk)
        return key

    # A link another agency recorded and has not shared shows that it exists (as the design's
    # restricted entries do), never what it is.
    touching = Association.objects.filter(
        among("from_person_id", visible_ids) | among("to_person_id", visible_ids)
    )
    links = touching.annotate(
        seen=ExpressionWrapper(
            Q(pk__in=visible(user, touching).values("pk")), output_field=BooleanField()
        )
    ).values_list("from_person_id", "to_person_id", "relationship", "seen")
    for a, b, relationship, seen in links:
        label = relationship.replace("_", " ") if seen else RESTRICTED_LINK
        graph.add_edge(add_person(a), add_person(b), label=label)

    # The phones, vehicles and addresses of the people shown, and everyone else recorded with
    # the same one (restricted if unseen), in one query.
    theirs = PersonContact.objects.filter(
        among("person_id", visible_ids),
        type__in=CONTACT_ENTITIES,
        type=OuterRef("type"),
        normalised=OuterRef("normalised"),
    )
    contacts = PersonContact.objects.filter(
        Exists(theirs), person__archived_at__isnull=True
    ).values_list("person_id", "type", "normalised", "value")
    sharing = []
    for pk, kind, normalised, value in contacts:
        entity = f"{kind}:{normalised}"
        if pk in visible_ids:
            graph.add_node(entity, kind=kind, restricted=False, label=value)
            graph.add_edge(person_key(pk), entity, label="")
        else:
            sharing.append((pk, entity))
    for pk, entity in sharing:
        graph.add_edge(add_person(pk), entity, label="")

    involved: dict[int, set[int]] = {}
    entities = []
    for concern_id, what, pk, text, value in _concern_links(user, visible_ids, around):
        if what == "person":
            involved.setdefault(concern_id, set()).add(pk)
        elif what == "location":
            label = f"{text.replace('_', ' ')} {value}".strip()
            entities.append((concern_id, f"location:{pk}", "location", label))
        else:
            entities.append((concern_id, f"{what}:{text}", what, value))
    # Vehicles and phones, then places, each in the order the concerns were recorded: a value
    # recorded with different spellings is labelled as the latest concern spelt it.
    entities.sort(key=lambda entity: (entity[2] == "location", entity[0]))
    for concern_id, entity, kind, label in entities:
        graph.add_node(entity, kind=kind, restricted=False, label=label)
        for pk in involved.get(concern_id, ()):
            graph.add_edge(add_person(pk), entity, label="")
    places = PersonLocation.objects.filter(among("person_id", visible_ids)).values_list(
        "person_id", "location_id", "location__type", "location__postcode_district", "role"
    )
    for pk, location_id, kind, district, role in places:
        entity = f"location:{location_id}"
        label = f"{kind.replace('_', ' ')} {district}".strip()
        graph.add_node(entity, kind="location", restricted=False, label=label)
        graph.add_edge(person_key(pk), entity, label=role.replace("_", " "))
    _describe_people(graph, shown)
    return graph


CONTACT_ENTITIES = ["phone", "vehicle", "address"]
PERSON_FIELDS = ["id", "kind", "first_name", "last_name", "known_as", "initials", "public_id"]

# What concerns link, in one query: rows of (concern id, what, id, text, text), where `what`
# is "person" (the case's child, or a person the concern names), "location" (the place's id,
# type and postcode district), or the kind of a vehicle or phone seen (its normalised form
# and value). Only a concern with a vehicle, phone or place seen links anything.
# `{concerns}` is the SQL of the concerns the user may see, (id, child id): the access rule it
# carries is compiled, planned and run once, not once for each table.
CONCERN_LINKS_SQL = """
WITH c (id, child_id) AS MATERIALIZED ({concerns}),
e AS MATERIALIZED (
    SELECT d.concern_id, d.type AS what, NULL::bigint AS ref, d.normalised AS text, d.value
    FROM c JOIN cases_concerndetail d ON d.concern_id = c.id
    UNION ALL
    SELECT l.concern_id, 'location', l.location_id, place.type, place.postcode_district
    FROM c JOIN cases_concernlocation l ON l.concern_id = c.id
    JOIN cases_location place ON place.id = l.location_id
)
SELECT c.id, 'person', c.child_id, '', '' FROM c WHERE c.id IN (SELECT concern_id FROM e)
UNION ALL
SELECT p.concern_id, 'person', p.person_id, '', '' FROM cases_concernperson p
WHERE p.concern_id IN (SELECT concern_id FROM e)
UNION ALL
SELECT * FROM e
"""
# The same for the concerns about or naming some people (`{candidates}`, ids found by two
# indexed look-ups): the vehicles, phones and places of those concerns first, by index, then
# the access rule for the concerns that have any (`{concerns}`, which reads the array
# SEEN_IN), instead of the rule for every concern about the people.
AROUND_LINKS_SQL = """
WITH candidate (id) AS MATERIALIZED ({candidates}),
e AS MATERIALIZED (
    SELECT concern_id, type AS what, NULL::bigint AS ref, normalised AS text, value
    FROM cases_concerndetail WHERE concern_id = ANY(ARRAY(SELECT id FROM candidate))
    UNION ALL
    SELECT l.concern_id, 'location', l.location_id, place.type, place.postcode_district
    FROM cases_concernlocation l JOIN cases_location place ON place.id = l.location_id
    WHERE l.concern_id = ANY(ARRAY(SELECT id FROM candidate))
),
c (id, child_id) AS MATERIALIZED ({concerns})
SELECT c.id, 'person', c.child_id, '', '' FROM c
UNION ALL
SELECT p.concern_id, 'person', p.person_id, '', '' FROM cases_concernperson p
WHERE p.concern_id = ANY(ARRAY(SELECT id FROM c))
UNION ALL
SELECT * FROM e WHERE concern_id = ANY(ARRAY(SELECT id FROM c))
"""
SEEN_IN = RawSQL("ARRAY(SELECT concern_id FROM e)", [], output_field=ArrayField(BigIntegerField()))


class IdArray(Expression):
    """A set of ids as one bigint[] parameter, passed to psycopg as it is (a Value would
    prepare each id through the array field)."""

    output_field = ArrayField(BigIntegerField())

    def __init__(self, ids) -> None:
        super().__init__()
        self.ids = sorted(ids)

    def as_sql(self, compiler, connection):
        return "%s::bigint[]", [self.ids]


def among(field: str, ids) -> EqualsAny:
    """`field = ANY(array)`: the ids as one parameter. An IN list is a parameter per id, each
    prepared by Django and found again in the SQL by psycopg, which cost more than reading
    the rows."""
    return EqualsAny(F(field), IdArray(ids))


def _concern_links(user, visible_ids: set[int], around: set[int] | None) -> list[tuple]:
    """The rows of CONCERN_LINKS_SQL for the concerns the user may see: every one, or with
    `around`, those about or naming the people shown (AROUND_LINKS_SQL)."""
    from cases.selectors import concerns_visible

    concerns = concerns_visible(user=user).order_by().values_list("id", "case__child_id")
    if around is None:
        sql, params = concerns.query.sql_with_params()
        query, arguments = CONCERN_LINKS_SQL.format(concerns=sql), params
    else:
        # Two indexed look-ups (one OR of both read every concern).
        about = Concern.objects.filter(among("case__child_id", visible_ids)).values("id")
        naming = ConcernPerson.objects.filter(among("person_id", visible_ids))
        candidates = about.order_by().union(naming.values("concern_id"), all=True)
        candidates_sql, candidates_params = candidates.query.sql_with_params()
        sql, params = concerns.filter(EqualsAny(F("pk"), SEEN_IN)).query.sql_with_params()
        query = AROUND_LINKS_SQL.format(candidates=candidates_sql, concerns=sql)
        arguments = (*candidates_params, *params)
    with connection.cursor() as cursor:
        cursor.execute(query, arguments)
        return cursor.fetchall()


def _describe_people(graph: nx.Graph, shown: dict[int, Person]) -> None:
    """Labels: the name of a person shown; only the agency holding one that is not."""
    hidden = [
        data["pk"]
        for _, data in graph.nodes(data=True)
        if data["kind"] == "person" and data["pk"] not in shown
    ]
    held = {}
    if hidden:
        rows = Person.objects.filter(among("pk", hidden))
        rows = rows.values_list("pk", "kind", "owner_agency__name")
        held = {pk: (kind, agency) for pk, kind, agency in rows}
    for _, data in graph.nodes(data=True):
        if data["kind"] != "person":
            continue
        person = shown.get(data["pk"])
        if person is None:
            data["role"], data["held_by"] = held[data["pk"]]
        else:
            data["role"], data["held_by"] = person.kind, person.held_by
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
    keep = {person_key(pk) for pk in person_pks} & graph.nodes
    edge = set(keep)
    for _ in range(radius):
        edge = {near for node in edge for near in graph[node]} - keep
        keep |= edge
    return graph.subgraph(keep)


def people_shown(graph: nx.Graph) -> set[int]:
    """The people of the graph the user may see (and so open), by id. In a graph built around
    people (`link_graph(around=...)`), everyone given who is not archived and whom the user
    may see is one of them."""
    return {
        data["pk"]
        for _, data in graph.nodes(data=True)
        if data["kind"] == "person" and not data["restricted"]
    }


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
