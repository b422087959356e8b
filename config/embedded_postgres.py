"""The embedded PostgreSQL used when DATABASE_URL is unset (local runs and the test suite).

pgserver ships a PostgreSQL 16 server inside a wheel. The server keeps running across processes
(web, worker, management commands all share it) and is stopped by `dev.py` when a run ends, or
by hand with `python -m config.embedded_postgres stop`.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

DATABASE_NAME = "cse"


def data_dir(var_dir: Path) -> Path:
    return var_dir / "pgdata"


def embedded_database(var_dir: Path) -> dict[str, str]:
    """Start the embedded server if needed and return Django connection settings for it."""
    import psycopg

    pgserver = import_pgserver()

    var_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir(var_dir), cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
        if exists.fetchone() is None:
            c.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return {"NAME": DATABASE_NAME, "USER": "postgres", "HOST": socket_dir, "PORT": ""}


def import_pgserver():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); its fallback is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver  # only installed where the embedded server is used
    return pgserver


def stop(var_dir: Path) -> None:
    pgserver = import_pgserver()
    from pgserver._commands import pg_ctl

    pgdata = data_dir(var_dir)
    if not (pgdata / "postmaster.pid").exists():
        return
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)


if __name__ == "__main__":
    var = Path(__file__).resolve().parent.parent / "var"
    if sys.argv[1:] == ["stop"]:
        stop(var)
    else:
        print(embedded_database(var))
