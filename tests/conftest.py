"""Fixtures for the shared data folder (torch threading is set in the root conftest)."""

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_file(name):
    """Path to a file of ``../shared/data``; skip the test when it is absent."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"../shared/data/{name} not found: the shared data folder ships "
                    "with CI only")
    return path


@pytest.fixture
def school_path():
    return shared_file("school.mat")


@pytest.fixture
def landmine_path():
    return shared_file("landmine.mat")
