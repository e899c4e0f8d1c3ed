"""The suite's two tiers as the Makefile runs them: `make check` selects no slow test, so it
starts no SLURM cluster and its processes get tests/slurm/no-cluster.conf (tests/conftest.py);
`make test` then runs the slow ones, with the cluster."""

from __future__ import annotations

import re

import pytest

from tests.helpers import makefile_rules, selects_slow_tests


def pytest_markexprs() -> dict[str, str]:
    """Makefile target -> the -m expression of the pytest its recipe runs."""
    found = {}
    for target, recipe in makefile_rules().items():
        for line in recipe:
            if m := re.search(r'pytest\s+-m\s+(?:"([^"]*)"|(\S+))', line):
                found[target] = m[1] if m[1] is not None else m[2]
    return found


def test_make_check_selects_no_slow_test_and_make_test_does() -> None:
    expressions = pytest_markexprs()
    assert not selects_slow_tests(expressions["check"]), expressions
    assert selects_slow_tests(expressions["test"]), expressions


@pytest.mark.parametrize(
    ("markexpr", "slow"),
    [
        ("", True),
        ("not slow", False),
        ("(not slow)", False),
        ("not slow and tensorflow", False),
        ("slow", True),
        ("slow or not slow", True),
        ("slow and tensorflow", True),
        ("slow and xdist_group and not parametrize", True),
        ("not tensorflow", True),
        ("slow and (", True),  # pytest refuses it, and says why
    ],
)
def test_which_expressions_can_select_a_slow_test(markexpr: str, slow: bool) -> None:
    assert selects_slow_tests(markexpr) is slow
