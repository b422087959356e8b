"""A small world of records held by one agency, shared with a second, unknown to a third: the
records every record page of the project is reached through (the URL matrix and the hostile
form tests build their paths from it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from agencies.access import record_share
from agencies.models import Agency
from cases.models import Association, MissingEpisode, Network, NetworkMember
from cases.services import case_share
from indicators.models import IndicatorSet, RiskAssessment
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    ConcernFactory,
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
    case_share(case=case, agency=shared, reason="Referral accepted", by=UserFactory())
    network = Network.objects.create(owner_agency=owner, name="Mill Street")
    member = NetworkMember.objects.create(network=network, person=case.child, role="victim")
    suspect = PersonFactory(owner_agency=owner, kind="suspect")
    Association.objects.create(owner_agency=owner, from_person=case.child, to_person=suspect)
    episode = MissingEpisode.objects.create(case=case, started_at=timezone.now())
    record_share(record=suspect, agency=shared, reason="Joint operation", by=UserFactory())
    record_share(record=network, agency=shared, reason="Joint operation", by=UserFactory())
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
    }
    return RecordWorld(owner, shared, other, candidate, {k: str(v) for k, v in ids.items()})
