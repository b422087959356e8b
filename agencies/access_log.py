"""Writing and verifying the append-only, hash-chained access log."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.utils import timezone

from agencies.models import AccessLogEntry, User

logger = logging.getLogger(__name__)

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


@transaction.atomic
def access_log_records(
    *,
    user: User | AnonymousUser | None,
    agency_id: int | None,
    action: str,
    records: list[models.Model],
    detail: dict | None = None,
) -> list[AccessLogEntry]:
    """One entry per record, written together under one hold of the chain (a page that shows
    many records logs each without a round of statements per record)."""
    if not records:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    previous = AccessLogEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    previous = previous or GENESIS_HASH
    entries = []
    for record in records:
        entry = AccessLogEntry(
            user=user if user is not None and user.is_authenticated else None,
            agency_id=agency_id,
            action=action,
            record_type=record._meta.model_name,
            record_id=getattr(record, "public_id", None),
            record_agency_id=getattr(record, "owner_agency_id", None),
            detail=detail or {},
            previous_hash=previous,
        )
        entry.hash = previous = entry.compute_hash()
        entries.append(entry)
    return AccessLogEntry.objects.bulk_create(entries)


@dataclass(frozen=True)
class Anchor:
    """The head of the chain at one moment, kept where the database role cannot write, so
    that removing the newest entries (which leaves a valid, shorter chain) is detected."""

    at: str
    last_id: int
    hash: str
    count: int


def anchor_path() -> Path:
    return Path(settings.ACCESS_LOG_ANCHOR_FILE)


def access_log_anchor() -> Anchor | None:
    """Append the chain's head to the anchor file, and to the application log, which in
    production is shipped off the server."""
    head = AccessLogEntry.objects.order_by("-id").values("id", "hash").first()
    if head is None:
        return None
    anchor = Anchor(
        at=timezone.now().isoformat(),
        last_id=head["id"],
        hash=head["hash"],
        count=AccessLogEntry.objects.filter(id__lte=head["id"]).count(),
    )
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(asdict(anchor), sort_keys=True) + "\n")
        file.flush()
        os.fsync(file.fileno())
    logger.info("access log anchor %s", json.dumps(asdict(anchor), sort_keys=True))
    return anchor


def access_log_anchors_read(path: Path | None = None) -> list[Anchor]:
    path = path or anchor_path()
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Anchor(**json.loads(line)) for line in lines if line.strip()]


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    anchors_checked: int = 0
    anchor_failure: str = ""

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None and not self.anchor_failure


def _anchor_failure(anchor: Anchor, heads: dict[int, str], count_to: dict[int, int]) -> str:
    if heads.get(anchor.last_id) != anchor.hash:
        return f"entry {anchor.last_id}, the head anchored at {anchor.at}, is missing or altered"
    if count_to[anchor.last_id] != anchor.count:
        return (
            f"{anchor.count} entries up to entry {anchor.last_id} were anchored at "
            f"{anchor.at}; {count_to[anchor.last_id]} remain"
        )
    return ""


def access_log_verify(anchors: list[Anchor] = ()) -> ChainReport:
    """Walk the chain in order; report the first entry whose hash or link does not hold, then
    check that every anchored head is still there with as many entries before it."""
    anchored = {anchor.last_id for anchor in anchors}
    heads: dict[int, str] = {}
    count_to: dict[int, int] = {}
    expected_previous = GENESIS_HASH
    checked = 0
    for entry in AccessLogEntry.objects.order_by("id").iterator(chunk_size=2000):
        checked += 1
        if entry.previous_hash != expected_previous or entry.compute_hash() != entry.hash:
            return ChainReport(checked=checked, first_broken_id=entry.id)
        expected_previous = entry.hash
        if entry.id in anchored:
            heads[entry.id], count_to[entry.id] = entry.hash, checked
    for anchor in anchors:
        failure = _anchor_failure(anchor, heads, count_to)
        if failure:
            return ChainReport(checked, None, len(anchors), failure)
    return ChainReport(checked, None, len(anchors))
