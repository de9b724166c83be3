"""Test session set-up: one torch thread (two torch processes sharing 2 cores with
default threading ran tiny models 10-30x slower) and the shared data folder."""

from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)

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
