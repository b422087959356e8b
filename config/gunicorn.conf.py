"""gunicorn's settings, as the Dockerfile runs the service (and the tests that check them).

The access log names the path without its query string (`%(U)s`): searches are POSTed, and the
one token that travels in a URL (a password link's key, docs/decisions.md 68) is in the query
string, so no personal data or secret reaches this log.
"""

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
