"""One seed for everything random in the suite, printed at the start, so that a failure
reproduces with one command (`python3 dev.py test --seed N path::test`).

Loaded by pytest as a plugin (`-p tests.seeding` in pyproject.toml). Each test starts from a
state derived from the seed and its own id, so its data does not depend on which tests ran
before it, or on which xdist worker runs it. `--shuffle` runs the tests in an order shuffled by
the seed, to show that none depends on the order (docs/decisions.md, decision 71).
"""

from __future__ import annotations

import os
import random
import zlib

import pytest

SEED_ENV = "TEST_SEED"


def pytest_addoption(parser) -> None:
    group = parser.getgroup("seeding")
    group.addoption(
        "--seed",
        type=int,
        default=None,
        help="seed for Faker, factory_boy, random and Hypothesis (default: $TEST_SEED or new)",
    )
    group.addoption(
        "--shuffle", action="store_true", help="run the tests in an order shuffled by the seed"
    )


def _chosen_seed(config) -> int:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:  # an xdist worker takes the controller's seed
        return int(workerinput["test_seed"])
    if config.option.seed is not None:
        return config.option.seed
    if os.environ.get(SEED_ENV):
        return int(os.environ[SEED_ENV])
    return random.SystemRandom().randrange(1, 10**6)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config) -> None:
    seed = _chosen_seed(config)
    config.test_seed = seed
    # Subprocesses a test starts (workers, commands) see the same seed.
    os.environ[SEED_ENV] = str(seed)
    from hypothesis import core

    if core.global_force_seed is None:  # unless --hypothesis-seed was given
        core.global_force_seed = seed


@pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown when xdist is not in use
def pytest_configure_node(node) -> None:
    """xdist: every worker uses the controller's seed."""
    node.workerinput["test_seed"] = node.config.test_seed


def pytest_report_header(config) -> list[str]:
    shuffle = " --shuffle" if config.option.shuffle else ""
    return [
        f"Random seed: {config.test_seed} "
        f"(to reproduce: python3 dev.py test --seed {config.test_seed}{shuffle} ...)"
    ]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if exitstatus not in (0, 5):
        shuffle = " --shuffle" if config.option.shuffle else ""
        terminalreporter.write_line(
            f"Random seed was {config.test_seed}: rerun a failure with "
            f"python3 dev.py test --seed {config.test_seed}{shuffle} <test id>"
        )


def _django_order(item) -> int:
    """pytest-django's order (as Django's runner): tests in a rolled-back transaction first,
    then those that empty the database after them, then those without it."""
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    if (marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,))) or (
        fixtures & {"transactional_db", "live_server"}
    ):
        return 1
    return 0 if marker or "db" in fixtures else 2


def pytest_collection_modifyitems(config, items) -> None:
    if config.option.shuffle:
        # Shuffled within pytest-django's groups, as Django's own --shuffle does: a test that
        # empties the database (and the data the migrations loaded) still runs after the
        # tests that rely on that data. Every xdist worker shuffles the same way, so their
        # collections agree.
        # Modules are shuffled, and the tests within each (as pytest-randomly does), so that a
        # module's fixtures are still made once.
        rng = random.Random(config.test_seed)
        modules: dict[str, list] = {}
        for item in items:
            modules.setdefault(item.nodeid.split("::")[0], []).append(item)
        order = list(modules)
        rng.shuffle(order)
        for name in order:
            rng.shuffle(modules[name])
        items[:] = [item for name in order for item in modules[name]]
        items.sort(key=_django_order)  # stable: shuffled within each group


def seed_for_test(seed: int, nodeid: str) -> int:
    return zlib.crc32(f"{seed}:{nodeid}".encode())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item) -> None:
    import factory.random

    from tests.factories import distinct_names_reset

    seed = seed_for_test(item.config.test_seed, item.nodeid)
    random.seed(seed)
    factory.random.reseed_random(seed)  # factory_boy's fuzzy values and every Faker
    distinct_names_reset()
