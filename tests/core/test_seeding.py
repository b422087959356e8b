"""The suite's random data comes from one printed seed (tests/seeding.py): the same seed gives
the same data and the same shuffled order, so a failure reproduces with one command."""

import re
import subprocess
import sys

from tests.conftest import ROOT

DRAWS = """
import random

from tests.factories import distinct_name


def test_first():
    print("DRAW", distinct_name("last_name"), distinct_name("last_name"), random.random())


def test_second():
    print("DRAW", distinct_name("first_name"), random.random())


def test_third():
    print("DRAW third")
"""


def run_with(tmp_path, *options: str) -> tuple[str, list[str]]:
    test = tmp_path / "test_draws.py"
    test.write_text(DRAWS)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(test), "-c", str(ROOT / "pyproject.toml"),
         "-p", "no:cacheprovider", "-s", "-v", *options],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    seed = re.search(r"Random seed: (\d+) \(to reproduce: python3 dev.py test --seed", out)
    assert seed, result.stdout[:2000]
    return seed.group(1), re.findall(r"^.*DRAW.*$", out, flags=re.M)


def test_the_same_seed_gives_the_same_data_and_the_same_shuffled_order(tmp_path):
    seed, draws = run_with(tmp_path, "--seed", "4242", "--shuffle")
    again_seed, again = run_with(tmp_path, "--seed", "4242", "--shuffle")
    assert seed == again_seed == "4242"
    assert draws == again
    assert len(draws) == 3
    _, other = run_with(tmp_path, "--seed", "4243")
    assert sorted(other) != sorted(draws)  # another seed draws other names and numbers


def test_a_run_given_no_seed_prints_the_one_it_chose_and_passes_it_to_what_it_starts(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("TEST_SEED")
    seed, _ = run_with(tmp_path)
    assert int(seed) > 0
    monkeypatch.setenv("TEST_SEED", "777")  # as .ci/run sets it, and child processes inherit it
    assert run_with(tmp_path)[0] == "777"


def test_names_drawn_in_one_test_are_distinct():
    from tests.factories import distinct_name, distinct_names_reset

    distinct_names_reset()
    names = [distinct_name("last_name") for _ in range(600)]
    assert len(set(names)) == len(names)
