"""Request middleware of the core app."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

SESSION_STARTED_KEY = "session_started_at"


class RecordBusyMiddleware:
    """A save that gave up waiting for a record held by a longer write (an import) answers
    with a page saying so (503), not a server error; nothing was saved."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        from core.services import RecordBusy

        if isinstance(exception, RecordBusy):
            return render(request, "errors/record_busy.html", status=503)
        return None


class SessionAbsoluteExpiryMiddleware:
    """Ends a session 12 hours after sign-in however active it is (idle expiry is the cookie's
    age, renewed on each request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = time.time()
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_AGE:
                logout(request)
        return self.get_response(request)


class ServerTimingMiddleware:
    """With SERVER_TIMING on (the benchmark), each response carries a Server-Timing header: time
    in the application, time in the database, the number of queries and the slowest query's
    time. Durations and counts only: never SQL, which could hold personal data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.db import connection

        timings: list[float] = []

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings.append(time.perf_counter() - started)

        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            response = self.get_response(request)
        app = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = (
            f"app;dur={app:.1f}, db;dur={sum(timings) * 1000:.1f}, "
            f"queries;desc={len(timings)}, slowest;dur={max(timings, default=0) * 1000:.1f}"
        )
        return response
