"""A small world of records held by one agency, shared with a second, unknown to a third: the
records every record page of the project is reached through (the URL matrix and the hostile
form tests build their paths from it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from agencies.access import record_share
from agencies.models import Agency, Role
from cases.models import Association, MissingEpisode, Network, NetworkMember
from cases.services import case_share
from indicators.models import IndicatorSet, RiskAssessment
from meetings.services import agenda_item_add, meeting_action_add, meeting_create
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    ConcernFactory,
    MembershipFactory,
    PartnershipFactory,
    PersonFactory,
    UserFactory,
)


@dataclass
class RecordWorld:
    owner: Agency
    shared: Agency
    other: Agency
    candidate: Agency
    ids: dict[str, str]


def record_world() -> RecordWorld:
    """A case with a concern, a draft assessment and one awaiting sign-off, a missing episode,
    a network holding the child, and a linked suspect; the case, suspect and network are
    shared with `shared`; `candidate` is a partner to share with next."""
    partnership = PartnershipFactory()
    owner, shared, other, candidate = (AgencyFactory(partnerships=[partnership]) for _ in range(4))
    case = CaseFactory(owner_agency=owner)
    concern = ConcernFactory(case=case)
    current = IndicatorSet.objects.get(is_current=True)
    draft, lowered = (
        RiskAssessment.objects.create(
            case=case, indicator_set=current, assessed_on=date.today(), status=status
        )
        for status in ("draft", "awaiting_sign_off")
    )
    case_share(
        case=case,
        agency=shared,
        reason="Referral accepted",
        lawful_basis="safeguarding",
        by=UserFactory(),
    )
    network = Network.objects.create(owner_agency=owner, name="Mill Street")
    member = NetworkMember.objects.create(network=network, person=case.child, role="victim")
    suspect = PersonFactory(owner_agency=owner, kind="suspect")
    Association.objects.create(owner_agency=owner, from_person=case.child, to_person=suspect)
    episode = MissingEpisode.objects.create(case=case, started_at=timezone.now())
    record_share(
        record=suspect,
        agency=shared,
        reason="Joint operation",
        lawful_basis="safeguarding",
        by=UserFactory(),
    )
    record_share(
        record=network,
        agency=shared,
        reason="Joint operation",
        lawful_basis="safeguarding",
        by=UserFactory(),
    )
    interventions = intervention_world(owner=owner, shared=shared, case=case, suspect=suspect)
    # A meeting chaired by the holding agency and attended by the one the case is shared with.
    chair = MembershipFactory(agency=owner, role=Role.CSE_LEAD).user
    meeting = meeting_create(
        partnership=partnership, title="Riverside MASE", held_on=date.today(), starts_at=None,
        venue="", chair=chair, chair_agency=owner, agencies=[shared], by=chair,
    )  # fmt: skip
    item = agenda_item_add(meeting=meeting, kind="case", subject=case, by=chair)
    action = meeting_action_add(
        item=item, description="Visit the school", owner_agency=shared, owner=None,
        due_on=date.today(), by=chair,
    )  # fmt: skip
    ids = {
        "network": network.public_id,
        "member": member.public_id,
        "case": case.public_id,
        "child": case.child.public_id,
        "suspect": suspect.public_id,
        "episode": episode.public_id,
        "concern": concern.public_id,
        "shared": shared.public_id,
        "candidate": candidate.public_id,
        "assessment": draft.public_id,
        "lowered": lowered.public_id,
        "meeting": meeting.public_id,
        "item": item.public_id,
        "action": action.public_id,
        **interventions,
    }
    return RecordWorld(owner, shared, other, candidate, {k: str(v) for k, v in ids.items()})


def intervention_world(*, owner, shared, case, suspect) -> dict:
    """A place linked to the suspect (shared like the suspect), a flag on the suspect, a
    disruption on it, and a court date on the case's victim support."""
    from cases.models import Location, PersonLocation
    from interventions import services as interventions
    from interventions.models import FlagType

    by = UserFactory()
    location = Location.objects.create(owner_agency=owner, type="hotel", postcode_district="LS1")
    PersonLocation.objects.create(person=suspect, location=location, role="exploitation")
    record_share(
        record=location, agency=shared, reason="Joint operation", lawful_basis="safeguarding", by=by
    )
    flag = interventions.flag_set(
        record=suspect, flag_type=FlagType.objects.get(code="cse"), reason="Grooming seen",
        owner=MembershipFactory(agency=owner).user, review_on=date.today(), by=by,
    )  # fmt: skip
    disruption = interventions.disruption_record(
        record=suspect, type="cawn", occurred_on=date.today(), agency=owner,
        details="Notice served", by=by,
    )  # fmt: skip
    court_date = interventions.court_date_add(
        case=case, date=date.today(), hearing_type="trial", by=by
    )
    return {"location": location.public_id, "flag": flag.public_id,
            "disruption": disruption.public_id, "court_date": court_date.public_id}  # fmt: skip
