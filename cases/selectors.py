"""Reads of people, cases and what belongs to them, always through the access rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.db.models import Case as SqlCase
from django.db.models import Count, DateTimeField, F, Min, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3

from agencies.access import reachable_through, record_agencies, visible, with_shared_agency_ids
from agencies.models import Agency, User
from cases import matching, normalise
from cases.graph import Suggestion
from cases.models import (
    Association,
    Case,
    CaseNote,
    Concern,
    HandlingCode,
    MissingEpisode,
    Network,
    NetworkMember,
    Person,
    PersonContact,
    PersonIdentifier,
    SuggestionRun,
    age_on,
)
from indicators.models import RiskAssessment
from meetings.models import AgendaItem
from referrals.models import Referral


def case_page_records() -> QuerySet[Case]:
    """Cases as their page reads them (through the access rule, which the caller applies):
    with the child, holder and lead professional, the agencies each is shared with, and
    whether anything restricts it, it was on an agenda, or it has victim support, so that an
    empty panel reads nothing more."""
    from interventions.selectors import HAS_VICTIM_SUPPORT, victim_support_exists
    from meetings.selectors import ON_AGENDAS, on_agendas_exist
    from restrictions.selectors import HAS_RESTRICTIONS, restrictions_exist

    cases = Case.objects.select_related("child", "owner_agency", "lead_professional")
    return with_shared_agency_ids(cases).annotate(
        **{
            HAS_RESTRICTIONS: restrictions_exist(Case),
            ON_AGENDAS: on_agendas_exist(Case),
            HAS_VICTIM_SUPPORT: victim_support_exists(),
        }
    )


def person_page_records() -> QuerySet[Person]:
    """People as their page reads them (through the access rule, which the caller applies):
    with their holder, the agencies each is shared with, and whether anything restricts them
    or they were on an agenda, so that an empty panel reads nothing more."""
    from meetings.selectors import ON_AGENDAS, on_agendas_exist
    from restrictions.selectors import HAS_RESTRICTIONS, restrictions_exist

    people = Person.objects.select_related("owner_agency")
    return with_shared_agency_ids(people).annotate(
        **{HAS_RESTRICTIONS: restrictions_exist(Person), ON_AGENDAS: on_agendas_exist(Person)}
    )


def case_list_visible(*, user: User) -> QuerySet[Case]:
    return visible(user, Case.objects.filter(archived_at__isnull=True)).select_related(
        "child", "owner_agency", "lead_professional"
    )


def case_list_with_withheld(*, user: User) -> QuerySet[Case]:
    """The case list: the cases the user may open, and those restricted away from them marked
    `withheld`, which the list shows only as existing."""
    return visible(
        user, Case.objects.filter(archived_at__isnull=True), with_withheld=True
    ).select_related("child", "owner_agency", "lead_professional")


def people_visible(*, user: User) -> QuerySet[Person]:
    return visible(user, Person.objects.filter(archived_at__isnull=True))


def handling_permits(*, user: User, originator: str) -> Q:
    """Concerns or notes whose handling code lets the user see them, where they see the case:
    no code; police only, to users of a police agency the case reaches; originating agency
    only, to users of the agency that recorded it (`originator`, the field naming it)."""
    memberships = record_agencies(user)
    police = [m for m in memberships if m.agency_type == Agency.Type.POLICE]
    condition = Q(handling_code=HandlingCode.NONE) | Q(
        handling_code=HandlingCode.ORIGINATOR_ONLY,
        **{f"{originator}_id__in": [m.agency_id for m in memberships]},
    )
    if police:
        condition |= Q(
            handling_code=HandlingCode.POLICE_ONLY,
            case__in=reachable_through(police, Case.objects.all()),
        )
    return condition


def concerns_visible(*, user: User) -> QuerySet[Concern]:
    """Concerns follow their case, within their handling code."""
    return Concern.objects.filter(
        handling_permits(user=user, originator="reporter_agency"),
        case__in=visible(user, Case.objects.all()),
    )


def concerns_of_case(*, user: User, case: Case) -> QuerySet[Concern]:
    """The concerns of a case the user sees (the caller has checked the case)."""
    return case.concerns.filter(handling_permits(user=user, originator="reporter_agency"))


def notes_of_cases(*, user: User, cases) -> QuerySet[CaseNote]:
    return CaseNote.objects.filter(
        handling_permits(user=user, originator="agency"),
        case__in=cases,
        archived_at__isnull=True,
    )


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _estimated_age_near(age: int) -> Q:
    """People with no date of birth whose estimated age is within a year of `age` (an
    estimate is rarely exact, and it ages from the day it was made)."""
    return Q(date_of_birth__isnull=True, estimated_age__range=(max(0, age - 1), age + 1))


@dataclass(frozen=True)
class SearchResult:
    person: Person
    score: int


def person_search(*, user: User, criteria: dict) -> list[SearchResult]:
    """Visible people matching the criteria, best first. Names are matched by phonetic keys
    (spelling variants, transposed names) and by word prefixes (full-text search). People
    restricted away from the user come last, marked `withheld`: the page shows only that a
    restricted record matched, and who holds it."""
    # The search vector is only matched in SQL: its text is never read back.
    people = visible(
        user, Person.objects.filter(archived_at__isnull=True), with_withheld=True
    ).defer("search_vector")
    query = matching.MatchQuery(
        names=[criteria["name"]] if criteria.get("name") else [],
        date_of_birth=criteria.get("date_of_birth"),
        age=criteria.get("age"),
        identifiers=[criteria["reference"]] if criteria.get("reference") else [],
        phones=[criteria["phone"]] if criteria.get("phone") else [],
        vehicles=[criteria["vehicle"]] if criteria.get("vehicle") else [],
    )
    filters = Q()
    today = timezone.localdate()
    if criteria.get("date_of_birth"):
        born = criteria["date_of_birth"]
        filters &= Q(date_of_birth=born) | _estimated_age_near(age_on(born, today))
    if criteria.get("age") is not None:
        age = criteria["age"]
        filters &= Q(
            date_of_birth__gt=years_before(today, age + 1),
            date_of_birth__lte=years_before(today, age),
        ) | _estimated_age_near(age)
    if criteria.get("postcode_district"):
        filters &= Q(contacts__postcode_district=criteria["postcode_district"])
    if criteria.get("reference"):
        filters &= Q(identifiers__value=normalise.identifier(criteria["reference"]))
    if criteria.get("phone"):
        filters &= Q(
            contacts__type="phone", contacts__normalised=normalise.phone(criteria["phone"])
        )
    if criteria.get("vehicle"):
        filters &= Q(
            contacts__type="vehicle", contacts__normalised=normalise.vehicle(criteria["vehicle"])
        )
    people = people.filter(filters).distinct() if filters else people
    found: dict[int, tuple[Person, int]] = {}
    if query.names or query.identifiers or query.phones or query.vehicles:
        for person, score in matching.ranked_matches(query, people, minimum=55):
            found[person.pk] = (person, score)
    if criteria.get("name"):
        tokens = normalise.name_tokens(criteria["name"])
        if tokens:
            prefix = SearchQuery(
                " & ".join(f"{t}:*" for t in tokens), search_type="raw", config="simple"
            )
            # People the keys already found keep their score; only the others are read.
            prefixed = people.filter(search_vector=prefix).exclude(pk__in=list(found))
            for person in prefixed.prefetch_related(*query.prefetch())[: matching.MAX_CANDIDATES]:
                found[person.pk] = (person, max(60, matching.score(query, person)))
    elif not found:
        for person in people.prefetch_related("aliases")[: matching.MAX_CANDIDATES]:
            found[person.pk] = (person, matching.score(query, person))
    results = sorted(found.values(), key=lambda item: (item[0].withheld, -item[1], str(item[0])))[
        :50
    ]
    owners = {p.owner_agency_id for p, _ in results}
    agencies = Agency.objects.in_bulk(owners)
    for person, _ in results:
        person.owner_agency = agencies[person.owner_agency_id]
    return [SearchResult(person=p, score=s) for p, s in results]


@dataclass(frozen=True)
class LinkedPerson:
    """A person linked to a child: shown in full if visible, else only as restricted."""

    person: Person | None
    relationship: str
    held_by: str
    restricted: bool
    # For the server only (an access request names the person by position, never by id).
    person_pk: int = 0


def links_of(*, person: Person) -> list[Association]:
    """Every link of `person`, with both people and their holders (one query), for
    linked_people and suspects_linked to share."""
    return list(
        Association.objects.filter(Q(from_person=person) | Q(to_person=person))
        .select_related(
            "from_person", "to_person", "from_person__owner_agency", "to_person__owner_agency"
        )
        .defer("from_person__search_vector", "to_person__search_vector")
    )


def linked_people(
    *, user: User, child: Person, links: list[Association] | None = None
) -> list[LinkedPerson]:
    """The people linked to `child`, each shown or marked restricted (`links`: links_of the
    child, where the caller has read them already)."""
    if links is None:
        links = links_of(person=child)
    others = [
        (link, link.to_person if link.from_person_id == child.pk else link.from_person)
        for link in links
    ]
    visible_ids = set(
        people_visible(user=user)
        .filter(id__in=[p.pk for _, p in others])
        .values_list("id", flat=True)
    )
    seen: set[int] = set()
    result = []
    for link, person in others:
        if person.pk in seen or person.merged_into_id:
            continue
        seen.add(person.pk)
        restricted = person.pk not in visible_ids
        result.append(
            LinkedPerson(
                person=None if restricted else person,
                relationship=link.get_relationship_display(),
                held_by=person.owner_agency.name,
                restricted=restricted,
                person_pk=person.pk,
            )
        )
    return result


def suspects_linked(*, child: Person, links: list[Association] | None = None) -> int:
    """How many distinct suspects are linked to the child, whoever holds them (a count only:
    the case's group-based flag). `links`: links_of the child, where the caller has read them
    already."""
    if links is not None:
        return len(
            {
                other.pk
                for link in links
                for other in (
                    link.to_person if link.from_person_id == child.pk else link.from_person,
                )
                if other.kind == Person.Kind.SUSPECT
            }
        )
    from_child = Association.objects.filter(from_person=child, to_person__kind="suspect")
    to_child = Association.objects.filter(to_person=child, from_person__kind="suspect")
    ids = set(from_child.values_list("to_person_id", flat=True))
    ids |= set(to_child.values_list("from_person_id", flat=True))
    return len(ids)


@dataclass(frozen=True)
class ChronologyEvent:
    at: datetime
    kind: str
    title: str
    summary: str
    url: str = ""

    # The time of the event as the timeline shows it, made here once for each event: what the
    # date filter would give ("c", "j F Y H:i" and "j M Y H:i" in local time), at a fraction
    # of its cost on a timeline of hundreds of events.
    @cached_property
    def local(self) -> datetime:
        return timezone.localtime(self.at) if timezone.is_aware(self.at) else self.at

    @property
    def at_iso(self) -> str:
        return self.local.isoformat()

    @property
    def at_long(self) -> str:
        local = self.local
        return f"{local.day} {MONTHS[local.month]} {local.year:04d} {local:%H:%M}"

    @property
    def at_short(self) -> str:
        local = self.local
        return f"{local.day} {str(MONTHS_3[local.month]).title()} {local.year:04d} {local:%H:%M}"


CHRONOLOGY_KINDS = {
    "concern": "Concerns",
    "assessment": "Risk assessments",
    "referral": "Referrals",
    "missing": "Missing episodes",
    "note": "Notes",
    "meeting": "Multi-agency meetings",
    "status": "Case status",
}


def _labels(model, field: str) -> dict:
    """A choice field's labels by value, as get_FOO_display() gives them."""
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


def _at(day: date, moment: time | None = None) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment or time(0, 0)))


def child_chronology(
    *, user: User, child: Person, kinds: set[str] | None = None
) -> list[ChronologyEvent]:
    """One timeline of the child, newest first, across every case about them that the user
    may see (a child known to police and to social care has two). One query per kind of
    event, however many events."""
    kinds = kinds or set(CHRONOLOGY_KINDS)
    cases = {
        case.pk: case
        for case in case_list_visible(user=user)
        .filter(child=child)
        .select_related(None)
        .select_related("owner_agency")
    }
    several = len(cases) > 1

    def held(case_id: int) -> str:
        return f"Case held by {cases[case_id].owner_agency.name}. " if several else ""

    events: list[ChronologyEvent] = []
    if "concern" in kinds:
        concerns = Concern.objects.filter(
            handling_permits(user=user, originator="reporter_agency"), case__in=cases
        )
        # The columns the timeline shows, not whole concerns: a child's case gathers hundreds.
        status_label, code_label = _labels(Concern, "status"), _labels(Concern, "handling_code")
        for (
            public_id, case_id, status, handling_code, occurred_on, occurred_at_time,
            indicator_codes, provisional_category, reporter_agency,
        ) in concerns.values_list(
            "public_id", "case_id", "status", "handling_code", "occurred_on", "occurred_at_time",
            "indicator_codes", "provisional_category", "reporter_agency__name",
        ):  # fmt: skip
            category = (
                f"; provisional category {provisional_category}" if provisional_category else ""
            )
            events.append(
                ChronologyEvent(
                    at=_at(occurred_on, occurred_at_time),
                    kind="concern",
                    title=f"Concern ({status_label.get(status, status).lower()})"
                    + (
                        f" – {code_label.get(handling_code, handling_code)}"
                        if handling_code
                        else ""
                    ),
                    summary=f"{held(case_id)}{len(indicator_codes)} warning "
                    f"signs ticked{category}. Recorded by {reporter_agency}.",
                    url=f"/concerns/{public_id}/",
                )
            )
    if "assessment" in kinds:
        for assessment in RiskAssessment.objects.filter(case__in=cases).exclude(status="draft"):
            events.append(
                ChronologyEvent(
                    at=_at(assessment.assessed_on),
                    kind="assessment",
                    title=f"Risk assessment ({assessment.get_status_display().lower()})",
                    summary=f"{held(assessment.case_id)}Score {assessment.score}; "
                    f"final category {assessment.final_category}",
                    url=f"/assessments/{assessment.public_id}/",
                )
            )
    if "referral" in kinds:
        referrals = (
            Referral.objects.filter(case__in=cases)
            .exclude(status="draft")
            .select_related("from_agency", "to_agency")
        )
        for referral in referrals:
            events.append(
                ChronologyEvent(
                    at=referral.sent_at or referral.created_at,
                    kind="referral",
                    title=f"Referral to {referral.to_agency.name}",
                    summary=f"{held(referral.case_id)}{referral.get_urgency_display()}; "
                    f"{referral.get_status_display().lower()}",
                    url=f"/referrals/{referral.public_id}/",
                )
            )
    if "missing" in kinds:
        for episode in MissingEpisode.objects.filter(case__in=cases, archived_at__isnull=True):
            returned = (
                f"returned {timezone.localtime(episode.ended_at):%d %b %Y %H:%M}"
                if episode.ended_at
                else "not yet returned"
            )
            events.append(
                ChronologyEvent(
                    at=episode.started_at,
                    kind="missing",
                    title=episode.get_type_display(),
                    summary=f"{held(episode.case_id)}{returned}; return home interview: "
                    f"{episode.get_return_interview_display().lower()}",
                )
            )
    if "note" in kinds:
        notes = notes_of_cases(user=user, cases=cases)
        for note in notes.select_related("created_by"):
            author = note.created_by.full_name if note.created_by else "System"
            events.append(
                ChronologyEvent(
                    at=note.created_at,
                    kind="note",
                    title=f"Note by {author}"
                    + (f" – {note.get_handling_code_display()}" if note.handling_code else ""),
                    summary=f"{held(note.case_id)}{note.text}",
                )
            )
    if "meeting" in kinds:
        from meetings.selectors import meetings_visible

        items = (
            AgendaItem.objects.filter(
                kind="case",
                case__in=cases,
                archived_at__isnull=True,
                meeting__in=meetings_visible(user=user),
            )
            .exclude(meeting__status="cancelled")
            .select_related("meeting")
        )
        for item in items:
            risk = (
                f"; risk category agreed {item.get_risk_category_display()}"
                if item.risk_category
                else ""
            )
            events.append(
                ChronologyEvent(
                    at=_at(item.meeting.held_on, item.meeting.starts_at),
                    kind="meeting",
                    title=f"Discussed at {item.meeting.title}",
                    summary=f"{held(item.case_id)}{item.decisions or 'No decisions recorded'}"
                    f"{risk}",
                    url=f"/meetings/items/{item.public_id}/",
                )
            )
    if "status" in kinds:
        previous: dict[int, object] = {}
        for version in Case.history.filter(id__in=cases).order_by("history_id"):
            before = previous.get(version.id)
            if before is None:
                title, summary = "Case opened", held(version.id).strip()
            elif version.status != before.status:
                title = f"Case {version.get_status_display().lower()}"
                summary = f"{held(version.id)}{version.history_change_reason or ''}".strip()
            else:
                title = ""
            if title:
                events.append(
                    ChronologyEvent(
                        at=version.history_date, kind="status", title=title, summary=summary
                    )
                )
            previous[version.id] = version
    return sorted(events, key=lambda event: event.at, reverse=True)


def assessments_of_case(*, case: Case) -> list[RiskAssessment]:
    """Every risk assessment of the case, newest first, with the set each was scored with (one
    query for the case page's list, trend and risk band)."""
    return list(case.assessments.select_related("indicator_set"))


def person_details(person: Person) -> dict[str, list]:
    return {
        "aliases": list(person.aliases.all()),
        "identifiers": list(PersonIdentifier.objects.filter(person=person)),
        "contacts": list(PersonContact.objects.filter(person=person)),
    }


def first_contact_of(child: Person) -> date:
    """The day the child first came to an agency's attention: the earliest first contact date
    of their cases, or the day the earliest case was recorded, or today for a child with none."""
    earliest = child.cases.aggregate(
        first=Min(Coalesce("first_contact_date", TruncDate("created_at")))
    )["first"]
    return earliest or timezone.localdate()


def suggestions_of_run(*, run: SuggestionRun, user: User) -> list[Suggestion]:
    """A run's groups as the user may see them now: a person whose record is no longer
    shared is left out, and a group left with fewer than two suspects is not offered."""
    pks = {pk for group in run.groups for pk in group["people"]}
    people = people_visible(user=user).filter(pk__in=pks, merged_into__isnull=True)
    people = {person.pk: person for person in people}
    result = []
    for group in run.groups:
        members = sorted((people[pk] for pk in group["people"] if pk in people), key=str)
        suspects = sum(person.kind == Person.Kind.SUSPECT for person in members)
        if suspects < 2:
            continue
        result.append(
            Suggestion(
                people=members,
                suspects=suspects,
                children=len(members) - suspects,
                central=people.get(group["central"]),
                links=group["links"],
            )
        )
    return result


def networks_visible(*, user: User) -> QuerySet[Network]:
    """The networks the user may see, each with the name of the agency holding it (`held_by`)
    and its number of members (`size`), counted from the members' index for each network: a
    join of every member would read the members of every network in the country."""
    members = (
        NetworkMember.objects.filter(network=OuterRef("pk"))
        .order_by()
        .values("network")
        .annotate(n=Count("*"))
        .values("n")
    )
    networks = Network.objects.only("public_id", "name", "status", "owner_agency_id")
    return visible(user, networks).annotate(
        held_by=F("owner_agency__name"), size=Coalesce(Subquery(members), 0)
    )


# Retention review ----------------------------------------------------------------------------


def retention_kind(record: Case | Person) -> str:
    """The key of settings.RETENTION_REVIEW_YEARS for the record."""
    return "case" if isinstance(record, Case) else record.kind


def retention_review_due_on(record: Case | Person) -> date:
    """When the record's next retention review falls due: the date its last review set, or
    RETENTION_REVIEW_YEARS for its type after it was made."""
    if record.review_on:
        return record.review_on
    kind = retention_kind(record)
    made = timezone.localtime(record.created_at).date()
    return years_before(made, -settings.RETENTION_REVIEW_YEARS[kind])


def _review_due(kind_filters: dict[str, Q], today: date) -> Q:
    due = Q(review_on__lte=today)
    for kind_filter, years in kind_filters.items():
        due |= Q(
            kind_filter,
            review_on__isnull=True,
            created_at__lt=timezone.make_aware(
                datetime.combine(years_before(today, years) + timedelta(days=1), time.min)
            ),
        )
    return due


def _due_on(kind_filters: dict[Q, int]) -> Coalesce:
    """The review's due date in SQL, for ordering: the date set, or the period of the record's
    type after it was made."""
    by_type = SqlCase(
        *[
            When(kind_filter, then=F("created_at") + timedelta(days=round(365.25 * years)))
            for kind_filter, years in kind_filters.items()
        ],
        output_field=DateTimeField(),
    )
    return Coalesce(Cast("review_on", DateTimeField()), by_type)


@dataclass(frozen=True)
class RetentionDue:
    cases: list[Case]
    people: list[Person]
    cases_total: int
    people_total: int


def retention_reviews_due(*, user: User, agency_ids: list[int], limit: int = 100) -> RetentionDue:
    """Open records of the agencies given (those where the user reviews retention) whose review
    is due today or earlier, the most overdue first (four queries, however many there are)."""
    today = timezone.localdate()
    years = settings.RETENTION_REVIEW_YEARS
    cases = (
        visible(user, Case.objects.filter(archived_at__isnull=True))
        .filter(owner_agency_id__in=agency_ids)
        .filter(_review_due({Q(): years["case"]}, today))
        .select_related("child", "owner_agency")
        .order_by(_due_on({Q(pk__isnull=False): years["case"]}), "id")
    )
    people = (
        people_visible(user=user)
        .filter(owner_agency_id__in=agency_ids, merged_into__isnull=True)
        .filter(
            _review_due(
                {Q(kind=kind): years[kind] for kind in ("child", "suspect", "associate")}, today
            )
        )
        .select_related("owner_agency")
        .order_by(
            _due_on({Q(kind=kind): years[kind] for kind in ("child", "suspect", "associate")}),
            "id",
        )
    )
    return RetentionDue(
        cases=list(cases[:limit]),
        people=list(people[:limit]),
        cases_total=cases.count(),
        people_total=people.count(),
    )


def case_is_linked_to(*, user: User, case: Case) -> bool:
    """Whether the user has a working relationship with the case: its lead professional, the
    person who opened it, someone who recorded in it, someone named on its restriction, or
    someone in a meeting about it (the chair, or the author or owner of what was recorded
    there). A view by anyone else is flagged in the access log for the lead professional."""
    from django.db.models import Exists

    from meetings.models import AgendaContribution, MeetingAction
    from restrictions.models import RestrictionMember

    if user.pk in (case.lead_professional_id, case.created_by_id):
        return True
    items = AgendaItem.objects.filter(kind="case", case_id=case.pk)
    checks = [
        Concern.objects.filter(case_id=case.pk, created_by_id=user.pk),
        CaseNote.objects.filter(case_id=case.pk, created_by_id=user.pk),
        RiskAssessment.objects.filter(case_id=case.pk, created_by_id=user.pk),
        RestrictionMember.objects.filter(
            user_id=user.pk, restriction__lifted_at__isnull=True
        ).filter(Q(restriction__case_id=case.pk) | Q(restriction__person_id=case.child_id)),
        items.filter(meeting__chair_id=user.pk),
        AgendaContribution.objects.filter(item__in=items, created_by_id=user.pk),
        MeetingAction.objects.filter(item__in=items).filter(
            Q(owner_id=user.pk) | Q(created_by_id=user.pk)
        ),
    ]
    found = Case.objects.filter(pk=case.pk).annotate(
        **{f"linked_{n}": Exists(check) for n, check in enumerate(checks)}
    )
    row = found.values(*(f"linked_{n}" for n in range(len(checks)))).first() or {}
    return any(row.values())


def case_viewers(*, case: Case, limit: int) -> list:
    """The latest views of the case (opened, printed, opened in an emergency), newest first,
    each with who, their agency, when, and whether they were linked to the case."""
    from agencies.models import AccessLogEntry

    Action = AccessLogEntry.Action
    return list(
        AccessLogEntry.objects.filter(
            record_type="case",
            record_id=case.public_id,
            action__in=[Action.VIEW, Action.PRINT, Action.EMERGENCY],
        )
        .select_related("user", "agency")
        # What the panel shows: not the entries' chain hashes, nor the viewers' passwords.
        .only("at", "action", "detail", "user__full_name", "agency__name")
        .order_by("-id")[:limit]
    )


def unlinked_views_of_cases_led_by(*, user: User, since: datetime) -> list:
    """Views since `since` of the open cases the user is lead professional of, by people not
    linked to them: what the task list points the lead professional to."""
    from agencies.models import AccessLogEntry

    led = {
        public_id: case
        for public_id, case in (
            (case.public_id, case)
            for case in visible(
                user,
                Case.objects.filter(
                    lead_professional_id=user.pk, status=Case.Status.OPEN, archived_at__isnull=True
                ),
            ).select_related("child")
        )
    }
    if not led:
        return []
    entries = (
        AccessLogEntry.objects.filter(
            record_type="case", record_id__in=list(led), at__gte=since, detail__unlinked=True
        )
        .exclude(user_id=user.pk)
        .order_by("-id")
    )
    counts: dict = {}
    for record_id in entries.values_list("record_id", flat=True)[:500]:
        counts[record_id] = counts.get(record_id, 0) + 1
    return [(led[record_id], count) for record_id, count in counts.items()]
