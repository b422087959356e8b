"""Request middleware of the core app."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

SESSION_STARTED_KEY = "session_started_at"
# Seconds a browser or client is asked to wait before trying again; a restart of PostgreSQL
# takes a few.
DATABASE_RETRY_AFTER = 10
# The request attribute holding the class of a database error Django handled in a later layer.
_UNREACHABLE = "_database_unreachable"

logger = logging.getLogger(__name__)


def database_unreachable(error: BaseException) -> bool:
    """The error is the database connection failing or gone (the server stopped, restarting or
    out of reach), not a query the database refused: a programming error, a constraint or a
    lock timeout leaves the connection open and is not this."""
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    raw = connection.connection
    return raw is None or raw.closed


class DatabaseUnavailableMiddleware:
    """While the database cannot be reached (restarting, failed over, down), every page that
    needs it answers with a page saying so (503, with Retry-After), instead of a server error;
    the service recovers on its own once the database is back, as Django opens a new connection
    for the next request. Placed before the session middleware, it also covers the session
    and the signed-in user, read and saved around the view. The page is made without the
    database (no request context, so no context processors) and says nothing about the
    failure; the log has the error's class only, never its message, which can hold SQL."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Django turns an error raised in a later middleware into the server-error page before
        # this middleware sees it: note on the request that the cause was the database.
        got_request_exception.connect(_note_database_unreachable, dispatch_uid=__name__)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except Exception as error:
            # The server-error page itself needs the database (the signed-in user's menu), so
            # it fails too and the error arrives here.
            cause = getattr(request, _UNREACHABLE, None)
            if cause is None and database_unreachable(error):
                cause = type(error)
            if cause is None:
                raise
            return self.unavailable(cause)
        cause = getattr(request, _UNREACHABLE, None)
        if response.status_code == 500 and cause is not None:
            return self.unavailable(cause)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if database_unreachable(exception):
            return self.unavailable(type(exception))
        return None

    @staticmethod
    def unavailable(cause: type[BaseException]) -> HttpResponse:
        logger.warning("Database unavailable (%s): answered 503", cause.__name__)
        page = render_to_string(
            "errors/database_unavailable.html", {"service_name": settings.SERVICE_NAME}
        )
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
        add_never_cache_headers(response)
        return response


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except when the database went away while the session was being saved at the
    end of the request: Django reports that as a session "interrupted" (400, "a problem with
    that request"); it is the database being unavailable, and answers as such (503)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        try:
            return super().process_response(request, response)
        except SessionInterrupted as interrupted:
            cause = interrupted.__context__  # UpdateError, itself raised from the DatabaseError
            while cause is not None and not database_unreachable(cause):
                cause = cause.__context__
            if cause is None:
                raise
            return DatabaseUnavailableMiddleware.unavailable(type(cause))


def _note_database_unreachable(sender, request: HttpRequest | None = None, **kwargs) -> None:
    """Sent while Django handles an error a view or middleware raised: keep the error's class
    on the request when the database could not be reached."""
    error = sys.exc_info()[1]
    if request is not None and error is not None and database_unreachable(error):
        setattr(request, _UNREACHABLE, type(error))


class NoStoreMiddleware:
    """No page of the service may be kept by a browser or a shared cache: every response
    from a view says `Cache-Control: no-store` (with `private` and an expiry in the past, for
    caches that read older headers). A response to a signed-in user gets it whatever the view
    set; another response keeps a caching header its view chose on purpose. Static files are
    answered by WhiteNoise before this and stay cacheable: they hold no personal data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
        if signed_in or not response.has_header("Cache-Control"):
            if response.has_header("Cache-Control"):
                del response["Cache-Control"]
            add_never_cache_headers(response)
        return response


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
