"""Re-key the access log's chain: HMAC-SHA256 under ACCESS_LOG_KEY instead of plain SHA-256
(decision 64).

The old chain is verified first, and the migration stops if it does not hold: re-keying a chain
that was altered would make the alteration look genuine. The append-only trigger (migration
0003) is disabled for the rewrite and enabled again, inside this migration's transaction, with
the table locked so that nothing is written meanwhile.
"""

import hashlib
import hmac
import json

from django.db import migrations

GENESIS_HASH = "0" * 64
TABLE = "agencies_accesslogentry"
TRIGGER = "agencies_access_log_no_update_or_delete"
BATCH = 2000


class AccessLogChainBroken(Exception):
    pass


def canonical(entry) -> str:
    # As AccessLogEntry.canonical() was when this migration was written: kept here so that the
    # migration still reads this release's entries after the model changes.
    return json.dumps(
        {
            "at": entry.at.isoformat(),
            "user": entry.user_id,
            "agency": entry.agency_id,
            "action": entry.action,
            "record_type": entry.record_type,
            "record_id": str(entry.record_id) if entry.record_id else None,
            "record_agency": entry.record_agency_id,
            "reason": entry.reason,
            "detail": entry.detail,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def unkeyed(previous: str, entry) -> str:
    return hashlib.sha256((previous + canonical(entry)).encode()).hexdigest()


def keyed(previous: str, entry) -> str:
    from agencies.access_log import access_log_key

    message = (previous + canonical(entry)).encode()
    return hmac.new(access_log_key(), message, hashlib.sha256).hexdigest()


def batches(queryset):
    last_id = 0
    while batch := list(queryset.filter(id__gt=last_id).order_by("id")[:BATCH]):
        yield batch
        last_id = batch[-1].id


def rechain(apps, schema_editor, *, old, new, old_name: str) -> None:
    entries = apps.get_model("agencies", "AccessLogEntry").objects.using(
        schema_editor.connection.alias
    )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    if not entries.exists():
        return
    expected = GENESIS_HASH
    for batch in batches(entries):
        for entry in batch:
            if entry.previous_hash != expected or not hmac.compare_digest(
                old(expected, entry), entry.hash
            ):
                raise AccessLogChainBroken(
                    f"The access log's {old_name} chain is broken at entry {entry.id}: it was "
                    "changed or removed outside the application. The chain has not been "
                    "re-keyed, so that the change stays visible. Investigate it "
                    "(`python manage.py verify_access_log` with the previous release) before "
                    "migrating; see docs/deployment.md."
                )
            expected = entry.hash
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
    previous = GENESIS_HASH
    for batch in batches(entries):
        for entry in batch:
            entry.previous_hash = previous
            entry.hash = previous = new(previous, entry)
        entries.bulk_update(batch, ["previous_hash", "hash"])
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")


def forward(apps, schema_editor) -> None:
    rechain(apps, schema_editor, old=unkeyed, new=keyed, old_name="unkeyed (SHA-256)")


def backward(apps, schema_editor) -> None:
    rechain(apps, schema_editor, old=keyed, new=unkeyed, old_name="keyed (HMAC-SHA256)")


class Migration(migrations.Migration):
    dependencies = [("agencies", "0007_membership_requests")]

    operations = [migrations.RunPython(forward, backward)]
