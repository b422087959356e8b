"""Writing and verifying the append-only, hash-chained access log."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction

from agencies.models import AccessLogEntry, User

GENESIS_HASH = "0" * 64
# Serialises writers so that each entry chains to the one committed before it.
CHAIN_LOCK_KEY = 7_242_011


@transaction.atomic
def access_log_record(
    *,
    user: User | AnonymousUser | None,
    agency_id: int | None,
    action: str,
    record: models.Model | None = None,
    record_type: str = "",
    reason: str = "",
    detail: dict | None = None,
) -> AccessLogEntry:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    previous = AccessLogEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    entry = AccessLogEntry(
        user=user if user is not None and user.is_authenticated else None,
        agency_id=agency_id,
        action=action,
        record_type=record._meta.model_name if record is not None else record_type,
        record_id=getattr(record, "public_id", None),
        record_agency_id=getattr(record, "owner_agency_id", None),
        reason=reason,
        detail=detail or {},
        previous_hash=previous or GENESIS_HASH,
    )
    entry.hash = entry.compute_hash()
    entry.save()
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def access_log_verify() -> ChainReport:
    """Walk the chain in order; report the first entry whose hash or link does not hold."""
    expected_previous = GENESIS_HASH
    checked = 0
    for entry in AccessLogEntry.objects.order_by("id").iterator(chunk_size=2000):
        checked += 1
        if entry.previous_hash != expected_previous or entry.compute_hash() != entry.hash:
            return ChainReport(checked=checked, first_broken_id=entry.id)
        expected_previous = entry.hash
    return ChainReport(checked=checked, first_broken_id=None)
