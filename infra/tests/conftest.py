import sys
from pathlib import Path

import pytest

INFRA = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(INFRA))

from tests.harness import STACKS, Captured, program_run  # noqa: E402 - needs infra/ on sys.path first

_captured: dict[str, Captured] = {}


def captured_stack(stack: str) -> Captured:
    """Each committed stack runs once per test session; tests only read what it declared."""
    if stack not in _captured:
        _captured[stack] = program_run(stack)
    return _captured[stack]


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> Captured:
    return captured_stack(request.param)


@pytest.fixture
def prod() -> Captured:
    return captured_stack("prod")
