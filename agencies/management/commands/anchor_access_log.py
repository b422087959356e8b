"""Anchor the access log's head: once, or every N seconds as the audit service does."""

from __future__ import annotations

import logging
import signal
import threading
import time

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import Error as DatabaseFailure
from django.db import close_old_connections

from agencies.access_log import (
    Anchor,
    AnchorError,
    access_log_anchor,
    access_log_anchor_key,
    access_log_key,
    anchor_path,
)

logger = logging.getLogger("agencies.access_log")


class Command(BaseCommand):
    help = (
        "Append the access log's head (last entry, its MAC, the count) to the anchor file, "
        "signed with ACCESS_LOG_ANCHOR_KEY. Run by the audit service, never by the application."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running, anchoring every SECONDS (the audit service uses 60)",
        )

    def handle(self, *args, **options) -> None:
        try:
            access_log_anchor_key(), access_log_key()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if options["every"] < 0 or 0 < options["every"] < 5:
            raise CommandError("--every must be at least 5 seconds.")
        if options["every"]:
            self.loop(options["every"])
            return
        try:
            anchor = access_log_anchor()
        except AnchorError as error:
            raise CommandError(f"Not anchored: {error}.") from error
        self.stdout.write(
            f"Anchored entry {anchor.last_id} ({anchor.count} entries) in {anchor_path()}."
        )

    def loop(self, every: int) -> None:
        stop = threading.Event()
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: stop.set())
        last: Anchor | None = None
        while not stop.is_set():
            started = time.monotonic()
            close_old_connections()
            try:
                last = access_log_anchor(expected_last=last)
            except AnchorError as error:
                # Nothing is appended until someone looks: the anchors going stale is the alarm
                # `verify_access_log --max-anchor-age` raises. `last` is kept, so a cut file
                # stays refused.
                logger.error("access log not anchored: %s", error)
            except (DatabaseFailure, OSError) as error:
                # The database restarting or a full disk must not end the loop: try again.
                logger.error("access log not anchored: %s", type(error).__name__)
            close_old_connections()
            stop.wait(max(0.0, every - (time.monotonic() - started)))
