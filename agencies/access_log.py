"""Writing and verifying the append-only, keyed, chained access log (decision 64).

Each entry carries an HMAC-SHA256, under ACCESS_LOG_KEY, of its content and of the MAC of the
entry before it. The key is never in the database, so its owner cannot change an entry and make
the chain hold again. A separate process (`anchor_access_log --every 60`), holding a second key
the application never has (ACCESS_LOG_ANCHOR_KEY), appends the chain's head to a signed, chained
anchor file: removing the newest entries, or rewriting the chain with the application's key, is
then found by `verify_access_log` too.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone

from agencies.models import AccessLogEntry, User

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Serialises writers so that each entry chains to the one committed before it.
CHAIN_LOCK_KEY = 7_242_011
KEY_MIN_LENGTH = 32


@functools.lru_cache(maxsize=8)
def _key_from_file(path: str, create: bool) -> str:
    file = Path(path)
    if create and not file.exists():
        # DEBUG only: a local run gets a key of its own, made once and kept under VAR_DIR
        # (git-ignored). Written aside then linked, so a process racing us never reads half a key.
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor, scratch = tempfile.mkstemp(dir=file.parent)  # created with mode 0600
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(scratch, file)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            os.unlink(scratch)
    try:
        return file.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ImproperlyConfigured(f"Cannot read the key file {path}: {error.strerror}.") from error


def _key(name: str, value: str, file: str) -> bytes:
    text = value or (_key_from_file(str(file), settings.DEBUG) if file else "")
    if not text:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE (docs/deployment.md).")
    if len(text) < KEY_MIN_LENGTH:
        raise ImproperlyConfigured(f"{name} must be at least {KEY_MIN_LENGTH} characters long.")
    return text.encode()


def access_log_key() -> bytes:
    """The key of the entries' chain: web, worker, beat, migrate and the audit side have it."""
    return _key("ACCESS_LOG_KEY", settings.ACCESS_LOG_KEY, settings.ACCESS_LOG_KEY_FILE)


def access_log_anchor_key() -> bytes:
    """The key of the anchors: only the audit side has it."""
    key = _key(
        "ACCESS_LOG_ANCHOR_KEY", settings.ACCESS_LOG_ANCHOR_KEY, settings.ACCESS_LOG_ANCHOR_KEY_FILE
    )
    if hmac.compare_digest(key, access_log_key()):
        # The anchors prove what the application could not forge: a shared key proves nothing.
        raise ImproperlyConfigured("ACCESS_LOG_ANCHOR_KEY must differ from ACCESS_LOG_KEY.")
    return key


def entry_mac(entry: AccessLogEntry, *, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the entry and of the MAC of the entry before it (`previous_hash`)."""
    return entry.compute_hash(key=key or access_log_key())


def _acting_user(user: User | AnonymousUser | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def _chain_head() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    previous = AccessLogEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    return previous or GENESIS_HASH


@transaction.atomic
def access_log_record(
    *,
    user: User | AnonymousUser | None,
    agency_id: int | None,
    action: str,
    record: models.Model | None = None,
    record_type: str = "",
    record_id=None,
    record_agency_id: int | None = None,
    reason: str = "",
    detail: dict | None = None,
) -> AccessLogEntry:
    """One entry. The record is named by `record`, or, for what no agency owns (an account),
    by `record_type` and `record_id` with the agency the entry concerns as `record_agency_id`,
    so that its CSE leads find it in their log."""
    key = access_log_key()
    entry = AccessLogEntry(
        user=_acting_user(user),
        agency_id=agency_id,
        action=action,
        record_type=record._meta.model_name if record is not None else record_type,
        record_id=getattr(record, "public_id", record_id),
        record_agency_id=getattr(record, "owner_agency_id", record_agency_id),
        reason=reason,
        detail=detail or {},
        previous_hash=_chain_head(),
    )
    entry.hash = entry_mac(entry, key=key)
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
    key = access_log_key()
    previous = _chain_head()
    entries = []
    for record in records:
        entry = AccessLogEntry(
            user=_acting_user(user),
            agency_id=agency_id,
            action=action,
            record_type=record._meta.model_name,
            record_id=getattr(record, "public_id", None),
            record_agency_id=getattr(record, "owner_agency_id", None),
            detail=detail or {},
            previous_hash=previous,
        )
        entry.hash = previous = entry_mac(entry, key=key)
        entries.append(entry)
    return AccessLogEntry.objects.bulk_create(entries)


class AnchorError(Exception):
    """The anchor file, or the log against it, does not hold."""


@dataclass(frozen=True)
class Anchor:
    """The head of the chain at one moment, signed with the anchor key and chained to the anchor
    before it, kept where the application cannot write. Removing the newest entries leaves a
    valid, shorter chain: only an anchor shows that they were there."""

    seq: int
    at: str
    last_id: int
    hash: str
    count: int
    previous_mac: str
    mac: str = ""

    def message(self) -> bytes:
        content = asdict(self)
        del content["mac"]
        return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()

    def signed(self, key: bytes) -> Anchor:
        return replace(self, mac=hmac.new(key, self.message(), hashlib.sha256).hexdigest())

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @property
    def time(self) -> datetime:
        return datetime.fromisoformat(self.at)


ANCHOR_TYPES = {"seq": int, "at": str, "last_id": int, "hash": str, "count": int}
ANCHOR_TYPES |= {"previous_mac": str, "mac": str}


def _anchor_from_line(text: str, key: bytes) -> Anchor:
    """The anchor a line holds, if its MAC is right; AnchorError saying what is wrong if not."""
    try:
        content = json.loads(text)
    except ValueError:
        content = None
    if not (
        isinstance(content, dict)
        and set(content) == set(ANCHOR_TYPES)
        and all(type(content[name]) is kind for name, kind in ANCHOR_TYPES.items())
    ):
        raise AnchorError("is not a signed anchor (an anchor file from before decision 64?)")
    anchor = Anchor(**content)
    if not hmac.compare_digest(anchor.signed(key).mac, anchor.mac):
        raise AnchorError(
            "does not carry a valid MAC (it was changed, or not signed with the anchor key)"
        )
    return anchor


def _follows(anchor: Anchor, previous: Anchor | None) -> str:
    """Why `anchor` cannot come straight after `previous`, or ''."""
    if previous is None:
        if anchor.seq != 1 or anchor.previous_mac != GENESIS_HASH:
            return f"is anchor {anchor.seq}, not the first (the anchors before it were removed)"
        return ""
    if anchor.seq != previous.seq + 1 or anchor.previous_mac != previous.mac:
        return (
            f"is anchor {anchor.seq} and does not follow anchor {previous.seq} (anchors were "
            "removed, reordered or replaced)"
        )
    if (
        anchor.time < previous.time
        or anchor.last_id < previous.last_id
        or anchor.count < previous.count
    ):
        return "goes back in time or in the log"
    return ""


def anchor_path() -> Path:
    return Path(settings.ACCESS_LOG_ANCHOR_FILE)


def access_log_anchors_read(path: Path | None = None, *, key: bytes | None = None) -> list[Anchor]:
    """Every anchor of the file, each checked against its MAC and the anchor before it; raises
    AnchorError naming the first line that does not hold. A missing file holds no anchor."""
    path = path or anchor_path()
    if not path.exists():
        return []
    anchors: list[Anchor] = []
    with path.open(encoding="utf-8") as file:
        for number, text in enumerate(file, start=1):
            if not text.strip():
                continue
            key = key or access_log_anchor_key()
            try:
                anchor = _anchor_from_line(text, key)
            except AnchorError as error:
                raise AnchorError(f"line {number} {error}") from None
            failure = _follows(anchor, anchors[-1] if anchors else None)
            if failure:
                raise AnchorError(f"line {number} {failure}")
            anchors.append(anchor)
    return anchors


def _tail_anchors(file: IO[bytes], key: bytes) -> list[Anchor]:
    """The file's last anchors (its last 64 KiB, some 250 lines), each checked against its MAC
    and the one before it: read from the end, as the file grows by a line a minute."""
    file.seek(0, os.SEEK_END)
    start = max(0, file.tell() - 65536)
    file.seek(start)
    lines = file.read().split(b"\n")[1 if start else 0 :]  # the first may be cut mid-line
    anchors: list[Anchor] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            anchor = _anchor_from_line(line.decode("utf-8", "replace"), key)
        except AnchorError as error:
            raise AnchorError(f"a line near the end of the anchor file {error}") from None
        failure = _follows(anchor, anchors[-1]) if anchors else ""
        if failure:
            raise AnchorError(f"a line near the end of the anchor file {failure}")
        anchors.append(anchor)
    return anchors


def _head_after(previous: Anchor | None, key: bytes) -> tuple[int, str, int]:
    """The chain's head now, checking the entries written since the previous anchor (and that
    its head is still there) so that an anchor never vouches for an altered chain."""
    if previous is None:
        last_id, head, count = 0, GENESIS_HASH, 0
    else:
        last_id, head, count = previous.last_id, previous.hash, previous.count
        kept = AccessLogEntry.objects.filter(id=last_id).values_list("hash", flat=True).first()
        if count and kept != head:
            raise AnchorError(
                f"entry {last_id}, the head anchored at {previous.at}, is missing or altered"
            )
    for entry in AccessLogEntry.objects.filter(id__gt=last_id).order_by("id").iterator(2000):
        if entry.previous_hash != head or not hmac.compare_digest(
            entry_mac(entry, key=key), entry.hash
        ):
            raise AnchorError(f"the chain is broken at entry {entry.id}")
        last_id, head, count = entry.id, entry.hash, count + 1
    return last_id, head, count


def access_log_anchor(
    *,
    path: Path | None = None,
    key: bytes | None = None,
    expected_last: Anchor | None = None,
    now: datetime | None = None,
) -> Anchor:
    """Append the chain's head to the anchor file (and to this process's log, which in
    production is shipped off the server). `expected_last` is the anchor this process wrote
    last: a file that no longer ends with it was cut or changed, and nothing is appended."""
    key = key or access_log_anchor_key()
    chain_key = access_log_key()
    path = path or anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as file:
        # One writer at a time: the loop, and anyone anchoring by hand meanwhile.
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)
        tail = _tail_anchors(file, key)
        previous = tail[-1] if tail else None
        if expected_last is not None and expected_last not in tail:
            raise AnchorError(
                f"the anchor file no longer holds anchor {expected_last.seq}, written by this "
                "process (it was cut or changed)"
            )
        last_id, head, count = _head_after(previous, chain_key)
        anchor = Anchor(
            seq=previous.seq + 1 if previous else 1,
            at=(now or timezone.now()).isoformat(),
            last_id=last_id,
            hash=head,
            count=count,
            previous_mac=previous.mac if previous else GENESIS_HASH,
        ).signed(key)
        file.write(anchor.line().encode() + b"\n")
        file.flush()
        os.fsync(file.fileno())
    logger.info("access log anchor %s", anchor.line())
    return anchor


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
    if anchor.count == 0:
        return ""  # anchored while the log was empty: nothing to find
    if heads.get(anchor.last_id) != anchor.hash:
        return f"entry {anchor.last_id}, the head anchored at {anchor.at}, is missing or altered"
    if count_to[anchor.last_id] != anchor.count:
        return (
            f"{anchor.count} entries up to entry {anchor.last_id} were anchored at "
            f"{anchor.at}; {count_to[anchor.last_id]} remain"
        )
    return ""


def _staleness(anchors: Sequence[Anchor], max_anchor_age: timedelta, now: datetime | None) -> str:
    if not anchors:
        return "there is no anchor (anchoring has not run, or the anchor file was removed)"
    newest = anchors[-1]
    if newest.time < (now or timezone.now()) - max_anchor_age:
        return (
            f"the newest anchor is from {newest.at}, more than "
            f"{int(max_anchor_age.total_seconds())} seconds ago (anchoring has stopped, or the "
            "newest anchors were removed)"
        )
    return ""


def access_log_verify(
    anchors: Sequence[Anchor] = (),
    *,
    max_anchor_age: timedelta | None = None,
    now: datetime | None = None,
) -> ChainReport:
    """Walk the chain in order and report the first entry whose MAC or link does not hold;
    then check that every anchored head is still there with as many entries before it, and,
    given `max_anchor_age`, that the newest anchor is that recent. `anchors` must come from
    `access_log_anchors_read`, which checks their own MACs."""
    key = access_log_key()
    anchored = {anchor.last_id for anchor in anchors}
    heads: dict[int, str] = {}
    count_to: dict[int, int] = {}
    expected_previous = GENESIS_HASH
    checked = 0
    for entry in AccessLogEntry.objects.order_by("id").iterator(chunk_size=2000):
        checked += 1
        if entry.previous_hash != expected_previous or not hmac.compare_digest(
            entry_mac(entry, key=key), entry.hash
        ):
            return ChainReport(checked=checked, first_broken_id=entry.id)
        expected_previous = entry.hash
        if entry.id in anchored:
            heads[entry.id], count_to[entry.id] = entry.hash, checked
    for anchor in anchors:
        failure = _anchor_failure(anchor, heads, count_to)
        if failure:
            return ChainReport(checked, None, len(anchors), failure)
    if max_anchor_age is not None:
        failure = _staleness(anchors, max_anchor_age, now)
        if failure:
            return ChainReport(checked, None, len(anchors), failure)
    return ChainReport(checked, None, len(anchors))
