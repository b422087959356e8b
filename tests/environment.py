"""Loaded by pytest before Django's settings (`-p tests.environment` in pyproject.toml).

Settings read by middleware when it is built, such as the HTTPS redirect, cannot be overridden
per test once the live server has started, so the test process sets them here.
"""

import os

os.environ.setdefault("SECRET_KEY", os.urandom(32).hex())
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# The access log's chain key (worker and command subprocesses inherit it). The anchor key is
# deliberately not set here: only the processes a test starts as the audit side get one.
os.environ.setdefault("ACCESS_LOG_KEY", os.urandom(32).hex())
