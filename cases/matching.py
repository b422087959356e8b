"""Finding the same person across records: indexed blocking keys, then scoring in Python.

The embedded PostgreSQL has no pg_trgm or fuzzystrmatch, so candidates come from
PersonMatchKey (phonetic codes of every name token, the date of birth, identifiers, phones and
vehicles), at most MAX_CANDIDATES of them ranked by shared keys in SQL, and are then scored with
rapidfuzz. Transposed names score as well as ordered ones because tokens are compared as sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.db.models import Count, QuerySet
from rapidfuzz import fuzz

from cases import normalise
from cases.models import Person, PersonContact, PersonMatchKey, age_on

MAX_CANDIDATES = 200
LIKELY_MATCH = 80


@dataclass
class MatchQuery:
    names: list[str] = field(default_factory=list)
    date_of_birth: date | None = None
    age: int | None = None
    identifiers: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    vehicles: list[str] = field(default_factory=list)

    def blocking_keys(self) -> set[str]:
        keys = {f"n:{normalise.phonetic(t)}" for t in normalise.name_tokens(*self.names)}
        if self.date_of_birth:
            keys.add(f"d:{self.date_of_birth.isoformat()}")
        keys |= {f"i:{normalise.identifier(v)}" for v in self.identifiers if v}
        keys |= {f"p:{normalise.phone(v)}" for v in self.phones if normalise.phone(v)}
        keys |= {f"v:{normalise.vehicle(v)}" for v in self.vehicles if normalise.vehicle(v)}
        return keys

    # What scoring compares every candidate with, worked out once for the query.
    @cached_property
    def strong_keys(self) -> frozenset[str]:
        """The identifier, phone and vehicle keys: one shared makes a likely match."""
        return frozenset(k for k in self.blocking_keys() if k[:2] in ("i:", "p:", "v:"))

    @cached_property
    def name(self) -> tuple[str, list[str]]:
        """The query's name tokens joined, and their phonetic codes in order."""
        tokens = normalise.name_tokens(*self.names)
        return " ".join(tokens), sorted(map(normalise.phonetic, tokens))

    def prefetch(self) -> list[str]:
        """What scoring reads of each candidate: the aliases, and the identifiers and contacts
        only where the query has a strong key to compare them with."""
        return ["aliases", "identifiers", "contacts"] if self.strong_keys else ["aliases"]


def person_name_variants(person: Person) -> list[str]:
    variants = [f"{person.first_name} {person.last_name}", person.known_as]
    variants += [alias.name for alias in person.aliases.all()]
    return [v.strip() for v in variants if v and v.strip()]


def person_keys(person: Person) -> set[str]:
    tokens = normalise.name_tokens(
        person.first_name,
        person.last_name,
        person.known_as,
        *(alias.name for alias in person.aliases.all()),
    )
    keys = {f"n:{normalise.phonetic(t)}" for t in tokens}
    if person.date_of_birth:
        keys.add(f"d:{person.date_of_birth.isoformat()}")
    keys |= {f"i:{normalise.identifier(i.value)}" for i in person.identifiers.all()}
    for contact in person.contacts.all():
        if contact.type == PersonContact.Type.PHONE:
            keys.add(f"p:{contact.normalised}")
        elif contact.type == PersonContact.Type.VEHICLE:
            keys.add(f"v:{contact.normalised}")
    return keys


def people_keys_rewrite(people: Sequence[Person]) -> None:
    PersonMatchKey.objects.filter(person__in=people).delete()
    PersonMatchKey.objects.bulk_create(
        PersonMatchKey(person=person, key=key[:80])
        for person in people
        for key in sorted(person_keys(person))
    )


def candidates(query: MatchQuery, people: QuerySet[Person]) -> QuerySet[Person]:
    """Up to MAX_CANDIDATES people sharing the most keys with the query (one query)."""
    keys = query.blocking_keys()
    if not keys:
        return people.none()
    ranked = (
        PersonMatchKey.objects.filter(key__in=keys, person__in=people)
        .values("person")
        .annotate(shared=Count("*"))  # from the (key, person) index alone
        .order_by("-shared")
        .values("person")[:MAX_CANDIDATES]
    )
    return people.filter(id__in=ranked).prefetch_related(*query.prefetch())


def phonetic_overlap(first: list[str], second: list[str]) -> float:
    """Dice coefficient of two lists of phonetic codes, 0 to 100 (order does not matter)."""
    if not first or not second:
        return 0.0
    remaining = list(second)
    common = 0
    for code in first:
        if code in remaining:
            remaining.remove(code)
            common += 1
    return 200.0 * common / (len(first) + len(second))


def score(query: MatchQuery, person: Person) -> int:
    """0 to 100: how likely the person is the one the query describes."""
    query_name, query_codes = query.name
    name_score = 0.0
    if query_name:
        for variant in person_name_variants(person):
            tokens = normalise.name_tokens(variant)
            name_score = max(
                name_score,
                fuzz.token_sort_ratio(query_name, " ".join(tokens)),
                phonetic_overlap(query_codes, sorted(map(normalise.phonetic, tokens))) - 5,
            )
    # A person's keys are worked out only when the query has a strong key to compare.
    strong = bool(query.strong_keys) and bool(person_keys(person) & query.strong_keys)
    if strong:
        name_score = max(name_score, 90)
    result = name_score if query_name or strong else 50.0
    if query.date_of_birth and person.date_of_birth:
        if query.date_of_birth == person.date_of_birth:
            result += 15
        elif (query.date_of_birth.year == person.date_of_birth.year) or (
            query.date_of_birth.day == person.date_of_birth.month
            and query.date_of_birth.month == person.date_of_birth.day
        ):
            result -= 5  # a likely typing slip
        else:
            result -= 35
    elif query.age is not None:
        person_age = person.age_at(date.today())
        if person_age is not None and abs(person_age - query.age) > 2:
            result -= 30
    elif query.date_of_birth and person.date_of_birth is None:
        person_age = person.age_at(date.today())
        if (
            person_age is not None
            and abs(person_age - age_on(query.date_of_birth, date.today())) > 2
        ):
            result -= 30
    return max(0, min(100, round(result)))


def ranked_matches(
    query: MatchQuery, people: QuerySet[Person], *, minimum: int = 0
) -> list[tuple[Person, int]]:
    scored = [(person, score(query, person)) for person in candidates(query, people)]
    return sorted(
        ((p, s) for p, s in scored if s >= minimum), key=lambda item: (-item[1], str(item[0]))
    )
